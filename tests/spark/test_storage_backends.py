"""The repairs behave the same through both ways to the storage: Hadoop's FileSystem (local runs)
and dbutils.fs (Databricks, where Unity Catalog authorizes that and not the raw FileSystem)."""

from __future__ import annotations

import shutil
import sys
import types
from collections import namedtuple
from pathlib import Path

import pytest

from jobs.storage import (
    discard_incomplete_checkpoint_files,
    discard_uncommitted_table_log,
    exists,
    has_commit,
    only_created,
)

# The fields of dbutils.fs.ls's items, as the Databricks SDK's own dbutils defines them.
FileInfo = namedtuple("FileInfo", ["path", "name", "size", "modificationTime"])


class LocalDbutilsFs:
    """Stand-in for Databricks' dbutils.fs over local folders, with its documented behaviour.

    ls gives FileInfo items (a folder's name ends in "/") and raises with a
    java.io.FileNotFoundException message for a missing path; rm removes a file, or a folder
    only with recurse. Every call is recorded, so tests can tell what was asked of the storage.
    """

    def __init__(self):
        self.calls = []

    def ls(self, path):
        self.calls.append(("ls", path))
        target = Path(path)
        if not target.exists():
            raise RuntimeError(f"java.io.FileNotFoundException: {path} does not exist")
        return [self._info(e) for e in (sorted(target.iterdir()) if target.is_dir() else [target])]

    @staticmethod
    def _info(entry: Path) -> FileInfo:
        folder = "/" if entry.is_dir() else ""
        stat = entry.stat()
        size = 0 if folder else stat.st_size
        millis = stat.st_mtime_ns // 1_000_000
        return FileInfo(entry.as_uri() + folder, entry.name + folder, size, millis)

    def rm(self, path, recurse=False):
        self.calls.append(("rm", path, recurse))
        target = Path(path)
        if not target.exists():
            return False
        if target.is_file():
            target.unlink()
        elif recurse:
            shutil.rmtree(target)
        else:
            target.rmdir()  # a folder with contents raises, as dbutils does without recurse
        return True


class SparkWithoutJvm:
    """A session whose JVM must stay untouched: on Databricks only dbutils may reach storage."""

    @property
    def _jvm(self):
        raise AssertionError("spark._jvm used on Databricks")

    @property
    def _jsc(self):
        raise AssertionError("spark._jsc used on Databricks")


@pytest.fixture
def dbutils_fs(monkeypatch):
    """Databricks as storage.py sees it: the runtime's variable, and pyspark.dbutils."""
    fs = LocalDbutilsFs()
    module = types.ModuleType("pyspark.dbutils")

    class DBUtils:
        def __init__(self, spark):
            self.fs = fs

    module.DBUtils = DBUtils
    monkeypatch.setitem(sys.modules, "pyspark.dbutils", module)
    monkeypatch.setenv("DATABRICKS_RUNTIME_VERSION", "17.3")
    return fs


@pytest.fixture(params=[pytest.param("hadoop", marks=pytest.mark.spark), "dbutils"])
def session(request):
    """The real local Spark (Hadoop's FileSystem), or Databricks with dbutils and no JVM."""
    if request.param == "hadoop":
        return request.getfixturevalue("spark")
    request.getfixturevalue("dbutils_fs")
    return SparkWithoutJvm()


def _table_log(tmp_path: Path, *names: str) -> str:
    log = tmp_path / "table" / "_delta_log"
    log.mkdir(parents=True)
    for name in names:
        (log / name).write_text("{}")
    return str(tmp_path / "table")


def test_checkpoint_temp_files_go_and_committed_entries_stay(session, tmp_path):
    for log, temp in (("offsets", ".1.2f1e.tmp"), ("commits", ".1.9c3a.tmp")):
        (tmp_path / log).mkdir()
        (tmp_path / log / "0").write_text("v1\n{}")
        (tmp_path / log / temp).write_text("")
    (tmp_path / "metadata").write_text('{"id": "x"}')

    assert discard_incomplete_checkpoint_files(session, str(tmp_path)) == 2
    assert sorted(p.name for p in (tmp_path / "offsets").iterdir()) == ["0"]
    assert sorted(p.name for p in (tmp_path / "commits").iterdir()) == ["0"]
    assert (tmp_path / "metadata").exists()


def test_a_new_checkpoint_has_nothing_to_repair(session, tmp_path):
    assert discard_incomplete_checkpoint_files(session, str(tmp_path / "new")) == 0


def test_exists_tells_a_checkpoint_that_is_there_from_one_that_is_not(session, tmp_path):
    (tmp_path / "pipeline" / "offsets").mkdir(parents=True)

    assert exists(session, str(tmp_path / "pipeline"))
    assert not exists(session, str(tmp_path / "bronze"))


@pytest.mark.parametrize(
    ("names", "created", "committed"),
    [
        pytest.param((), False, False, id="empty-log"),
        pytest.param((".00000000000000000000.json.6c1f.tmp",), False, False, id="killed-creation"),
        pytest.param(
            ("00000000000000000000.json", "00000000000000000000.crc"), True, True, id="created"
        ),
        pytest.param(
            ("00000000000000000000.json", "00000000000000000001.json", ".2.tmp"),
            False,
            True,
            id="written",
        ),
        pytest.param(
            ("00000000000000000010.checkpoint.parquet", "00000000000000000011.json"),
            False,
            True,
            id="cleaned-up",
        ),
    ],
)
def test_the_log_listing_tells_created_from_written(session, tmp_path, names, created, committed):
    table = _table_log(tmp_path, *names)

    assert only_created(session, table) is created
    assert has_commit(session, table) is committed


def test_a_table_that_is_not_there_has_no_commit(session, tmp_path):
    assert not has_commit(session, str(tmp_path / "table"))
    assert not only_created(session, str(tmp_path / "table"))


def test_a_log_without_any_commit_is_cleared(session, tmp_path):
    table = _table_log(tmp_path, ".00000000000000000000.json.6c1f.tmp")
    (tmp_path / "table" / "_delta_log" / "_staged_commits").mkdir()

    assert discard_uncommitted_table_log(session, table)
    assert not (tmp_path / "table" / "_delta_log").exists()


def test_a_log_with_a_commit_is_never_touched(session, tmp_path):
    names = ["00000000000000000000.json", ".00000000000000000001.json.9a.tmp"]
    table = _table_log(tmp_path, *names)

    assert not discard_uncommitted_table_log(session, table)
    assert sorted(p.name for p in (tmp_path / "table" / "_delta_log").iterdir()) == sorted(names)


def test_no_log_is_nothing_to_clear(session, tmp_path):
    (tmp_path / "table").mkdir()

    assert not discard_uncommitted_table_log(session, str(tmp_path / "table"))


def test_on_databricks_only_dbutils_reaches_the_storage(dbutils_fs, tmp_path):
    spark = SparkWithoutJvm()  # any use of its JVM fails the test
    table = _table_log(tmp_path, ".00000000000000000000.json.6c1f.tmp")
    (tmp_path / "offsets").mkdir()
    (tmp_path / "offsets" / ".0.5e.tmp").write_text("")

    assert not exists(spark, str(tmp_path / "bronze"))
    assert not has_commit(spark, table)
    assert not only_created(spark, table)
    assert discard_incomplete_checkpoint_files(spark, str(tmp_path)) == 1
    assert discard_uncommitted_table_log(spark, table)
    removals = [call for call in dbutils_fs.calls if call[0] == "rm"]
    assert removals == [
        ("rm", f"{tmp_path}/offsets/.0.5e.tmp", False),
        ("rm", f"{table}/_delta_log", True),
    ]


def test_on_databricks_without_dbutils_nothing_is_repaired(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABRICKS_RUNTIME_VERSION", "17.3")
    monkeypatch.setitem(sys.modules, "pyspark.dbutils", None)  # importing it fails
    spark = SparkWithoutJvm()
    table = _table_log(tmp_path)

    assert discard_incomplete_checkpoint_files(spark, str(tmp_path)) == 0
    assert not exists(spark, str(tmp_path))
    assert not has_commit(spark, table)
    assert not discard_uncommitted_table_log(spark, table)
    assert (tmp_path / "table" / "_delta_log").exists()


def test_spark_connect_off_databricks_has_nothing_to_repair(monkeypatch, tmp_path):
    monkeypatch.delenv("DATABRICKS_RUNTIME_VERSION", raising=False)
    connect = types.SimpleNamespace()  # a Spark Connect session has no _jvm
    table = _table_log(tmp_path)

    assert discard_incomplete_checkpoint_files(connect, str(tmp_path)) == 0
    assert not exists(connect, str(tmp_path))
    assert not only_created(connect, table)
    assert not discard_uncommitted_table_log(connect, table)

"""Repairs after a hard kill: files that a killed process left half-written.

Spark and Delta write each log entry to a temp file and then rename it. A kill between the two
leaves the temp file, which never became an entry; removing it loses nothing.

The few file operations this needs go through what may touch the storage: on Databricks,
`dbutils.fs`, which Unity Catalog authorizes (the raw Hadoop FileSystem gets no UC credentials
there, only an "Invalid configuration value detected for fs.azure.account.key"); elsewhere,
Hadoop's FileSystem through the JVM, as Spark itself does on local disk.
"""

from __future__ import annotations

import re
from typing import Protocol

from jobs.session import on_databricks

_COMMITTED = re.compile(r"^\d{20}\.(json|checkpoint.*\.parquet|crc)$")


class _Files(Protocol):
    """The file operations the repairs need, whatever the storage is reached through."""

    def exists(self, path: str) -> bool: ...

    def names(self, folder: str) -> list[str]:
        """The names in the folder (none when it does not exist)."""
        ...

    def delete_file(self, path: str) -> bool: ...

    def delete_folder(self, path: str) -> bool: ...


class _HadoopFiles:
    """Hadoop's FileSystem through the JVM: what Spark uses for the same paths, locally."""

    def __init__(self, spark):
        self._hadoop = spark._jvm.org.apache.hadoop.fs
        self._conf = spark._jsc.hadoopConfiguration()

    def _resolve(self, path: str):
        resolved = self._hadoop.Path(path)
        return resolved.getFileSystem(self._conf), resolved

    def exists(self, path: str) -> bool:
        fs, resolved = self._resolve(path)
        return bool(fs.exists(resolved))

    def names(self, folder: str) -> list[str]:
        fs, resolved = self._resolve(folder)
        if not fs.exists(resolved):
            return []
        return [status.getPath().getName() for status in fs.listStatus(resolved)]

    def delete_file(self, path: str) -> bool:
        fs, resolved = self._resolve(path)
        return bool(fs.delete(resolved, False))

    def delete_folder(self, path: str) -> bool:
        fs, resolved = self._resolve(path)
        return bool(fs.delete(resolved, True))


# dbutils.fs as the Databricks Utilities reference describes it
# (https://learn.microsoft.com/azure/databricks/dev-tools/databricks-utils#dbutils-fs):
# ls(dir) returns FileInfo(path, name, size, modificationTime) items, a folder's name ending
# in "/"; rm(dir, recurse=False) removes a file, or with recurse a folder and its contents.
# ls of a missing path raises, with java.io.FileNotFoundException in the message.
class _DbutilsFiles:
    """`dbutils.fs`: the file access Unity Catalog grants, on Databricks only."""

    def __init__(self, fs):
        self._fs = fs

    def _listing(self, path: str):
        """The path's FileInfo items, or None where there is nothing: ls raises for that."""
        try:
            return self._fs.ls(path)
        except Exception as error:  # the JVM's exception, wrapped by py4j or Spark Connect
            if "java.io.FileNotFoundException" in str(error):
                return None
            raise

    def exists(self, path: str) -> bool:
        return self._listing(path) is not None

    def names(self, folder: str) -> list[str]:
        return [info.name.rstrip("/") for info in self._listing(folder) or ()]

    def delete_file(self, path: str) -> bool:
        return bool(self._fs.rm(path, False))

    def delete_folder(self, path: str) -> bool:
        return bool(self._fs.rm(path, True))


def _files(spark) -> _Files | None:
    """The storage access for this run, or None when nothing can be repaired from here."""
    if on_databricks():
        try:
            from pyspark.dbutils import DBUtils  # only on the Databricks Runtime
        except ImportError:
            return None
        return _DbutilsFiles(DBUtils(spark).fs)
    if getattr(spark, "_jvm", None) is None:  # Spark Connect: nothing to repair from here
        return None
    return _HadoopFiles(spark)


def _child(folder: str, name: str) -> str:
    return f"{folder.rstrip('/')}/{name}"


def _temporary(name: str) -> bool:
    return name.startswith(".") and (name.endswith(".tmp") or name.endswith(".tmp.crc"))


def discard_incomplete_checkpoint_files(spark, checkpoint: str) -> int:
    """Remove unfinished offset/commit log entries; Spark 4.1 refuses to start next to them."""
    files = _files(spark)
    if files is None:
        return 0
    removed = 0
    for log in ("offsets", "commits"):
        folder = _child(checkpoint, log)
        for name in files.names(folder):
            if _temporary(name):
                removed += files.delete_file(_child(folder, name))
    return removed


def exists(spark, path: str) -> bool:
    files = _files(spark)
    return files is not None and files.exists(path)


def _committed_versions(files: _Files | None, table: str) -> set[int]:
    """The versions the table's `_delta_log` holds as committed (none when there is no log)."""
    if files is None:
        return set()
    names = files.names(_child(table, "_delta_log"))
    return {int(name[:20]) for name in names if _COMMITTED.match(name)}


def only_created(spark, table: str) -> bool:
    """The table's log holds its creation (version 0) and nothing after it."""
    return _committed_versions(_files(spark), table) == {0}


def has_commit(spark, table: str) -> bool:
    """The table's `_delta_log` holds a committed version: it exists, whatever else is there."""
    return bool(_committed_versions(_files(spark), table))


def discard_uncommitted_table_log(spark, table: str) -> bool:
    """Remove a `_delta_log` that holds no commit at all (a kill during table creation).

    Delta then sees a folder that is not a table and cannot create one there. A log with any
    committed version is never touched.
    """
    files = _files(spark)
    if files is None:
        return False
    log = _child(table, "_delta_log")
    if not files.exists(log) or _committed_versions(files, table):
        return False
    return files.delete_folder(log)

"""Repairs after a hard kill: files that a killed process left half-written.

Spark and Delta write each log entry to a temp file and then rename it. A kill between the two
leaves the temp file, which never became an entry; removing it loses nothing. Both helpers go
through Hadoop's FileSystem API, so they work on local disk and on ADLS alike.
"""

from __future__ import annotations

import re

_COMMITTED = re.compile(r"^\d{20}\.(json|checkpoint.*\.parquet|crc)$")


def _filesystem(spark, path: str):
    jvm = getattr(spark, "_jvm", None)
    if jvm is None:  # Spark Connect: nothing to repair from here
        return None, None
    hadoop = jvm.org.apache.hadoop.fs
    root = hadoop.Path(path)
    return root.getFileSystem(spark._jsc.hadoopConfiguration()), hadoop


def _temporary(name: str) -> bool:
    return name.startswith(".") and (name.endswith(".tmp") or name.endswith(".tmp.crc"))


def discard_incomplete_checkpoint_files(spark, checkpoint: str) -> int:
    """Remove unfinished offset/commit log entries; Spark 4.1 refuses to start next to them."""
    fs, hadoop = _filesystem(spark, checkpoint)
    if fs is None:
        return 0
    removed = 0
    for log in ("offsets", "commits"):
        folder = hadoop.Path(hadoop.Path(checkpoint), log)
        if not fs.exists(folder):
            continue
        for status in fs.listStatus(folder):
            if _temporary(status.getPath().getName()):
                removed += bool(fs.delete(status.getPath(), False))
    return removed


def exists(spark, path: str) -> bool:
    fs, hadoop = _filesystem(spark, path)
    return fs is not None and bool(fs.exists(hadoop.Path(path)))


def _committed_versions(spark, table: str) -> set[int]:
    """The versions the table's `_delta_log` holds as committed (none when there is no log)."""
    fs, hadoop = _filesystem(spark, table)
    if fs is None:
        return set()
    log = hadoop.Path(hadoop.Path(table), "_delta_log")
    if not fs.exists(log):
        return set()
    names = (s.getPath().getName() for s in fs.listStatus(log))
    return {int(name[:20]) for name in names if _COMMITTED.match(name)}


def only_created(spark, table: str) -> bool:
    """The table's log holds its creation (version 0) and nothing after it."""
    return _committed_versions(spark, table) == {0}


def has_commit(spark, table: str) -> bool:
    """The table's `_delta_log` holds a committed version: it exists, whatever else is there."""
    return bool(_committed_versions(spark, table))


def discard_uncommitted_table_log(spark, table: str) -> bool:
    """Remove a `_delta_log` that holds no commit at all (a kill during table creation).

    Delta then sees a folder that is not a table and cannot create one there. A log with any
    committed version is never touched.
    """
    fs, hadoop = _filesystem(spark, table)
    if fs is None:
        return False
    log = hadoop.Path(hadoop.Path(table), "_delta_log")
    if not fs.exists(log) or has_commit(spark, table):
        return False
    return bool(fs.delete(log, True))

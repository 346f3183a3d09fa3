"""Reads the local Delta tables with delta-rs (no JVM) and caches by table version.

While `make demo` runs, gold gets a new commit every second or so; between commits a page
refresh costs only a look at each table's log. Only the columns and the one or two date
partitions the page needs are read.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
from deltalake import DeltaTable
from deltalake.exceptions import TableNotFoundError

from contract.tables import (
    BRONZE,
    DUPLICATES,
    GOLD,
    PIPELINE_PROGRESS,
    QUARANTINE,
    SILVER,
    Locations,
)
from dashboard import lag, summary

# The layers shown in the health panel, in pipeline order.
LAYERS: tuple[str, ...] = (BRONZE, SILVER, QUARANTINE, DUPLICATES, GOLD)


class VersionedTable:
    """One Delta table, re-read only when its version changes.

    A table deleted and created again (`make clean`, then a new run) starts over at version
    0, so a version alone is not enough: the first commit file's identity is part of the key.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self._table: DeltaTable | None = None
        self._log_id: tuple[int, int] | None = None
        self._cache: dict[str, tuple[tuple, object]] = {}

    def _identity(self) -> tuple[int, int] | None:
        """Inode and write time of the table's first commit (or, once the log has been
        cleaned up, of the log folder); None when there is no table."""
        log = os.path.join(self.path, "_delta_log")
        for candidate in (os.path.join(log, f"{0:020}.json"), log):
            try:
                st = os.stat(candidate)
                return (st.st_ino, st.st_mtime_ns if candidate != log else 0)
            except FileNotFoundError:
                continue
        return None

    def refresh(self) -> tuple | None:
        """Catch up with the log; the (identity, version) now current, or None while the
        table does not exist."""
        log_id = self._identity()
        if log_id is None:
            self._table = None
            return None
        try:
            if self._table is None or log_id != self._log_id:
                self._table, self._log_id, self._cache = DeltaTable(self.path), log_id, {}
            else:
                self._table.update_incremental()
        except TableNotFoundError:  # a log folder without a commit yet
            self._table = None
            return None
        return self.key

    @property
    def key(self) -> tuple:
        assert self._table is not None and self._log_id is not None, "refresh() first"
        return (self._log_id, self._table.version())

    @property
    def table(self) -> DeltaTable:
        assert self._table is not None, "refresh() first"
        return self._table

    def cached(self, name: str, compute: Callable[[DeltaTable], object]) -> object:
        """`compute(table)` for the current version, computed at most once per version."""
        hit = self._cache.get(name)
        if hit is None or hit[0] != self.key:
            hit = (self.key, compute(self.table))
            self._cache[name] = hit
        return hit[1]


def _files(table: DeltaTable) -> pa.Table:
    return pa.table(table.get_add_actions(flatten=True))


def row_count(table: DeltaTable) -> int:
    """Rows from the log's file statistics; falls back to Parquet footers without them."""
    counts = _files(table)["num_records"]
    if counts.null_count == 0:
        return int(pc.sum(counts).as_py() or 0)
    return table.to_pyarrow_dataset().count_rows()


def _stat_max(files: pa.Table, column: str):
    """The largest value of a file statistic, or None when the writer recorded none."""
    return pc.max(files[column]).as_py() if column in files.column_names else None


def _gold_window(table: DeltaTable) -> tuple[pa.Table, datetime | None]:
    """Gold rows of the newest day, plus the previous day's tail when the last hour spans
    midnight; and when gold last changed. Both bounds come from the log's file statistics,
    so only the needed partitions and row groups are read."""
    files = _files(table)
    newest: date | None = _stat_max(files, "partition.window_date")
    if newest is None:
        return pa.table({c: [] for c in summary.GOLD_COLUMNS}), None
    latest: datetime | None = _stat_max(files, "max.window_start")
    # Without statistics, read two whole days: enough for any hour ending in the newest one.
    earliest = _midnight(newest) - timedelta(days=1)
    if latest is not None:
        earliest = min(_midnight(newest), latest - timedelta(minutes=summary.HOUR_MINUTES - 1))
    days = sorted({newest, earliest.date()})
    dataset = table.to_pyarrow_dataset()
    wanted = pc.field("window_date").isin(pa.array(days, pa.date32())) & (
        pc.field("window_start") >= pa.scalar(earliest, dataset.schema.field("window_start").type)
    )
    rows = dataset.to_table(columns=list(summary.GOLD_COLUMNS), filter=wanted)
    last_update = _stat_max(files, "max.updated_at")
    if last_update is None:
        last_update = datetime.fromtimestamp(pc.max(files["modification_time"]).as_py() / 1000, UTC)
    return rows, last_update


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _reasons(table: DeltaTable) -> pa.Table:
    return table.to_pyarrow_dataset().to_table(columns=["reason"])


def progress_rows(table: DeltaTable) -> pa.Table:
    """The last hour and a minute of progress rows (the file statistics skip older files)."""
    dataset = table.to_pyarrow_dataset()
    since = datetime.now(UTC) - timedelta(minutes=summary.HOUR_MINUTES + 1)
    wanted = pc.field("recorded_at") >= pa.scalar(since, dataset.schema.field("recorded_at").type)
    return dataset.to_table(columns=list(lag.PROGRESS_COLUMNS), filter=wanted)


@dataclass(frozen=True)
class Stream:
    """The topic the lake is fed from, for the live lag (absent: the lag is not shown)."""

    broker: lag.Broker
    checkpoint_root: str
    stalled_after: timedelta


class Lake:
    """The dashboard's view of one lake root: everything `summary.summarize` needs."""

    def __init__(self, lake_root: str | Path, stream: Stream | None = None) -> None:
        checkpoint_root = stream.checkpoint_root if stream else ""
        self.locations = Locations(str(lake_root), checkpoint_root=checkpoint_root)
        self.stream = stream
        self.tables = {name: VersionedTable(self.locations.table(name)) for name in LAYERS}
        self.progress = VersionedTable(self.locations.table(PIPELINE_PROGRESS))
        self._lock = threading.Lock()
        self._cached: tuple[tuple, dict, datetime | None] | None = None

    def summary(self, now: datetime | None = None) -> dict:
        """The page's JSON; recomputed only when a table has a new commit, except the lag."""
        now = now or datetime.now(UTC)
        with self._lock:
            keys = {name: t.refresh() for name, t in self.tables.items()}
            if self._cached is None or self._cached[0] != tuple(keys.values()):
                self._cached = (tuple(keys.values()), *self._compute(keys))
            _, answer, last_update = self._cached
            answer = answer | {"lag": self.lag(now)}
        return summary.with_clock(answer, last_update, now)

    def lag(self, now: datetime) -> dict | None:
        """Records and seconds behind now and over the last hour; None without a stream."""
        if self.stream is None:
            return None
        live = lag.measure(self.stream.broker, self.locations, now, self.stream.stalled_after)
        rows = self.progress_hour()
        return live.as_json() | {"history": lag.history(rows, now) if rows is not None else []}

    def progress_hour(self) -> pa.Table | None:
        """pipeline_progress's last hour, re-read only after a new commit; None before one."""
        return self.progress.cached("hour", progress_rows) if self.progress.refresh() else None

    def _compute(self, keys: dict[str, tuple | None]) -> tuple[dict, datetime | None]:
        exists = {name: key is not None for name, key in keys.items()}
        health = summary.Health(
            layer_rows={
                name: self.tables[name].cached("rows", row_count) if exists[name] else None
                for name in LAYERS
            },
            quarantine_reasons=(
                self.tables[QUARANTINE].cached("reasons", _reasons) if exists[QUARANTINE] else None
            ),
            gold_version=self.tables[GOLD].table.version() if exists[GOLD] else None,
        )
        if not exists[GOLD]:
            message = (
                f"No gold data yet: {self.locations.table(GOLD)} does not exist. "
                "Start the pipeline with `make demo`."
            )
            return summary.empty(message, health), None
        rows, last_update = self.tables[GOLD].cached("window", _gold_window)
        return summary.summarize(rows, health, last_update), last_update

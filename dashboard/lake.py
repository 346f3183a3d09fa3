"""Reads the local Delta tables with delta-rs (no JVM) and caches by table version.

While `make demo` runs, gold gets a new commit every second or so; between commits a page
refresh costs only a look at each table's log. Only the columns and the one or two date
partitions the page needs are read.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
from deltalake import DeltaTable
from deltalake.exceptions import TableNotFoundError

from contract.tables import BRONZE, DUPLICATES, GOLD, QUARANTINE, SILVER, Locations
from dashboard import summary

# The layers shown in the health panel, in pipeline order.
LAYERS: tuple[str, ...] = (BRONZE, SILVER, QUARANTINE, DUPLICATES, GOLD)


class VersionedTable:
    """One Delta table, re-read only when its version changes."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._table: DeltaTable | None = None
        self._cache: dict[str, tuple[int, object]] = {}

    def refresh(self) -> DeltaTable | None:
        """The newest snapshot, or None while the table does not exist."""
        if self._table is None:
            try:
                self._table = DeltaTable(self.path)
            except TableNotFoundError:
                return None
        else:
            self._table.update_incremental()
        return self._table

    def cached(self, key: str, compute: Callable[[DeltaTable], object]) -> object:
        """`compute(table)` for the current version, computed at most once per version."""
        table = self._table
        assert table is not None, "refresh() first"
        version = table.version()
        hit = self._cache.get(key)
        if hit is None or hit[0] != version:
            hit = (version, compute(table))
            self._cache[key] = hit
        return hit[1]


def _files(table: DeltaTable) -> pa.Table:
    return pa.table(table.get_add_actions(flatten=True))


def row_count(table: DeltaTable) -> int:
    """Rows from the log's file statistics; falls back to Parquet footers without them."""
    counts = _files(table)["num_records"]
    if counts.null_count == 0:
        return int(pc.sum(counts).as_py() or 0)
    return table.to_pyarrow_dataset().count_rows()


def _gold_window(table: DeltaTable) -> tuple[pa.Table, datetime | None]:
    """Gold rows of the newest day, plus the previous day's tail when the last hour spans
    midnight; and the newest `updated_at`, from file statistics."""
    files = _files(table)
    if not files.num_rows:
        return pa.table({c: [] for c in summary.GOLD_COLUMNS}), None
    newest: date = pc.max(files["partition.window_date"]).as_py()
    latest: datetime = pc.max(files["max.window_start"]).as_py()
    last_update = (
        pc.max(files["max.updated_at"]).as_py() if "max.updated_at" in files.column_names else None
    )
    days = [newest]
    hour_start = latest - timedelta(minutes=summary.HOUR_MINUTES - 1)
    if hour_start.date() < newest:
        days.append(newest - timedelta(days=1))
    dataset = table.to_pyarrow_dataset()
    window_type = dataset.schema.field("window_start").type
    wanted = pc.field("window_date").isin(pa.array(days, pa.date32())) & (
        pc.field("window_start") >= pa.scalar(min(hour_start, _midnight(newest)), window_type)
    )
    rows = dataset.to_table(columns=list(summary.GOLD_COLUMNS), filter=wanted)
    return rows, last_update


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _reasons(table: DeltaTable) -> pa.Table:
    return table.to_pyarrow_dataset().to_table(columns=["reason"])


class Lake:
    """The dashboard's view of one lake root: everything `summary.summarize` needs."""

    def __init__(self, lake_root: str | Path) -> None:
        self.locations = Locations(str(lake_root), checkpoint_root="")
        self.tables = {name: VersionedTable(self.locations.table(name)) for name in LAYERS}
        self._lock = threading.Lock()
        self._cached: tuple[tuple, dict, datetime | None] | None = None

    def summary(self, now: datetime | None = None) -> dict:
        """The page's JSON; recomputed only when a table has a new commit."""
        with self._lock:
            snapshots = {name: t.refresh() for name, t in self.tables.items()}
            versions = tuple(s.version() if s else None for s in snapshots.values())
            if self._cached is None or self._cached[0] != versions:
                self._cached = (versions, *self._compute(snapshots))
            _, answer, last_update = self._cached
        return summary.with_clock(answer, last_update, now or datetime.now(UTC))

    def _compute(self, snapshots: dict[str, DeltaTable | None]) -> tuple[dict, datetime | None]:
        layer_rows = {
            name: self.tables[name].cached("rows", row_count) if snap else None
            for name, snap in snapshots.items()
        }
        reasons = (
            self.tables[QUARANTINE].cached("reasons", _reasons) if snapshots[QUARANTINE] else None
        )
        health = summary.Health(
            layer_rows=layer_rows,
            quarantine_reasons=reasons,
            gold_version=snapshots[GOLD].version() if snapshots[GOLD] else None,
        )
        if snapshots[GOLD] is None:
            message = (
                f"No gold data yet: {self.locations.table(GOLD)} does not exist. "
                "Start the pipeline with `make demo`."
            )
            return summary.empty(message, health), None
        rows, last_update = self.tables[GOLD].cached("window", _gold_window)
        return summary.summarize(rows, health, last_update), last_update

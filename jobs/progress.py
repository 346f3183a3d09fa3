"""pipeline_progress: one row per micro-batch and query, from Spark's own progress reports.

A StreamingQueryListener hears each finished batch's report: records in, rates, duration and,
from the Kafka source, the offsets the batch ended at against the newest ones in each
partition. The silver writer adds what only it knows (newest event time, watermark, rejects by
reason) through `note`. Rows are committed every `observability.progress_flush_seconds`, off
the batches' own path (the recorder has its own thread), tagged like the jobs' writes
(jobs.exactly_once): a flush retried after an error never doubles a row, and a report Spark
never replays is written once. The table stays bounded: once its oldest row is a
day past `observability.progress_retention_days`, older rows are deleted and the table
compacted and vacuumed (checked hourly); locally it is also compacted every
`pipeline.compact_every_batches` flushes.

Recording never stops the pipeline: a failed flush keeps its rows for the next one and says so
on stderr.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pyarrow as pa
from pyspark.sql import SparkSession
from pyspark.sql.streaming import StreamingQuery, StreamingQueryListener

from contract import tables
from contract.arrow import arrow_schema
from jobs import compaction, delta_io, lake_tables
from jobs.errors import first_line
from jobs.exactly_once import BatchWrites
from jobs.settings import StageSettings

CHECK_RETENTION_EVERY = timedelta(hours=1)
RETENTION_SLACK = timedelta(days=1)
# Rows kept while flushes fail (about three hours of one-second batches), oldest dropped first.
MAX_PENDING = 10_000
_KEPT_NOTES = 1_000
PROGRESS_SCHEMA = arrow_schema(tables.TABLES[tables.PIPELINE_PROGRESS].columns)


def records_behind(end_offsets: str | None, latest_offsets: str | None) -> int | None:
    """Records in the topic after the batch's end, summed over partitions (Kafka's own offsets)."""
    if not end_offsets or not latest_offsets:
        return None
    end, latest = json.loads(end_offsets), json.loads(latest_offsets)
    if not isinstance(end, dict) or not isinstance(latest, dict):
        return None
    return sum(
        max(0, int(newest) - int(end.get(topic, {}).get(partition, 0)))
        for topic, partitions in latest.items()
        for partition, newest in partitions.items()
    )


@dataclass(frozen=True)
class SilverNote:
    """What the silver writer knows of a batch that Spark's report does not."""

    newest_event_time: datetime | None
    watermark: datetime | None
    rejects: Mapping[str, int]


class _Notes:
    """Notes by (query name, batch id), handed from the batch's thread to the listener's."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._notes: dict[tuple[str, int], SilverNote] = {}

    def put(self, query: str, batch_id: int, note: SilverNote) -> None:
        with self._lock:
            self._notes[(query, batch_id)] = note
            while len(self._notes) > _KEPT_NOTES:
                self._notes.pop(next(iter(self._notes)))

    def take(self, query: str, batch_id: int) -> SilverNote | None:
        with self._lock:
            return self._notes.pop((query, batch_id), None)


_NOTES = _Notes()


def note(query: str, batch_id: int, silver: SilverNote) -> None:
    _NOTES.put(query, batch_id, silver)


def _instant(iso: str) -> datetime:
    return datetime.fromisoformat(iso.replace("Z", "+00:00"))


def _utc(value: datetime | None) -> datetime | None:
    """Spark hands timestamps back naive, in the session's time zone: UTC (jobs.session)."""
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def progress_row(progress, silver: SilverNote | None, recorded_at: datetime) -> tuple:
    """A pipeline_progress row, in the contract's column order, from one progress report."""
    kafka = next((s for s in progress.sources if s.description.startswith("Kafka")), None)
    end_offsets = kafka.endOffset if kafka else None
    latest_offsets = kafka.latestOffset if kafka else None
    triggered_at = _instant(progress.timestamp)
    ended_at = triggered_at + timedelta(milliseconds=progress.batchDuration)
    newest = _utc(silver.newest_event_time) if silver else None
    return (
        progress.name,
        str(progress.runId),
        progress.batchId,
        triggered_at,
        progress.numInputRows,
        float(progress.inputRowsPerSecond),
        float(progress.processedRowsPerSecond),
        progress.batchDuration,
        records_behind(end_offsets, latest_offsets),
        end_offsets,
        latest_offsets,
        newest,
        (ended_at - newest).total_seconds() if newest else None,
        silver.watermark if silver else None,
        dict(silver.rejects) if silver else None,
        recorded_at,
    )


@dataclass
class _Target:
    """Where one named query's rows go, and what is waiting to go there."""

    settings: StageSettings
    run_id: str | None = None
    pending: list[tuple] = field(default_factory=list)
    flushed_at: float = field(default_factory=time.monotonic)
    flush_now: bool = False
    flushes: int = 0
    created: bool = False
    failed: bool = False
    ending: bool = False
    ended: threading.Event = field(default_factory=threading.Event)

    @property
    def path(self) -> str:
        return self.settings.locations.table(tables.PIPELINE_PROGRESS)

    @property
    def due(self) -> bool:
        every = self.settings.env.observability.progress_flush_seconds
        return self.flush_now or self.ending or time.monotonic() - self.flushed_at >= every


class ProgressRecorder(StreamingQueryListener):
    """Keeps the reports of the queries it watches; its own thread writes them.

    The callbacks only queue rows: Spark delivers every listener event, task ends included,
    through the same queue, and a callback that waited on a Delta commit would make it drop
    events (progress reports among them).
    """

    def __init__(self, spark: SparkSession) -> None:
        self._spark = spark
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._targets: dict[str, _Target] = {}
        self._names: dict[str, str] = {}  # query id -> name
        self._checked: dict[str, datetime] = {}
        threading.Thread(target=self._write_forever, name="pipeline-progress", daemon=True).start()

    def watch(self, query: str, settings: StageSettings) -> None:
        """Record the query of this name from now on (a restarted query replaces the last,
        taking over the rows its last flush could not write)."""
        with self._lock:
            earlier = self._targets.get(query)
            self._targets[query] = _Target(settings, pending=earlier.pending if earlier else [])

    def onQueryStarted(self, event) -> None:  # noqa: N802 (Spark's names)
        self._names[str(event.id)] = event.name

    def onQueryProgress(self, event) -> None:  # noqa: N802
        progress = event.progress
        # A report without addBatch is an idle trigger: no batch ran (its id is the next one's).
        if progress.name not in self._targets or "addBatch" not in progress.durationMs:
            return
        row = progress_row(progress, _NOTES.take(progress.name, progress.batchId), _now())
        with self._lock:
            target = self._targets[progress.name]
            target.run_id = str(progress.runId)
            target.pending.append(row)
            del target.pending[:-MAX_PENDING]

    def onQueryIdle(self, event) -> None:  # noqa: N802
        self._mark(str(event.id), "flush_now")

    def onQueryTerminated(self, event) -> None:  # noqa: N802
        self._mark(str(event.id), "ending")

    def _mark(self, query_id: str, flag: str) -> None:
        with self._lock:
            target = self._targets.get(self._names.get(query_id, ""))
            if target is not None:
                setattr(target, flag, True)
        self._wake.set()

    def settle(self, query: str, timeout: float) -> None:
        """Wait until an ended query's last rows are written: reports reach the listener after
        the query has stopped, and a job's process must not exit before them."""
        target = self._targets.get(query)
        if target is not None:
            target.ended.wait(timeout)

    def _write_forever(self) -> None:
        while True:
            self._wake.wait(timeout=1.0)
            self._wake.clear()
            with self._lock:
                due = [(name, t) for name, t in self._targets.items() if t.due]
            for name, target in due:
                written = bool(target.pending) and self._flush(name, target)
                # An ending run waits for its rows, never for maintenance.
                if target.ending and not target.pending:
                    target.ended.set()
                if written:
                    self._maintain(target)

    def _flush(self, name: str, target: _Target) -> bool:
        """One tagged append of the pending rows: after a failed try, the next one first looks
        whether the failed commit landed after all (the jobs' own exactly-once protocol)."""
        with self._lock:
            rows, target.flush_now = list(target.pending), False
        target.flushed_at = time.monotonic()
        try:
            if not target.created:
                # Here, not where the query starts: the table is not on the batches' path.
                lake_tables.ensure_tables(
                    self._spark, target.settings.locations, tables.PIPELINE_PROGRESS
                )
                target.created = True
            frame = self._spark.createDataFrame(_arrow(rows))
            newest = max(row[2] for row in rows)
            writes = BatchWrites(f"progress@{target.run_id}", newest, checked=target.failed)
            writes.append(frame, target.path)
        except Exception as exc:  # noqa: BLE001 - recording must never stop the pipeline
            target.failed = True
            print(
                f"{name}: pipeline_progress not written, kept for the next try: {first_line(exc)}",
                file=sys.stderr,
            )
            return False
        target.failed = False
        with self._lock:
            del target.pending[: len(rows)]
        return True

    def _maintain(self, target: _Target) -> None:
        """Compaction and retention, each only when due: on two cores a cold DELETE, OPTIMIZE
        and VACUUM take 20-30 s of the pipeline's CPU, so nothing runs on a young table."""
        target.flushes += 1
        every = target.settings.pipeline.compact_every_batches
        try:
            # Locally the jobs compact what they append to every N batches (Delta's own check
            # after each write costs too much there); this table likewise every N flushes. With
            # 0 (Databricks) the table's autoCompact property does it.
            if every and target.flushes % every == 0:
                self._compact(target)
            if self._retention_due(target):
                self._drop_old_rows(target)
        except Exception as exc:  # noqa: BLE001 - maintenance is tried again later
            print(f"pipeline_progress maintenance failed: {exc}".splitlines()[0], file=sys.stderr)

    def _compact(self, target: _Target) -> None:
        compaction.compact(self._spark, target.settings.locations, tables.PIPELINE_PROGRESS)

    def _retention_due(self, target: _Target) -> bool:
        """Checked once an hour: is the oldest row a day past the retention? (Then rows go once
        a day.) Delta answers min() from its file statistics."""
        now = _now()
        checked = self._checked.get(target.path)
        if checked is not None and now - checked < CHECK_RETENTION_EVERY:
            return False
        self._checked[target.path] = now
        from pyspark.sql import functions as F

        oldest = delta_io.read(self._spark, target.path).agg(F.min("recorded_at")).first()[0]
        return oldest is not None and _utc(oldest) < now - self._retention(target) - RETENTION_SLACK

    def _retention(self, target: _Target) -> timedelta:
        return timedelta(days=target.settings.env.observability.progress_retention_days)

    def _drop_old_rows(self, target: _Target) -> None:
        from delta.tables import DeltaTable
        from pyspark.sql import functions as F

        table = DeltaTable.forPath(self._spark, target.path)
        table.delete(F.col("recorded_at") < F.lit(_now() - self._retention(target)))
        self._compact(target)
        table.vacuum()


def _arrow(rows: list[tuple]) -> pa.Table:
    """The rows as Arrow, which the JVM reads itself: a list of Python rows would make Spark
    start Python workers to convert it (about 0.7 s of CPU a flush on two cores)."""
    schema = PROGRESS_SCHEMA
    return pa.Table.from_pylist([dict(zip(schema.names, row, strict=True)) for row in rows], schema)


def _now() -> datetime:
    return datetime.now(UTC)


_RECORDERS: dict[SparkSession, ProgressRecorder] = {}


def settle(query: StreamingQuery, timeout: float = 60.0) -> None:
    """Wait for a stopped query's last progress rows (see ProgressRecorder.settle)."""
    for found in list(_RECORDERS.values()):
        found.settle(query.name, timeout)


def recorder(spark: SparkSession) -> ProgressRecorder:
    """The session's one recorder, added to its listeners on first use."""
    found = _RECORDERS.get(spark)
    if found is None:
        found = _RECORDERS[spark] = ProgressRecorder(spark)
        spark.streams.addListener(found)
    return found

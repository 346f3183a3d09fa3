"""Starting and awaiting streaming queries the same way in every stage."""

from __future__ import annotations

import re
import signal
import sys
import threading
import time
from collections.abc import Callable

from pyspark.sql import DataFrame
from pyspark.sql import functions as F
from pyspark.sql.streaming import DataStreamWriter, StreamingQuery

from contract.tables import PIPELINE_QUERY, STAGE_QUERIES
from environments import ConfigError
from jobs import compaction, progress
from jobs.errors import first_line
from jobs.settings import StageSettings
from jobs.storage import discard_incomplete_checkpoint_files, exists


def claim_lake(spark, settings: StageSettings, query: str) -> None:
    """Refuse a lake the other way of running holds: its own Kafka checkpoint would re-ingest."""
    others = STAGE_QUERIES if query == PIPELINE_QUERY else (PIPELINE_QUERY,)
    for other in others:
        if exists(spark, settings.locations.checkpoint(other)):
            raise ConfigError(
                f"pipeline.checkpoint_root: {settings.locations.checkpoint_root} already holds "
                f"the {other!r} query's checkpoint; a lake is run either by jobs.pipeline or by "
                f"the separate stages, not both (choose another lake_root and checkpoint_root)"
            )


def with_trigger(writer: DataStreamWriter, settings: StageSettings) -> DataStreamWriter:
    if settings.trigger == "available-now":
        return writer.trigger(availableNow=True)
    return writer.trigger(processingTime=f"{settings.pipeline.trigger_seconds} seconds")


def start_foreach_batch(
    source: DataFrame,
    settings: StageSettings,
    query: str,
    batch_writer: Callable[[DataFrame, int], None],
    appended: tuple[str, ...],
) -> StreamingQuery:
    """A query that writes each micro-batch itself, checkpointed under its own name.

    With pipeline.compact_every_batches = N, each table the writer `appended` to is compacted
    every N batches from the N-th on, one table at a time, beside the batches
    (jobs.compaction.Compactor; a replayed batch asks again: harmless, the data is unchanged).
    Every batch's progress report goes to pipeline_progress (jobs.progress).
    """
    every = settings.pipeline.compact_every_batches
    stride = max(1, every // len(appended)) if every and appended else 0
    attempted = bounded(batch_writer, query, settings.pipeline.batch_attempts)
    spark = source.sparkSession
    compactor = compaction.compactor(spark, query, settings.locations, appended)

    def write(batch: DataFrame, batch_id: int) -> None:
        attempted(batch, batch_id)
        # Each table's turn comes every `every` batches; the first after `every` batches, when
        # there is something to compact.
        if stride and batch_id + 1 >= every and (batch_id + 1) % stride == 0:
            compactor.request()

    checkpoint = settings.locations.checkpoint(query)
    writer = (
        source.writeStream.queryName(query)
        .foreachBatch(write)
        .option("checkpointLocation", checkpoint)
    )
    discard_incomplete_checkpoint_files(spark, checkpoint)
    progress.recorder(spark).watch(query, settings)
    return with_trigger(writer, settings).start()


class BatchFailed(RuntimeError):
    """A micro-batch failed every attempt: the message says which records to look at."""


def bounded(
    batch_writer: Callable[[DataFrame, int], None],
    query: str,
    attempts: int,
    pause: Callable[[float], None] = time.sleep,
) -> Callable[[DataFrame, int], None]:
    """The writer, tried `attempts` times a batch (1 s, 2 s, ... apart), then BatchFailed."""

    def write(batch: DataFrame, batch_id: int) -> None:
        for attempt in range(1, attempts + 1):
            try:
                batch_writer(batch, batch_id)
                return
            except Exception as exc:  # noqa: BLE001 - any failure counts, and is re-raised
                if attempt == attempts:
                    raise BatchFailed(
                        f"batch {batch_id} of query {query} failed {attempts} times; its "
                        f"records: {batch_offsets(batch)}; last error: {first_line(exc, 500)}"
                    ) from exc
                pause(attempt)

    return write


def batch_offsets(batch: DataFrame) -> str:
    """Kafka coordinates a batch covers, per topic partition (every layer keeps them)."""
    if not {"topic", "partition", "offset"} <= set(batch.columns):
        return "(no Kafka coordinates)"
    ranges = (
        batch.groupBy("topic", "partition")
        .agg(F.min("offset").alias("first"), F.max("offset").alias("last"))
        .orderBy("topic", "partition")
        .collect()
    )
    return ", ".join(f"{r.topic}/{r.partition} offsets {r.first}-{r.last}" for r in ranges)


def await_all(queries: list[StreamingQuery], stop: threading.Event | None = None) -> None:
    """Wait until every query ends, or until `stop` is set (then stop them cleanly).

    A failed query raises here, so the process exits non-zero and the scheduler retries it;
    either way, the ended queries' compactions finish and their last progress rows are
    written first.
    """
    stop = stop or threading.Event()
    try:
        while not stop.is_set() and any(q.isActive for q in queries):
            _raise_failed(queries)
            stop.wait(0.5)
        for q in queries:
            if q.isActive:
                q.stop()
    finally:
        for q in queries:
            if not q.isActive:
                compaction.settle(q.name)
                progress.settle(q)
    _raise_failed(queries)


def _raise_failed(queries: list[StreamingQuery]) -> None:
    for q in queries:
        if q.exception() is not None:
            raise RuntimeError(f"query {q.name} failed: {failure(q.exception())}")


def failure(exc: BaseException) -> str:
    """A failed batch's own message, out of the Python traceback Spark wraps it in."""
    found = re.search(r"BatchFailed: (.+)", str(exc))
    return found.group(1) if found else str(exc)


def stop_on_signals() -> threading.Event:
    """SIGTERM/SIGINT set the event instead of killing the process mid-batch."""
    event = threading.Event()

    def handler(signum, frame):  # noqa: ARG001
        event.set()

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, handler)
        signal.signal(signal.SIGINT, handler)
    return event


def run_stage(name: str, start: Callable, settings: StageSettings) -> None:
    """Entry point body shared by the stage files and the one-query pipeline."""
    from jobs.session import spark_session

    spark = spark_session(settings.env, f"orders-{name}")
    stop = stop_on_signals()
    try:
        await_all([start(spark, settings)], stop)
    except ConfigError as exc:
        print(f"{name}: {exc}", file=sys.stderr)
        raise SystemExit(exc.exit_code) from None
    except RuntimeError as exc:
        print(f"{name}: {exc}", file=sys.stderr)
        raise SystemExit(1) from None

"""Starting and awaiting streaming queries the same way in every stage."""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Callable

from pyspark.sql import DataFrame
from pyspark.sql.streaming import DataStreamWriter, StreamingQuery

from environments import ConfigError
from jobs import delta_io
from jobs.settings import StageSettings
from jobs.storage import discard_incomplete_checkpoint_files, exists

PIPELINE_QUERY = "pipeline"
STAGE_QUERIES = ("bronze", "silver", "gold")


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

    With pipeline.compact_every_batches = N, the tables the writer `appended` to are compacted
    after every N-th batch (a replayed batch compacts again: harmless, the data is unchanged).
    """
    every = settings.pipeline.compact_every_batches

    def write(batch: DataFrame, batch_id: int) -> None:
        batch_writer(batch, batch_id)
        if every and (batch_id + 1) % every == 0:
            delta_io.compact(batch.sparkSession, settings.locations, *appended)

    checkpoint = settings.locations.checkpoint(query)
    writer = (
        source.writeStream.queryName(query)
        .foreachBatch(write)
        .option("checkpointLocation", checkpoint)
    )
    discard_incomplete_checkpoint_files(source.sparkSession, checkpoint)
    return with_trigger(writer, settings).start()


def await_all(queries: list[StreamingQuery], stop: threading.Event | None = None) -> None:
    """Wait until every query ends, or until `stop` is set (then stop them cleanly).

    A failed query raises here, so the process exits non-zero and the scheduler retries it.
    """
    stop = stop or threading.Event()
    while not stop.is_set() and any(q.isActive for q in queries):
        for q in queries:
            if q.exception() is not None:
                raise RuntimeError(f"query {q.name} failed: {q.exception()}")
        stop.wait(0.5)
    for q in queries:
        if q.isActive:
            q.stop()
    for q in queries:
        if q.exception() is not None:
            raise RuntimeError(f"query {q.name} failed: {q.exception()}")


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

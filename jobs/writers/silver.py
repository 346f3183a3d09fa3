"""Silver's foreachBatch body: validate, type and de-duplicate; rejects to quarantine with a
reason, repeats counted, then the batch's audit row."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from contract import tables
from contract.rejects import Reason
from jobs import delta_io, progress
from jobs.accepted_ids import AcceptedIds
from jobs.exactly_once import BatchWrites, ExactlyOnce
from jobs.settings import StageSettings
from jobs.storage import only_created
from jobs.transforms.per_batch import per_batch
from jobs.transforms.silver import DUPLICATE, QUARANTINE, SILVER, classify, parse_orders

# The writer's name in its commits' tags (with the checkpoint of the query that calls it).
NAME = "silver"
# Up to this many records, a batch's order ids are broadcast to search silver for them.
SMALL_BATCH = 100_000


@dataclass
class SilverBatchWriter:
    """foreachBatch body. Writes quarantine, duplicates and silver, then the batch's audit row.

    The audit row goes last: when it exists the batch is complete, so a replay skips it. Its
    running maximum event time gives the next batch's watermark without scanning silver.
    `query` is the streaming query that calls the writer (its checkpoint names the writes);
    `downstream`, when given, receives the batch's new silver rows once they are committed.
    """

    settings: StageSettings
    query: str = NAME
    downstream: Callable[[DataFrame, int], None] | None = None
    _last_done: int | None = None
    _max_event_time: datetime | None = None
    _loaded: bool = field(default=False, repr=False)
    _ids: AcceptedIds = field(default_factory=AcceptedIds, repr=False)

    def __post_init__(self) -> None:
        self._writes = ExactlyOnce(NAME, self.settings.locations.checkpoint(self.query))

    @property
    def lateness(self) -> timedelta:
        return timedelta(seconds=self.settings.pipeline.lateness_seconds)

    def path(self, table: str) -> str:
        return self.settings.locations.table(table)

    def _load_progress(self, spark: SparkSession) -> None:
        self._loaded = True
        if only_created(spark, self.path(tables.SILVER_BATCHES)):
            return  # a new lake: no batch done yet, and no snapshot to build to learn that
        last = (
            delta_io.read(spark, self.path(tables.SILVER_BATCHES))
            .orderBy(F.col("batch_id").desc())
            .select("batch_id", "max_event_time")
            .first()
        )
        if last is not None:
            self._last_done, self._max_event_time = last["batch_id"], last["max_event_time"]

    def _horizon(self, watermark: datetime) -> datetime:
        """An earlier copy of an on-time event lies at most one lateness before the watermark.
        The horizon starts at the minute it falls in, so that code holding it as a literal (a
        scan's, a filter's) is generated again once a minute, not every batch."""
        return (watermark - self.lateness).replace(second=0, microsecond=0)

    def _silver_since(self, spark: SparkSession, watermark: datetime | None) -> DataFrame:
        """Silver from the horizon on: older files are skipped by their statistics."""
        accepted = delta_io.read(spark, self.path(tables.SILVER))
        if watermark is None:
            return accepted
        return accepted.where(F.col("event_time") >= F.lit(self._horizon(watermark)))

    def _accepted_keys(
        self, parsed: DataFrame, watermark: datetime | None, replay: bool, batch_id: int,
        small: bool,
    ) -> DataFrame:  # fmt: skip
        """Order ids already in silver that a record of this batch could repeat.

        While batches are small, the writer holds silver's ids since the horizon in memory
        (jobs.accepted_ids); otherwise, or with too many to hold, it reads them from silver. A
        small batch looks up only its own ids in them (a broadcast semi-join): the horizon holds
        over a million ids after minutes of running, and joining them all cost about a second
        a batch. A replay reads silver, without the rows the batch committed before it failed.
        """
        spark = parsed.sparkSession
        if replay or not small:
            self._ids.forget()
        elif not self._ids.held:
            self._ids.seed(partial(self._silver_since, spark, watermark))
        if self._ids.held:
            accepted = self._ids.keys(self._horizon(watermark))
        else:
            accepted = self._silver_since(spark, watermark)
        if replay:
            accepted = accepted.where(F.col("batch_id") != batch_id)
        if small:
            ids = F.broadcast(parsed.select("order_id").where(F.col("order_id").isNotNull()))
            accepted = accepted.join(ids, "order_id", "left_semi")
        return accepted.select("order_id")

    def __call__(self, batch: DataFrame, batch_id: int) -> None:
        try:
            self._call(batch, batch_id)
        except Exception:
            # A failed batch may have committed its audit row (the completion mark) before it
            # failed: the next attempt reads progress from the table, as a restart does.
            self._loaded = False
            self._ids.forget()
            raise

    def _call(self, batch: DataFrame, batch_id: int) -> None:
        spark = batch.sparkSession
        if not self._loaded:
            self._load_progress(spark)
        with self._writes.batch(batch_id) as writes:
            if self._last_done is not None and batch_id <= self._last_done:
                if self.downstream is not None:
                    committed = delta_io.read(spark, self.path(tables.SILVER))
                    self.downstream(committed.where(F.col("batch_id") == batch_id), batch_id)
                return
            watermark = self._max_event_time - self.lateness if self._max_event_time else None

            # Materialized once: the summary and the writes below read it, and it is a barrier
            # that keeps their filters out of the parse's rule chain. A local checkpoint rather
            # than a cache: a cached plan that reads silver stops matching once silver has a new
            # version, so whatever ran after the silver write (gold) recomputed the whole batch.
            # What changes every batch (its id, the time) is added afterwards, so that the
            # parse's generated code is the same each batch and compiled only once.
            parsed = parse_orders(batch)
            small = watermark is not None and batch.count() <= SMALL_BATCH
            accepted_keys = self._accepted_keys(parsed, watermark, writes.checked, batch_id, small)
            outcome = classify(parsed, accepted_keys, watermark).localCheckpoint()
            try:
                self._write(outcome, batch_id, watermark, writes)
            finally:
                delta_io.release(outcome)

    def _write(
        self,
        outcome: DataFrame,
        batch_id: int,
        watermark: datetime | None,
        writes: BatchWrites,
    ) -> None:
        """The three tables, then the audit row; meanwhile `downstream` takes the silver rows.

        Downstream does not wait for silver's commits: should either fail, the batch is
        retried, and each write already committed (tagged with the batch) is skipped.
        """
        spark = outcome.sparkSession
        summary = (
            outcome.groupBy("outcome", "reason")
            # The newest time of accepted records only: a rejected one may hold any instant,
            # and the driver must never convert such a value (year 0 is no Python datetime).
            .agg(
                F.count(F.lit(1)).alias("n"),
                F.max(F.when(F.col("outcome") == SILVER, F.col("event_time"))).alias("newest"),
            )
            .collect()
        )
        counts = {(row["outcome"], row["reason"]): row["n"] for row in summary}
        batch_max = max((r["newest"] for r in summary if r["outcome"] == SILVER), default=None)

        def rows(kind: str) -> int:
            return sum(n for (o, _), n in counts.items() if o == kind)

        now = datetime.now(UTC)

        def selected(kind: str, table: str, stamp: str) -> DataFrame:
            picked = outcome.where(F.col("outcome") == kind).withColumns(
                {"batch_id": per_batch(batch_id, "bigint"), stamp: per_batch(now, "timestamp")}
            )
            return picked.select(*tables.TABLES[table].column_names)

        targets = {
            QUARANTINE: (tables.QUARANTINE, "quarantined_at"),
            DUPLICATE: (tables.DUPLICATES, "detected_at"),
            SILVER: (tables.SILVER, "processed_at"),
        }
        running_max = max(filter(None, (self._max_event_time, batch_max)), default=None)
        audit = delta_io.literal_row(
            spark,
            tables.TABLES[tables.SILVER_BATCHES],
            (
                batch_id,
                sum(counts.values()),
                rows(SILVER),
                rows(QUARANTINE),
                rows(DUPLICATE),
                counts.get((QUARANTINE, Reason.LATE.value), 0),
                running_max,
                watermark,
                now,
            ),
        )
        chosen = {kind: selected(kind, *target) for kind, target in targets.items()}
        passed_on = (
            delta_io.alongside(partial(self.downstream, chosen[SILVER], batch_id))
            if self.downstream is not None
            else nullcontext()
        )
        with passed_on:
            delta_io.side_by_side(
                lambda kind: writes.append(chosen[kind], self.path(targets[kind][0])),
                [kind for kind in targets if rows(kind)],
            )
            # The row is the batch's completion mark, so it goes last: a batch whose row
            # exists is skipped before anything is written.
            writes.append(audit, self.path(tables.SILVER_BATCHES))
        self._last_done, self._max_event_time = batch_id, running_max
        if watermark is not None:
            self._ids.add(chosen[SILVER], rows(SILVER), self._horizon(watermark))
        rejects = {reason: n for (kind, reason), n in counts.items() if kind == QUARANTINE}
        progress.note(self.query, batch_id, progress.SilverNote(running_max, watermark, rejects))


SILVER_TABLES = (
    tables.SILVER,
    tables.QUARANTINE,
    tables.DUPLICATES,
    tables.SILVER_BATCHES,
)

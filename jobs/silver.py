"""Silver: validate, type and de-duplicate bronze; rejects to quarantine, repeats counted.

python -m jobs.silver --env local [--trigger available-now|continuous]
"""

if __package__ in (None, ""):
    import _bootstrap  # noqa: F401  (run as a script on Databricks)

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from pyspark import StorageLevel
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.streaming import StreamingQuery

from contract import tables
from contract.rejects import Reason
from jobs import delta_io
from jobs.runner import run_stage, start_foreach_batch
from jobs.settings import StageSettings, parse
from jobs.transforms.silver import DUPLICATE, QUARANTINE, SILVER, classify, parse_orders

STAGE = "silver"


@dataclass
class SilverBatchWriter:
    """foreachBatch body. Writes quarantine, duplicates and silver, then the batch's audit row.

    The audit row goes last: when it exists the batch is complete, so a replay skips it. Its
    running maximum event time gives the next batch's watermark without scanning silver.
    """

    settings: StageSettings
    _last_done: int | None = None
    _max_event_time: datetime | None = None
    _loaded: bool = field(default=False, repr=False)

    @property
    def app_id(self) -> str:
        return f"{STAGE}@{self.settings.locations.checkpoint(STAGE)}"

    @property
    def lateness(self) -> timedelta:
        return timedelta(seconds=self.settings.pipeline.lateness_seconds)

    def path(self, table: str) -> str:
        return self.settings.locations.table(table)

    def _load_progress(self, spark: SparkSession) -> None:
        last = (
            delta_io.read(spark, self.path(tables.SILVER_BATCHES))
            .orderBy(F.col("batch_id").desc())
            .select("batch_id", "max_event_time")
            .first()
        )
        if last is not None:
            self._last_done, self._max_event_time = last["batch_id"], last["max_event_time"]
        self._loaded = True

    def _accepted_keys(self, spark: SparkSession, watermark: datetime | None) -> DataFrame:
        """Order ids already in silver that an on-time event could repeat.

        On-time events are at or after the watermark, and an earlier copy lies at most one
        lateness horizon before them: older silver files are skipped by their statistics.
        """
        accepted = delta_io.read(spark, self.path(tables.SILVER))
        if watermark is not None:
            accepted = accepted.where(F.col("event_time") >= F.lit(watermark - self.lateness))
        return accepted.select("order_id")

    def __call__(self, batch: DataFrame, batch_id: int) -> None:
        spark = batch.sparkSession
        if not self._loaded:
            self._load_progress(spark)
        if self._last_done is not None and batch_id <= self._last_done:
            return
        watermark = self._max_event_time - self.lateness if self._max_event_time else None

        # Cached once: the summary and the three writes below read it, and the cache is a
        # barrier that keeps their filters out of the parse's rule chain.
        outcome = (
            classify(parse_orders(batch), self._accepted_keys(spark, watermark), watermark)
            .withColumn("batch_id", F.lit(batch_id).cast("bigint"))
            .withColumn("now", F.current_timestamp())
            .persist(StorageLevel.MEMORY_AND_DISK)
        )
        try:
            self._write(outcome, batch_id, watermark)
        finally:
            outcome.unpersist()

    def _write(self, outcome: DataFrame, batch_id: int, watermark: datetime | None) -> None:
        spark = outcome.sparkSession
        summary = (
            outcome.groupBy("outcome", "reason")
            .agg(F.count(F.lit(1)).alias("n"), F.max("event_time").alias("newest"))
            .collect()
        )
        counts = {(row["outcome"], row["reason"]): row["n"] for row in summary}
        batch_max = max((r["newest"] for r in summary if r["outcome"] == SILVER), default=None)

        def rows(kind: str) -> int:
            return sum(n for (o, _), n in counts.items() if o == kind)

        writes = (
            (QUARANTINE, tables.QUARANTINE, "quarantined_at"),
            (DUPLICATE, tables.DUPLICATES, "detected_at"),
            (SILVER, tables.SILVER, "processed_at"),
        )
        for kind, table, stamp in writes:
            if rows(kind):
                selected = outcome.where(F.col("outcome") == kind).withColumn(stamp, F.col("now"))
                delta_io.append_once(
                    selected.select(*tables.column_names(tables.DDL[table])),
                    self.path(table),
                    self.app_id,
                    batch_id,
                )

        running_max = max(filter(None, (self._max_event_time, batch_max)), default=None)
        audit = spark.createDataFrame(
            [
                (
                    batch_id,
                    sum(counts.values()),
                    rows(SILVER),
                    rows(QUARANTINE),
                    rows(DUPLICATE),
                    counts.get((QUARANTINE, Reason.LATE.value), 0),
                    running_max,
                    watermark,
                    datetime.now(UTC),
                )
            ],
            tables.SILVER_BATCHES_DDL,
        )
        # The row is the batch's completion mark: a batch whose row exists is skipped before
        # anything is written, so this write needs no transaction id of its own.
        delta_io.append(audit, self.path(tables.SILVER_BATCHES))
        self._last_done, self._max_event_time = batch_id, running_max


def start(spark: SparkSession, settings: StageSettings) -> StreamingQuery:
    delta_io.ensure_tables(
        spark,
        settings.locations,
        tables.BRONZE,
        tables.SILVER,
        tables.QUARANTINE,
        tables.DUPLICATES,
        tables.SILVER_BATCHES,
    )
    return start_foreach_batch(spark, settings, STAGE, tables.BRONZE, SilverBatchWriter(settings))


def main(argv: list[str] | None = None) -> None:
    run_stage(STAGE, start, parse(STAGE, argv))


if __name__ == "__main__":
    main()

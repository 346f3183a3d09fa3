"""Bronze: Kafka records, untouched, into a checkpointed Delta table.

python -m jobs.bronze --env local [--trigger available-now|continuous]
"""

if __package__ in (None, ""):
    import _bootstrap  # noqa: F401  (run as a script on Databricks)

from collections.abc import Callable
from dataclasses import dataclass

from pyspark import StorageLevel
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql.streaming import StreamingQuery

from contract import tables
from jobs import delta_io, kafka_source
from jobs.runner import claim_lake, run_stage, start_foreach_batch
from jobs.settings import StageSettings, parse
from jobs.transforms.bronze import to_bronze

STAGE = "bronze"


@dataclass
class BronzeBatchWriter:
    """foreachBatch body: a batch of Kafka records appended to bronze.

    `query` is the streaming query that calls the writer (its checkpoint names the writes);
    `downstream`, when given, receives the batch's bronze rows once they are committed. They
    are cached for it, so that it does not fetch them from Kafka a second time.
    """

    settings: StageSettings
    query: str = STAGE
    downstream: Callable[[DataFrame, int], None] | None = None

    def __post_init__(self) -> None:
        self._writes = delta_io.ExactlyOnce(STAGE, self.settings.locations.checkpoint(self.query))

    def __call__(self, records: DataFrame, batch_id: int) -> None:
        rows = to_bronze(records)
        if self.downstream is not None:
            rows = rows.persist(StorageLevel.MEMORY_AND_DISK)
        try:
            with self._writes.batch(batch_id) as writes:
                writes.append(rows, self.settings.locations.table(tables.BRONZE))
            if self.downstream is not None:
                self.downstream(rows, batch_id)
        finally:
            rows.unpersist()


def start(spark: SparkSession, settings: StageSettings) -> StreamingQuery:
    claim_lake(spark, settings, STAGE)
    delta_io.ensure_tables(spark, settings.locations, tables.BRONZE)
    records = kafka_source.read_stream(spark, settings)
    return start_foreach_batch(
        records, settings, STAGE, BronzeBatchWriter(settings), (tables.BRONZE,)
    )


def main(argv: list[str] | None = None) -> None:
    run_stage(STAGE, start, parse(STAGE, argv))


if __name__ == "__main__":
    main()

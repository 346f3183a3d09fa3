"""Bronze: Kafka records, untouched, into a checkpointed Delta table.

python -m jobs.bronze --env local [--trigger available-now|continuous]
"""

if __package__ in (None, ""):
    import _bootstrap  # noqa: F401  (run as a script on Databricks)

from pyspark.sql import SparkSession
from pyspark.sql.streaming import StreamingQuery

from contract import tables
from jobs import kafka_source, lake_tables
from jobs.runner import claim_lake, run_stage, start_foreach_batch
from jobs.settings import StageSettings, parse
from jobs.writers.bronze import BronzeBatchWriter

STAGE = "bronze"


def start(spark: SparkSession, settings: StageSettings) -> StreamingQuery:
    claim_lake(spark, settings, STAGE)
    lake_tables.ensure_tables(spark, settings.locations, tables.BRONZE)
    records = kafka_source.read_stream(spark, settings)
    return start_foreach_batch(
        records, settings, STAGE, BronzeBatchWriter(settings), (tables.BRONZE,)
    )


def main(argv: list[str] | None = None) -> None:
    run_stage(STAGE, start, parse(STAGE, argv))


if __name__ == "__main__":
    main()

"""Bronze: Kafka records, untouched, into a checkpointed Delta table.

python -m jobs.bronze --env local [--trigger available-now|continuous]
"""

if __package__ in (None, ""):
    import _bootstrap  # noqa: F401  (run as a script on Databricks)

from pyspark.sql import SparkSession
from pyspark.sql.streaming import StreamingQuery

from contract import tables
from jobs import kafka_source
from jobs.delta_io import ensure_tables
from jobs.runner import claim_lake, run_stage, with_trigger
from jobs.settings import StageSettings, parse
from jobs.storage import discard_incomplete_checkpoint_files
from jobs.transforms.bronze import to_bronze

STAGE = "bronze"


def start(spark: SparkSession, settings: StageSettings) -> StreamingQuery:
    claim_lake(spark, settings, STAGE)
    path = settings.locations.table(tables.BRONZE)
    ensure_tables(spark, settings.locations, tables.BRONZE)
    writer = (
        to_bronze(kafka_source.read_stream(spark, settings))
        .writeStream.queryName(STAGE)
        .format("delta")
        .outputMode("append")
        .option("checkpointLocation", settings.locations.checkpoint(STAGE))
    )
    discard_incomplete_checkpoint_files(spark, settings.locations.checkpoint(STAGE))
    return with_trigger(writer, settings).start(path)


def main(argv: list[str] | None = None) -> None:
    run_stage(STAGE, start, parse(STAGE, argv))


if __name__ == "__main__":
    main()

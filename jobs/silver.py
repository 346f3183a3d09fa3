"""Silver: validate, type and de-duplicate bronze; rejects to quarantine, repeats counted.

python -m jobs.silver --env local [--trigger available-now|continuous]
"""

if __package__ in (None, ""):
    import _bootstrap  # noqa: F401  (run as a script on Databricks)

from pyspark.sql import SparkSession
from pyspark.sql.streaming import StreamingQuery

from contract import tables
from jobs import delta_io, lake_tables
from jobs.runner import claim_lake, run_stage, start_foreach_batch
from jobs.settings import StageSettings, parse
from jobs.writers.silver import SILVER_TABLES, SilverBatchWriter

STAGE = "silver"


def start(spark: SparkSession, settings: StageSettings) -> StreamingQuery:
    claim_lake(spark, settings, STAGE)
    lake_tables.ensure_tables(spark, settings.locations, tables.BRONZE, *SILVER_TABLES)
    source = delta_io.read_stream(spark, settings.locations.table(tables.BRONZE), settings)
    return start_foreach_batch(source, settings, STAGE, SilverBatchWriter(settings), SILVER_TABLES)


def main(argv: list[str] | None = None) -> None:
    run_stage(STAGE, start, parse(STAGE, argv))


if __name__ == "__main__":
    main()

"""Gold: 1-minute windows per state and product, updated in place as silver grows.

python -m jobs.gold --env local [--trigger available-now|continuous]
"""

if __package__ in (None, ""):
    import _bootstrap  # noqa: F401  (run as a script on Databricks)

from pyspark.sql import SparkSession
from pyspark.sql.streaming import StreamingQuery

from contract import tables
from jobs import delta_io, lake_tables
from jobs.runner import claim_lake, run_stage, start_foreach_batch
from jobs.settings import StageSettings, parse
from jobs.writers.gold import GoldBatchWriter

STAGE = "gold"


def start(spark: SparkSession, settings: StageSettings) -> StreamingQuery:
    claim_lake(spark, settings, STAGE)
    lake_tables.ensure_tables(spark, settings.locations, tables.SILVER, tables.GOLD)
    source = delta_io.read_stream(spark, settings.locations.table(tables.SILVER), settings)
    # No compaction: each batch replaces its block's files, so small files do not pile up.
    return start_foreach_batch(source, settings, STAGE, GoldBatchWriter(settings), ())


def main(argv: list[str] | None = None) -> None:
    run_stage(STAGE, start, parse(STAGE, argv))


if __name__ == "__main__":
    main()

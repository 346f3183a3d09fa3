"""All three layers from one streaming query: what `make demo`, the tests and the bench run.

Each micro-batch of Kafka records is appended to bronze while it is validated into silver (with
quarantine, duplicates and the audit row), and silver's new rows are added to gold while
silver commits, by the same writers the separate stages use. One query instead of three
chained ones: no layer waits for the next poll of the table before it, and three queries do not
share two cores. The separate stages (`jobs.bronze|silver|gold`) remain for schedulers that run
one task per layer.

A lake is run either by this query or by the separate stages, never both: each keeps its own
Kafka checkpoint, so the other would ingest the topic a second time.

python -m jobs.pipeline --env local [--trigger available-now|continuous]
The Databricks job runs this file as its one task: one process creates every table it writes.
"""

if __package__ in (None, ""):
    import _bootstrap  # noqa: F401  (run as a script on Databricks)

import threading

from pyspark.sql import SparkSession
from pyspark.sql.streaming import StreamingQuery

from contract import tables
from contract.tables import PIPELINE_QUERY
from jobs import kafka_source, lake_tables
from jobs.runner import await_all, claim_lake, run_stage, start_foreach_batch
from jobs.settings import StageSettings, parse
from jobs.writers.bronze import BronzeBatchWriter
from jobs.writers.gold import GoldBatchWriter
from jobs.writers.silver import SILVER_TABLES, SilverBatchWriter

QUERY = PIPELINE_QUERY


def batch_writer(settings: StageSettings) -> BronzeBatchWriter:
    """One batch of Kafka records through bronze, silver and gold in turn."""
    return BronzeBatchWriter(
        settings,
        QUERY,
        downstream=SilverBatchWriter(settings, QUERY, downstream=GoldBatchWriter(settings, QUERY)),
    )


def start(
    spark: SparkSession, settings: StageSettings, writer: BronzeBatchWriter | None = None
) -> StreamingQuery:
    """`writer` stands in for the three layers' (`make bench` runs bronze and silver alone, to
    measure what gold adds)."""
    claim_lake(spark, settings, QUERY)
    appended = (tables.BRONZE, *SILVER_TABLES)
    lake_tables.ensure_tables(spark, settings.locations, *appended, tables.GOLD)
    records = kafka_source.read_stream(spark, settings)
    return start_foreach_batch(records, settings, QUERY, writer or batch_writer(settings), appended)


def run(spark: SparkSession, settings: StageSettings, stop: threading.Event | None = None) -> None:
    await_all([start(spark, settings)], stop)


def main(argv: list[str] | None = None) -> None:
    run_stage(QUERY, start, parse(QUERY, argv))


if __name__ == "__main__":
    main()

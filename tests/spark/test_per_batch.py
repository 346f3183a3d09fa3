"""A batch's id and time reach its rows without a new compilation per batch."""

from __future__ import annotations

from datetime import UTC, datetime

from jobs.transforms.per_batch import per_batch
from tests.spark.codegen import compiled_classes


def test_new_values_compile_no_new_code(spark):
    rows = spark.range(5)

    def stamped(at: datetime, batch_id: int) -> set:
        columns = (per_batch(at, "timestamp").alias("at"), per_batch(batch_id, "bigint").alias("b"))
        return {tuple(r) for r in rows.select(*columns).collect()}

    first = stamped(datetime(2026, 12, 1, 10, 0, tzinfo=UTC), 1)
    before = compiled_classes(spark)
    later = stamped(datetime(2026, 12, 1, 10, 0, 5, 250_000, tzinfo=UTC), 2)
    assert compiled_classes(spark) == before
    assert first == {(datetime(2026, 12, 1, 10, 0), 1)}
    assert later == {(datetime(2026, 12, 1, 10, 0, 5, 250_000), 2)}


def test_a_plain_literal_would_compile_again(spark):
    """The counter the test above relies on does see a stage compiled for a new literal."""
    from pyspark.sql import functions as F

    rows = spark.range(5)
    rows.select((F.col("id") + F.lit(1_000_001)).alias("x")).collect()
    before = compiled_classes(spark)
    rows.select((F.col("id") + F.lit(1_000_002)).alias("x")).collect()
    assert compiled_classes(spark) > before

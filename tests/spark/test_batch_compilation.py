"""A steady stream's micro-batches run code compiled once: a batch that only brings new values
(its id, its time, a later watermark) compiles nothing. Each class compiled per batch cost
Janino's time and then the JIT's, on the two cores the data needs."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

from contract import tables
from jobs import lake_tables, pipeline
from jobs.writers.silver import SILVER_TABLES
from tests.spark.codegen import compiled_classes
from tests.spark.lake_settings import lake_settings

KAFKA = (
    "key binary, value binary, topic string, partition int, offset long, "
    "timestamp timestamp, timestampType int"
)


def kafka_batch(spark, first_offset: int, at: datetime, size: int = 20):
    rows = []
    for i in range(size):
        order = {
            "schema_version": 1, "order_id": str(uuid.uuid4()), "customer_id": "c-1",
            "state": "CA", "city": "San Francisco", "product": "Laptop",
            "category": "Electronics", "quantity": 1, "price": 10.5, "currency": "USD",
            "channel": "web", "payment_method": "card",
            "timestamp": (at - timedelta(seconds=i % 3)).isoformat().replace("+00:00", "Z"),
        }  # fmt: skip
        rows.append((None, json.dumps(order).encode(), "orders", 0, first_offset + i, at, 0))
    return spark.createDataFrame(rows, KAFKA)


def test_the_next_micro_batch_compiles_nothing_new(spark, tmp_path):
    settings = lake_settings(tmp_path)
    lake_tables.ensure_tables(spark, settings.locations, tables.BRONZE, *SILVER_TABLES, tables.GOLD)
    write = pipeline.batch_writer(settings)
    # All four batches in one minute: silver's duplicate horizon and gold's block change once a
    # minute and once every ten, and either would compile its code again, as it should. Left
    # to the clock, about one run in thirty crossed a minute between the last two batches.
    start = datetime.now(UTC).replace(minute=0, second=10, microsecond=0)
    compiled = []
    for batch_id in range(4):
        write(kafka_batch(spark, batch_id * 20, start + timedelta(seconds=2 * batch_id)), batch_id)
        compiled.append(compiled_classes(spark))
    # The first batches compile the plans (no watermark yet, then one; gold's first update).
    assert compiled[3] == compiled[2]
    silver = spark.read.format("delta").load(settings.locations.table(tables.SILVER))
    assert silver.count() == 80
    assert sorted(r[0] for r in silver.select("batch_id").distinct().collect()) == [0, 1, 2, 3]

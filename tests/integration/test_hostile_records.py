"""Hostile records on a fresh lake, through the real broker, Spark and Delta: none stops the
pipeline, every one is accounted for by its Kafka coordinates, none reaches silver or gold."""

from __future__ import annotations

import json
import uuid

import pytest
from confluent_kafka import Producer
from deltalake import DeltaTable

from contract import tables
from dashboard.lake import Lake
from jobs import pipeline
from jobs import silver as silver_stage
from jobs.settings import parse
from tests.integration.pipeline_env import locations, write_env

pytestmark = [pytest.mark.broker, pytest.mark.spark]


def order(**changes) -> dict:
    event = {
        "schema_version": 1, "order_id": str(uuid.uuid4()), "customer_id": "cust-00042",
        "state": "CA", "city": "San Francisco", "product": "Laptop", "category": "Electronics",
        "quantity": 2, "price": 999.99, "currency": "USD", "channel": "web",
        "payment_method": "card", "timestamp": "2026-11-27T10:00:00.123Z",
    }  # fmt: skip
    return event | changes


def encode(event: dict) -> bytes:
    return json.dumps(event).encode()


HOSTILE: dict[str, bytes | None] = {
    "year 0": encode(order(timestamp="0000-01-01T00:00:00Z")),
    "year 1": encode(order(timestamp="0001-01-01T00:00:00Z")),
    "before 2000": encode(order(timestamp="1970-01-01T00:00:00Z")),
    "year 9999": encode(order(timestamp="9999-12-31T23:59:59Z")),
    "two objects": encode(order()) + encode(order()),
    "object then text": encode(order()) + b" xyz",
    "object then brace": encode(order()) + b"}",
    "nested 3000 deep": b'{"order_id": ' + b"[" * 3000 + b"]" * 3000 + b"}",
    "comment": b'{/* hi */ "order_id": "x"}',
    "unquoted name": json.dumps(order()).replace('"state"', "state").encode(),
    "Infinity token": json.dumps(order(price=1.5)).replace("1.5", "Infinity").encode(),
    "control character": json.dumps(order(product="a\x01b")).replace("\\u0001", "\x01").encode(),
    "bad escape": json.dumps(order()).replace("cust-00042", "cust-\\q42").encode(),
    "byte-order mark": b"\xef\xbb\xbf" + encode(order()),
    "empty": b"",
    "tombstone": None,
}


def test_no_hostile_record_stops_the_pipeline_or_reaches_silver(broker, spark, tmp_path):
    env_path, topic = write_env(tmp_path, broker.bootstrap)
    broker.ensure_topic(topic, 1)
    valid = [order() for _ in range(3)]
    payloads = [encode(valid[0]), *HOSTILE.values(), encode(valid[1]), encode(valid[2])]
    producer = Producer({"bootstrap.servers": broker.bootstrap})
    for payload in payloads:
        producer.produce(topic, value=payload, key=b"k")
    assert producer.flush(30) == 0

    pipeline.run(spark, parse("pipeline", ["--env", str(env_path), "--trigger", "available-now"]))

    where = locations(env_path)

    def offsets(table: str) -> list[int]:
        return (
            DeltaTable(where.table(table))
            .to_pyarrow_table(columns=["offset"])["offset"]
            .to_pylist()
        )

    silver, quarantine, duplicates = (
        offsets(t) for t in (tables.SILVER, tables.QUARANTINE, tables.DUPLICATES)
    )
    assert sorted(silver + quarantine + duplicates) == list(range(len(payloads)))
    hostile = set(range(1, 1 + len(HOSTILE)))
    assert hostile <= set(quarantine), {
        name: i not in quarantine for i, name in enumerate(HOSTILE, start=1)
    }
    assert sorted(silver) == [0, len(payloads) - 2, len(payloads) - 1]
    gold = DeltaTable(where.table(tables.GOLD)).to_pyarrow_table(columns=["orders"])
    assert sum(gold["orders"].to_pylist()) == len(valid)
    # Every table loads whole without a JVM, and the dashboard's data answers over them.
    for table in tables.ALL_TABLES:
        DeltaTable(where.table(table)).to_pyarrow_table()
    summary = Lake(where.lake_root).summary()
    reasons = {r["reason"]: r["rows"] for r in summary["health"]["quarantine"]}
    assert reasons["timestamp_out_of_range"] == 3 and reasons["not_json"] >= 9


def test_a_batch_no_rule_foresaw_stops_the_pipeline_naming_its_records(
    broker, spark, tmp_path, monkeypatch
):
    """Not a loop: after `batch_attempts` tries the query stops and says which records."""
    env_path, topic = write_env(tmp_path, broker.bootstrap, batch_attempts=2)
    broker.ensure_topic(topic, 1)
    producer = Producer({"bootstrap.servers": broker.bootstrap})
    for _ in range(3):
        producer.produce(topic, value=encode(order()))
    assert producer.flush(30) == 0

    def unforeseen(self, batch, batch_id):
        raise ArithmeticError("a failure no rule foresaw")

    monkeypatch.setattr(silver_stage.SilverBatchWriter, "__call__", unforeseen)
    settings = parse("pipeline", ["--env", str(env_path), "--trigger", "available-now"])
    with pytest.raises(RuntimeError) as stopped:
        pipeline.run(spark, settings)
    assert str(stopped.value) == (
        f"query pipeline failed: batch 0 of query pipeline failed 2 times; its records: "
        f"{topic}/0 offsets 0-2; last error: a failure no rule foresaw"
    )

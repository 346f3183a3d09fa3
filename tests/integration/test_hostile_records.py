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
from jobs import bronze as bronze_stage
from jobs import gold as gold_stage
from jobs import pipeline
from jobs import silver as silver_stage
from jobs.runner import await_all
from jobs.settings import parse
from jobs.writers.silver import SilverBatchWriter
from scripts import lake
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


def replaced(old: str, new: str, **changes) -> bytes:
    """An order's JSON text with one piece of it rewritten by hand."""
    text = json.dumps(order(**changes))
    assert old in text
    return text.replace(old, new).encode()


# Every kind must be rejected: a bug in a producer, or an attacker, and never an order.
HOSTILE: dict[str, bytes | None] = {
    # event times no order has
    "year 0": encode(order(timestamp="0000-01-01T00:00:00Z")),
    "year 1": encode(order(timestamp="0001-01-01T00:00:00Z")),
    "the epoch": encode(order(timestamp="1970-01-01T00:00:00Z")),
    "year 9999": encode(order(timestamp="9999-12-31T23:59:59Z")),
    "a leap second": encode(order(timestamp="2026-11-27T23:59:60Z")),
    "the 30th of February": encode(order(timestamp="2026-02-30T10:00:00Z")),
    "epoch seconds": encode(order(timestamp=1764237600)),
    "a date without a time": encode(order(timestamp="2026-11-27")),
    # more, or less, than one JSON object
    "two objects": encode(order()) + encode(order()),
    "an object, then text": encode(order()) + b" xyz",
    "an object, then a brace": encode(order()) + b"}",
    "double-encoded JSON": json.dumps(json.dumps(order())).encode(),
    "a JSON array": json.dumps([order()]).encode(),
    "null": b"null",
    "true": b"true",
    "a number": b"42",
    "a string": b'"an order"',
    "whitespace": b"   \n\t ",
    "empty": b"",
    "a tombstone (key, no value)": None,
    "a byte-order mark": b"\xef\xbb\xbf" + encode(order()),
    "nested 3,000 deep": b'{"order_id": ' + b"[" * 3000 + b"]" * 3000 + b"}",
    # what Spark's JSON reader would forgive
    "single quotes": replaced('"state": "CA"', "'state': 'CA'"),
    "a comment": replaced('{"schema_version"', '{/* hi */ "schema_version"'),
    "an unquoted name": replaced('"state"', "state"),
    "a bare NaN": replaced("999.99", "NaN"),
    "a bare Infinity": replaced("999.99", "-Infinity"),
    "a leading zero": replaced('"quantity": 2', '"quantity": 02'),
    "a hex number": replaced("999.99", "0x10"),
    "a raw control character": replaced("Laptop", "Lap\x01top"),
    "a raw NUL": replaced("Laptop", "Lap\x00top"),
    "an unknown escape": replaced("cust-00042", "cust-\\q42"),
    "a lone high surrogate": replaced("cust-00042", "cust-\\ud800x"),
    "a lone low surrogate": replaced("cust-00042", "cust-\\udc00x"),
    "Latin-1 bytes": encode(order()).replace(b"cust-00042", "cust-é".encode("latin-1")),
    # numbers no order has
    "hundreds of digits": replaced('"quantity": 2', '"quantity": ' + "9" * 400),
    "beyond 64 bits": encode(order(quantity=2**64)),
    "a price of 400 digits": replaced("999.99", "9" * 400),
    "a price that rounds to zero": replaced("999.99", "1e-400"),
    "negative zero": encode(order(price=-0.0)),
    "a fractional quantity": encode(order(quantity=1.5)),
    # fields of the wrong JSON type, or not there
    "quantity as an array": encode(order(quantity=[2])),
    "price as an object": encode(order(price={"amount": 1})),
    "state as a boolean": encode(order(state=True)),
    "a mixed-case field name": replaced('"state"', '"State"'),
    "schema_version as text": encode(order(schema_version="1")),
    # values outside the contract
    "a NUL in the city": encode(order(city="San\x00Francisco")),
    "a NUL in the product": encode(order(product="Lap\x00top")),
    "a terminal escape in the customer": encode(order(customer_id="cust-\x1b[2J")),
    "a full-width state": encode(order(state="ＣＡ")),
    "a product near the broker's size limit": encode(order(product="x" * 900_000)),
}
VALID = [
    encode(order()),
    encode(order(timestamp="2026-11-27T12:00:00.5+02:00")),  # an offset: the same instant
    replaced('"order_id": "', '"order_id": "not-a-uuid", "order_id": "'),  # the last one wins
]
STORM = 200  # one valid order, sent this many times


def send(broker, topic: str) -> list[bytes | None]:
    """Valid orders, every hostile kind, and a storm of one order, interleaved."""
    storm = encode(order())
    payloads = [VALID[0], *HOSTILE.values(), *VALID[1:]]
    payloads += [storm] * STORM
    producer = Producer({"bootstrap.servers": broker.bootstrap, "message.max.bytes": 2_000_000})
    for payload in payloads:
        producer.produce(topic, value=payload, key=b"k")
    assert producer.flush(30) == 0
    return payloads


def offsets(where, table: str) -> list[int]:
    return DeltaTable(where.table(table)).to_pyarrow_table(columns=["offset"])["offset"].to_pylist()


def assert_accounted(where, payloads: list) -> None:
    silver, quarantine, duplicates = (
        offsets(where, t) for t in (tables.SILVER, tables.QUARANTINE, tables.DUPLICATES)
    )
    assert sorted(silver + quarantine + duplicates) == list(range(len(payloads)))
    hostile = range(1, 1 + len(HOSTILE))
    escaped = [name for i, name in zip(hostile, HOSTILE, strict=True) if i not in quarantine]
    assert not escaped, f"reached silver or duplicates: {escaped}"
    last_valid = len(HOSTILE) + 2
    storm = len(HOSTILE) + 3
    assert sorted(silver) == [0, last_valid - 1, last_valid, storm]
    assert sorted(duplicates) == list(range(storm + 1, len(payloads)))
    gold = DeltaTable(where.table(tables.GOLD)).to_pyarrow_table(columns=["orders"])
    assert sum(gold["orders"].to_pylist()) == len(VALID) + 1
    # Every table loads whole without a JVM, and the dashboard's data answers over them.
    for table in tables.ALL_TABLES:
        assert lake.read(where, table) is not None
    reasons = Lake(where.lake_root).summary()["health"]["quarantine"]
    assert sum(r["rows"] for r in reasons) == len(HOSTILE)


@pytest.fixture(scope="module")
def hostile_topic(broker):
    topic = f"hostile-{uuid.uuid4().hex[:8]}"
    broker.ensure_topic(topic, 1)
    return topic, send(broker, topic)


def test_no_hostile_record_stops_the_pipeline_or_reaches_silver(
    broker, spark, tmp_path, hostile_topic
):
    topic, payloads = hostile_topic
    assert len(HOSTILE) >= 40
    env_path, _ = write_env(tmp_path, broker.bootstrap, topic)
    pipeline.run(spark, parse("pipeline", ["--env", str(env_path), "--trigger", "available-now"]))
    assert_accounted(locations(env_path), payloads)


def test_the_separate_stages_account_for_them_the_same_way(broker, spark, tmp_path, hostile_topic):
    topic, payloads = hostile_topic
    env_path, _ = write_env(tmp_path, broker.bootstrap, topic)
    for stage in (bronze_stage, silver_stage, gold_stage):
        settings = parse(stage.STAGE, ["--env", str(env_path), "--trigger", "available-now"])
        await_all([stage.start(spark, settings)])
    assert_accounted(locations(env_path), payloads)


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

    monkeypatch.setattr(SilverBatchWriter, "__call__", unforeseen)
    settings = parse("pipeline", ["--env", str(env_path), "--trigger", "available-now"])
    with pytest.raises(RuntimeError) as stopped:
        pipeline.run(spark, settings)
    assert str(stopped.value) == (
        f"query pipeline failed: batch 0 of query pipeline failed 2 times; its records: "
        f"{topic}/0 offsets 0-2; last error: a failure no rule foresaw"
    )

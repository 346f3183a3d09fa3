"""The broker restarts while the simulator is producing: every event still arrives, once."""

from __future__ import annotations

import subprocess
import sys
import time
import uuid

import orjson
import pytest
from confluent_kafka import Consumer, TopicPartition

from scripts.broker import Broker, spare_port
from tests.integration.pipeline_env import ROOT

pytestmark = pytest.mark.broker

EVENTS = 40_000
RATE = 4_000


def read_all(bootstrap: str, topic: str) -> list[bytes]:
    consumer = Consumer(
        {"bootstrap.servers": bootstrap, "group.id": uuid.uuid4().hex, "enable.auto.commit": False}
    )
    try:
        partitions = consumer.list_topics(topic, timeout=10).topics[topic].partitions
        ends = {
            p: consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10)[1]
            for p in partitions
        }
        consumer.assign([TopicPartition(topic, p, 0) for p in partitions])
        values: list[bytes] = []
        deadline = time.monotonic() + 60
        while len(values) < sum(ends.values()) and time.monotonic() < deadline:
            values += [m.value() for m in consumer.consume(10_000, timeout=1) if not m.error()]
        return values
    finally:
        consumer.close()


def test_a_broker_restart_mid_run_loses_and_repeats_nothing(tmp_path):
    broker = Broker(port=spare_port(), data_dir=tmp_path / "broker")
    with broker:
        broker.ensure_topic("orders", 4)
        producer = subprocess.Popen(
            [sys.executable, "-m", "simulator", "--bootstrap-servers", broker.bootstrap,
             "--topic", "orders", "--count", str(EVENTS), "--rate", str(RATE),
             "--bad-rate", "0", "--duplicate-rate", "0", "--late-rate", "0"],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        time.sleep(3)
        broker.stop()
        time.sleep(4)
        broker.start()
        output, _ = producer.communicate(timeout=300)
        assert producer.returncode == 0, output
        values = read_all(broker.bootstrap, "orders")

    order_ids = [orjson.loads(v)["order_id"] for v in values]
    assert len(order_ids) == EVENTS
    assert len(set(order_ids)) == EVENTS

"""The simulator against a real local Kafka broker: everything sent arrives, byte for byte."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from confluent_kafka import Consumer, TopicPartition

from contract.geography import STATES
from simulator import ledger as ledger_module

pytestmark = pytest.mark.broker

ROOT = Path(__file__).resolve().parents[2]
N = 100_000
START = "2025-06-01T10:00:00Z"
SAME = ("--seed", "31", "--start-time", START, "--rate", "0", "--count", str(N))


def simulate(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "simulator", *args],
        cwd=ROOT,
        capture_output=True,
        timeout=300,
    )


def read_back(bootstrap: str, topic: str, expected: int, timeout: float = 120) -> list:
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": f"test-{uuid.uuid4().hex}",
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
        }
    )
    try:
        partitions = consumer.list_topics(topic, timeout=10).topics[topic].partitions
        consumer.assign([TopicPartition(topic, p, 0) for p in partitions])
        messages, deadline = [], time.monotonic() + timeout
        while len(messages) < expected and time.monotonic() < deadline:
            batch = consumer.consume(num_messages=10_000, timeout=1)
            messages.extend(m for m in batch if m.error() is None)
        stored = sum(
            consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10)[1]
            for p in partitions
        )
        assert stored == len(messages)
        return messages
    finally:
        consumer.close()


@pytest.fixture(scope="module")
def topic(broker) -> str:
    name = f"orders-sim-{uuid.uuid4().hex[:8]}"
    broker.ensure_topic(name, 4)
    return name


@pytest.fixture(scope="module")
def sent(broker, topic, tmp_path_factory):
    ledger = tmp_path_factory.mktemp("sim") / "ledger.json"
    result = simulate(
        "--bootstrap-servers", broker.bootstrap, "--topic", topic, *SAME, "--ledger", str(ledger)
    )
    return result, ledger_module.load(ledger)


def test_the_cli_reports_every_record_delivered(sent):
    result, ledger = sent
    assert result.returncode == 0, result.stderr.decode()
    assert f"all {N:,} records delivered".encode() in result.stderr
    assert (
        ledger.complete and ledger.counts["produced"] == N and ledger.counts["not_delivered"] == 0
    )


def test_the_topic_holds_exactly_what_stdout_would_have_printed(broker, topic, sent):
    messages = read_back(broker.bootstrap, topic, N)
    printed = simulate("-t", "stdout", *SAME)
    assert printed.returncode == 0
    expected = printed.stdout.split(b"\n")[:-1]
    assert len(messages) == N == len(expected)
    assert sorted(m.value() for m in messages) == sorted(expected)


def test_the_message_key_is_the_state(broker, topic, sent):
    keyed = 0
    for m in read_back(broker.bootstrap, topic, N)[:10_000]:
        try:
            state = json.loads(m.value()).get("state")
        except ValueError:  # bad records that are not JSON or not UTF-8
            continue
        if state in STATES:
            assert m.key().decode() == state
            keyed += 1
    assert keyed > 9000


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_an_unreachable_broker_fails_loudly_and_claims_nothing(tmp_path):
    ledger = tmp_path / "ledger.json"
    result = simulate(
        "--bootstrap-servers", f"127.0.0.1:{free_port()}", "--delivery-timeout", "3",
        "--count", "50", "--rate", "0", "--ledger", str(ledger),
    )  # fmt: skip
    err = result.stderr.decode()
    assert result.returncode == 1, err
    assert "NOT DELIVERED: 50 of 50 records" in err
    assert "Traceback" not in err
    written = ledger_module.load(ledger)
    assert not written.complete
    assert written.counts["produced"] == 0 and written.counts["valid_unique"] == 0
    assert written.totals == {}

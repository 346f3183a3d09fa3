"""The command line end to end on stdout, and the Kafka producer settings it builds."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from azure.eventhub import EventHubProducerClient
from typer.testing import CliRunner

from environments import load_environment
from simulator.cli import app
from simulator.transports import TransportConfigError, connection_string
from simulator.transports.kafka import parse_overrides, producer_config

ROOT = Path(__file__).resolve().parents[2]
CONN = (
    "Endpoint=sb://orders-dev.servicebus.windows.net/;SharedAccessKeyName=send;"
    "SharedAccessKey=not-a-real-key;EntityPath=orders"
)


def stdout_run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "simulator", "-t", "stdout", *args],
        cwd=ROOT,
        capture_output=True,
        timeout=120,
    )


def test_same_seed_and_start_time_give_byte_identical_output():
    args = ("--count", "20000", "--rate", "0", "--start-time", "2025-06-01T10:00:00Z")
    first, second = stdout_run(*args, "--seed", "5"), stdout_run(*args, "--seed", "5")
    other = stdout_run(*args, "--seed", "6")
    assert first.returncode == second.returncode == other.returncode == 0
    assert first.stdout == second.stdout
    assert first.stdout != other.stdout
    assert first.stdout.count(b"\n") == 20000
    assert b"all 20,000 records delivered" in first.stderr


def started(*args: str) -> subprocess.Popen:
    """The simulator writing to stdout, unbuffered, so that a test sees every byte it wrote."""
    return subprocess.Popen(
        [sys.executable, "-m", "simulator", "-t", "stdout", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        bufsize=0,
    )


def test_ctrl_c_stops_cleanly_with_a_summary():
    process = started("--duration", "60", "--rate", "500")
    assert process.stdout.readline().startswith(b"{")  # running, its handler installed
    time.sleep(0.5)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert b"interrupted" in err and b"Traceback" not in err
    written = 1 + out.count(b"\n")
    assert f"all {written:,} records delivered".encode() in err


def test_a_reader_that_goes_away_is_reported_not_hidden():
    process = started("--count", "1000000", "--rate", "0")
    process.stdout.readline()
    process.stdout.close()
    err = process.stderr.read()
    process.wait(timeout=30)
    assert process.returncode == 1
    assert b"NOT DELIVERED" in err and b"Broken pipe" in err
    assert b"Traceback" not in err and b"Exception ignored" not in err


def test_local_producer_settings():
    config = producer_config(load_environment("local").kafka)
    assert config["bootstrap.servers"] == "127.0.0.1:9092"
    assert config["enable.idempotence"] is True and config["acks"] == "all"
    assert config["compression.type"] == "lz4"  # what the benchmark measures
    assert "security.protocol" not in config
    assert "metadata.max.age.ms" not in config  # Event Hubs' rules stay off the local broker
    overridden = producer_config(
        load_environment("local").kafka,
        bootstrap_servers="127.0.0.1:1",
        compression="zstd",
        delivery_timeout_seconds=3,
        overrides=parse_overrides(["linger.ms=50"]),
    )
    assert overridden["bootstrap.servers"] == "127.0.0.1:1"
    assert overridden["compression.type"] == "zstd"
    assert overridden["message.timeout.ms"] == 3000
    assert overridden["linger.ms"] == "50"


def test_event_hubs_kafka_endpoint_settings():
    kafka = load_environment("dev").kafka
    config = producer_config(kafka, environ={kafka.connection_string_env: CONN})
    assert config["bootstrap.servers"] == "orders-dev.servicebus.windows.net:9093"
    assert config["security.protocol"] == "SASL_SSL"
    assert config["sasl.mechanism"] == "PLAIN"
    assert config["sasl.username"] == "$ConnectionString"
    assert config["sasl.password"] == CONN


def test_event_hubs_without_the_secret_or_with_a_malformed_one():
    kafka = load_environment("dev").kafka
    with pytest.raises(TransportConfigError, match="EVENTHUB_CONNECTION_STRING is not set"):
        producer_config(kafka, environ={})
    with pytest.raises(TransportConfigError, match="EVENTHUB_CONNECTION_STRING .* no Endpoint"):
        producer_config(
            kafka,
            bootstrap_servers="orders-dev.servicebus.windows.net:9093",
            environ={kafka.connection_string_env: "SharedAccessKeyName=k;SharedAccessKey=x"},
        )


MALFORMED = [
    "garbage",
    "SharedAccessKeyName=k;SharedAccessKey=x",
    "Endpoint=orders-dev.servicebus.windows.net;SharedAccessKeyName=k;SharedAccessKey=x",
    "Endpoint=sb://orders-dev.servicebus.windows.net/;SharedAccessKeyName=k",
    "Endpoint=sb://orders-dev.servicebus.windows.net/;SharedAccessKeyName=;SharedAccessKey=x",
    "Endpoint=sb://a/;endpoint=sb://b/;SharedAccessKeyName=k;SharedAccessKey=x",
]


@pytest.mark.parametrize("conn", MALFORMED)
def test_a_connection_string_the_sdk_refuses_is_refused_first(conn):
    """Both transports check the string before they connect: nothing the SDK refuses gets by."""
    kafka = load_environment("dev").kafka
    with pytest.raises(ValueError):
        EventHubProducerClient.from_connection_string(conn, eventhub_name="orders")
    with pytest.raises(TransportConfigError, match="^environment variable EVENTHUB_CONNECTION_"):
        connection_string(kafka, {kafka.connection_string_env: conn})


def test_a_connection_string_the_sdk_takes_is_taken():
    kafka = load_environment("dev").kafka
    EventHubProducerClient.from_connection_string(CONN).close()
    assert connection_string(kafka, {kafka.connection_string_env: CONN}) == CONN


def unreachable(*args, **kwargs):
    raise AssertionError("the run got as far as building a client")


@pytest.mark.parametrize(
    "transport",
    [
        ["-t", "kafka"],
        # As `make simulate` runs it: with the bootstrap servers given, not derived from the string.
        ["-t", "kafka", "--bootstrap-servers", "orders-dev.servicebus.windows.net:9093"],
        ["-t", "eventhubs"],
    ],
)
def test_a_malformed_connection_string_is_one_line_and_exit_2(monkeypatch, transport):
    monkeypatch.setattr("simulator.transports.kafka.Producer", unreachable)
    monkeypatch.setattr(EventHubProducerClient, "from_connection_string", unreachable)
    result = CliRunner().invoke(
        app,
        ["--env", "dev", *transport, "--count", "1"],
        env={"EVENTHUB_CONNECTION_STRING": "garbage"},
    )
    assert result.exit_code == 2, result.exception
    assert result.stderr.splitlines() == [
        "simulator: environment variable EVENTHUB_CONNECTION_STRING is not an Event Hubs "
        "connection string: expected Key=value pairs separated by ';'"
    ]
    assert "garbage" not in result.stdout + result.stderr


def test_an_unknown_producer_option_is_a_usage_error():
    result = CliRunner().invoke(app, ["--count", "1", "-X", "no.such.setting=1"])
    assert result.exit_code == 2
    assert "no.such.setting" in result.stderr


def test_the_connection_string_never_reaches_the_output():
    env = {**os.environ, "EVENTHUB_CONNECTION_STRING": CONN}
    result = subprocess.run(
        [sys.executable, "-m", "simulator", "--env", "dev", "--count", "1", "-X", "bogus=1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert result.returncode == 2
    assert "not-a-real-key" not in result.stderr + result.stdout

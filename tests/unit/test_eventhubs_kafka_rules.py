"""Both Kafka clients against Event Hubs' rules: the simulator's producer, the jobs' Spark source.

The rules are restated here from Microsoft's "Apache Kafka client configurations for Azure
Event Hubs" (https://learn.microsoft.com/azure/event-hubs/apache-kafka-configurations), not
read from contract.eventhubs_kafka, so that a wrong value there fails. No SparkSession starts.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import pytest
from confluent_kafka import Producer
from typer.testing import CliRunner

from contract.tables import Locations
from environments import load_environment
from jobs.kafka_source import kafka_options
from jobs.settings import StageSettings
from simulator.cli import app
from simulator.transports import TransportConfigError
from simulator.transports.kafka import producer_config

FAKE_CONN = (
    "Endpoint=sb://example.servicebus.windows.net/;SharedAccessKeyName=k;"
    "SharedAccessKey=not-a-secret"
)
Rules = Mapping[str, Callable[[object], bool]]

# Azure closes connections idle for 240 s; Event Hubs takes at least 20 s to time a request out.
EVERY_CLIENT: Rules = {
    "metadata.max.age.ms": lambda v: int(v) < 240_000,
    "connections.max.idle.ms": lambda v: 0 < int(v) < 240_000,
    "request.timeout.ms": lambda v: int(v) >= 60_000,
}
LIBRDKAFKA_PRODUCER: Rules = {
    **EVERY_CLIENT,
    "socket.keepalive.enable": lambda v: v is True,
    "compression.type": lambda v: v in ("none", "gzip"),
    "message.max.bytes": lambda v: int(v) < 1_046_528,
}
JAVA_CONSUMER: Rules = {
    **EVERY_CLIENT,
    "session.timeout.ms": lambda v: 30_000 <= int(v) <= 300_000,
}


def broken(settings: Mapping[str, object], rules: Rules) -> list[str]:
    return [key for key, holds in rules.items() if key not in settings or not holds(settings[key])]


ENVIRON = {"EVENTHUB_CONNECTION_STRING": FAKE_CONN}  # the variable dev.yaml names


def simulator_config(env: str, **kwargs) -> dict:
    return producer_config(load_environment(env).kafka, environ=ENVIRON, **kwargs)


def spark_options(env: str) -> dict[str, str]:
    settings = StageSettings(
        env=load_environment(env),
        trigger="available-now",
        locations=Locations(lake_root="/tmp/lake", checkpoint_root="/tmp/checkpoints"),
        bootstrap_servers="example.servicebus.windows.net:9093",
    )
    return kafka_options(settings, ENVIRON)


def test_the_simulators_producer_follows_the_rules():
    config = simulator_config("dev")
    assert broken(config, LIBRDKAFKA_PRODUCER) == []
    # Standard namespaces take no compression at all: gzip only on Premium and Dedicated.
    assert config["compression.type"] == "none"
    assert config["security.protocol"] == "SASL_SSL"


def test_the_jobs_kafka_source_follows_the_rules():
    options = spark_options("dev")
    consumer = {k.removeprefix("kafka."): v for k, v in options.items() if k.startswith("kafka.")}
    assert broken(consumer, JAVA_CONSUMER) == []
    assert options["kafka.security.protocol"] == "SASL_SSL"


def test_librdkafka_takes_every_setting_of_the_event_hubs_producer():
    """Built without bootstrap servers, the producer checks its settings and connects nowhere."""
    config = simulator_config("dev")
    del config["bootstrap.servers"]
    Producer(config).flush(0)


def test_gzip_is_taken_and_other_codecs_refused():
    assert simulator_config("dev", compression="gzip")["compression.type"] == "gzip"
    with pytest.raises(TransportConfigError, match="^--compression lz4: "):
        simulator_config("dev", compression="lz4")


def test_an_explicit_lz4_against_event_hubs_is_one_line_and_exit_2():
    result = CliRunner().invoke(
        app,
        ["--env", "dev", "--count", "1", "--compression", "lz4"],
        env=ENVIRON,
    )
    assert result.exit_code == 2, result.exception
    assert result.stderr.splitlines() == [
        "simulator: --compression lz4: Event Hubs' Kafka endpoint takes none or gzip"
    ]


def test_the_local_broker_keeps_its_own_tuning():
    config = simulator_config("local")
    assert config["compression.type"] == "lz4"
    assert simulator_config("local", compression="zstd")["compression.type"] == "zstd"
    options = spark_options("local")
    assert options["kafka.request.timeout.ms"] == "60000"
    assert options["kafka.session.timeout.ms"] == "30000"
    for key in ("metadata.max.age.ms", "connections.max.idle.ms", "socket.keepalive.enable"):
        assert key not in config and f"kafka.{key}" not in options

"""confluent-kafka producer: idempotent, acks=all, batched (and lz4 on the local broker) for speed.

Only failed deliveries are reported (`delivery.report.only.error`), so a delivered event costs
no Python callback: delivered = produced - failed once the queue has drained.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Mapping
from functools import partial

import orjson
from confluent_kafka import KafkaError, KafkaException, Producer

from contract import eventhubs_kafka
from environments.model import KafkaSettings
from simulator.records import Kind, Record
from simulator.transports import (
    OnFailed,
    SendAborted,
    TransportConfigError,
    connection_string,
    namespace_host,
)

LOCAL_COMPRESSION = "lz4"

# librdkafka's own log lines would repeat what error_cb reports once, in a shorter form.
_QUIET = logging.getLogger("simulator.librdkafka")
_QUIET.addHandler(logging.NullHandler())
_QUIET.propagate = False


def producer_config(
    kafka: KafkaSettings,
    *,
    bootstrap_servers: str | None = None,
    compression: str | None = None,
    delivery_timeout_seconds: float = 120.0,
    overrides: Mapping[str, str] | None = None,
    environ: Mapping[str, str] = os.environ,
) -> dict:
    """librdkafka settings for this environment; `overrides` (from -X key=value) win.

    No `compression` means the target's own: lz4 on the local broker, none on Event Hubs.
    """
    config: dict = {
        "client.id": "order-simulator",
        # Event Hubs takes it on every tier (contract.eventhubs_kafka says where that is written).
        "enable.idempotence": True,
        "acks": "all",
        "linger.ms": 25,
        "batch.num.messages": 10_000,
        "batch.size": 1_000_000,
        "queue.buffering.max.messages": 500_000,
        "compression.type": LOCAL_COMPRESSION,
        # Retries with back-off happen inside librdkafka until this much time has passed.
        "message.timeout.ms": int(delivery_timeout_seconds * 1000),
        "retry.backoff.ms": 100,
        "retry.backoff.max.ms": 2_000,
        "reconnect.backoff.ms": 100,
        "reconnect.backoff.max.ms": 5_000,
        "delivery.report.only.error": True,
    }
    servers = bootstrap_servers or kafka.bootstrap_servers
    if kafka.security_protocol == "SASL_SSL":
        if compression is not None and compression not in eventhubs_kafka.COMPRESSIONS:
            raise TransportConfigError(
                f"--compression {compression}: Event Hubs' Kafka endpoint takes "
                + " or ".join(eventhubs_kafka.COMPRESSIONS)
            )
        conn = connection_string(kafka, environ)
        servers = servers or f"{namespace_host(conn)}:{eventhubs_kafka.KAFKA_PORT}"
        config |= eventhubs_kafka.librdkafka_producer_settings() | {
            "security.protocol": "SASL_SSL",
            "sasl.mechanism": "PLAIN",
            "sasl.username": "$ConnectionString",
            "sasl.password": conn,
        }
    if compression is not None:
        config["compression.type"] = compression
    if not servers:
        raise TransportConfigError(
            "no Kafka bootstrap servers: set kafka.bootstrap_servers or pass --bootstrap-servers"
        )
    config["bootstrap.servers"] = servers
    return config | dict(overrides or {})


def parse_overrides(options: list[str]) -> dict[str, str]:
    """`-X key=value` options, as kcat takes them."""
    parsed = {}
    for option in options:
        key, sep, value = option.partition("=")
        if not sep or not key.strip():
            raise TransportConfigError(f"--producer-option {option!r}: expected KEY=VALUE")
        parsed[key.strip()] = value.strip()
    return parsed


class KafkaTransport:
    def __init__(
        self,
        config: dict,
        topic: str,
        on_failed: OnFailed,
        should_stop: Callable[[], bool],
        warn: Callable[[str], None],
    ) -> None:
        self.destination = f"kafka topic {topic} at {config['bootstrap.servers']}"
        self.broken: str | None = None
        self._topic = topic
        self._on_failed = on_failed
        self._should_stop = should_stop
        self._warn = warn
        self._warned: set[int] = set()
        try:
            self._producer = Producer(
                config
                | {"on_delivery": self._plain_failed, "error_cb": self._error, "logger": _QUIET}
            )
        except KafkaException as exc:
            raise TransportConfigError(f"kafka producer settings: {exc.args[0].str()}") from None
        self._produce = self._producer.produce

    def send(self, record: Record) -> None:
        try:
            self._produce_record(record)
        except BufferError:
            self._send_when_room(record)
        except KafkaException as exc:
            self._on_failed(record, exc.args[0].str())

    def _send_when_room(self, record: Record) -> None:
        """The local queue is full (broker slow or down): serve reports until there is room."""
        while True:
            self._producer.poll(0.05)
            if self._should_stop() or self.broken:
                raise SendAborted
            try:
                self._produce_record(record)
                return
            except BufferError:
                continue

    def _produce_record(self, record: Record) -> None:
        if record.kind:  # rare: carry the record so a failure is counted under its kind
            self._produce(
                self._topic, record.payload, record.key, on_delivery=partial(self._failed, record)
            )
        else:
            self._produce(self._topic, record.payload, record.key)

    def _failed(self, record: Record, err: KafkaError | None, _msg) -> None:
        if err is not None:
            self._on_failed(record, err.str())

    def _plain_failed(self, err: KafkaError | None, msg) -> None:
        """A plain valid event failed: rebuild its record from the message itself."""
        if err is not None:
            payload = msg.value()
            record = Record(payload, msg.key().decode(), Kind.VALID, None, orjson.loads(payload))
            self._on_failed(record, err.str())

    def _error(self, err: KafkaError) -> None:
        if err.fatal():
            self.broken = f"kafka: {err.str()}"
        if err.code() not in self._warned:
            self._warned.add(err.code())
            self._warn(f"kafka: {err.str()} (retrying until the delivery timeout)")

    def poll(self) -> None:
        self._producer.poll(0)

    def in_flight(self) -> int:
        return len(self._producer)

    def close(self, timeout: float, give_up: Callable[[], bool] = lambda: False) -> None:
        deadline = time.monotonic() + timeout
        while len(self._producer) and not give_up():
            left = deadline - time.monotonic()
            if left <= 0:
                break
            self._producer.flush(min(left, 0.5))
        if len(self._producer):
            # Whatever is still queued or unacknowledged is reported failed, never delivered.
            self._producer.purge(in_queue=True, in_flight=True, blocking=True)
            self._producer.flush(1)

"""The client settings Event Hubs' Kafka endpoint needs, for the simulator and the jobs alike.

From Microsoft's "Apache Kafka client configurations for Azure Event Hubs"
(https://learn.microsoft.com/azure/event-hubs/apache-kafka-configurations) unless said otherwise.
They apply to environments with `security_protocol: SASL_SSL`; the local broker keeps its own
tuning, which is what the benchmark measures.
"""

from __future__ import annotations

# The namespace's Kafka endpoint: <namespace>.servicebus.windows.net:9093 (SASL_SSL).
KAFKA_PORT = 9093


def kafka_endpoint(namespace: str) -> str:
    return f"{namespace}.servicebus.windows.net:{KAFKA_PORT}"


# Azure closes a connection idle for 240 s: refresh metadata and drop idle connections sooner,
# or a client sends on a dead connection (seen as expired batches).
METADATA_MAX_AGE_MS = 180_000
CONNECTIONS_MAX_IDLE_MS = 180_000
# Event Hubs itself times a request out after 20 s at least; shorter client timeouts end in
# needless retries, and consumers that time out rebalance again and again.
REQUEST_TIMEOUT_MS = 60_000
SESSION_TIMEOUT_MS = 30_000
# The service closes the connection on a produce request over 1,046,528 bytes.
MAX_REQUEST_BYTES = 1_000_000
# gzip is the only codec the endpoint knows, and "What is Azure Event Hubs for Apache Kafka?"
# (https://learn.microsoft.com/azure/event-hubs/azure-event-hubs-apache-kafka-overview) says
# only Premium and Dedicated namespaces take compressed batches: Standard ones (dev, prod) none.
COMPRESSIONS = ("none", "gzip")
DEFAULT_COMPRESSION = "none"


def librdkafka_producer_settings() -> dict[str, object]:
    """In librdkafka's names.

    The idempotent producer (`enable.idempotence`, `acks=all`) may stay on: the configuration
    guide says to keep it enabled, and "Frequently asked questions - Event Hubs for Apache Kafka"
    says Event Hubs supports idempotent producers, naming no tier. Only transactions (a
    `transactional.id`) are Premium and Dedicated, in preview; the simulator uses none.
    """
    return {
        # The guide's librdkafka table: needed so that Azure does not close idle connections.
        "socket.keepalive.enable": True,
        "metadata.max.age.ms": METADATA_MAX_AGE_MS,
        "connections.max.idle.ms": CONNECTIONS_MAX_IDLE_MS,
        "request.timeout.ms": REQUEST_TIMEOUT_MS,
        # librdkafka's bound on a produce request: Java's max.request.size.
        "message.max.bytes": MAX_REQUEST_BYTES,
        "compression.type": DEFAULT_COMPRESSION,
    }


def spark_source_options() -> dict[str, str]:
    """Options of Spark's Kafka source, which hands `kafka.*` to its Java consumer."""
    consumer = {
        "metadata.max.age.ms": METADATA_MAX_AGE_MS,
        "connections.max.idle.ms": CONNECTIONS_MAX_IDLE_MS,
        "request.timeout.ms": REQUEST_TIMEOUT_MS,
        "session.timeout.ms": SESSION_TIMEOUT_MS,
    }
    return {f"kafka.{key}": str(value) for key, value in consumer.items()}

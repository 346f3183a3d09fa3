"""Where records go: Kafka (a local broker or Event Hubs' Kafka endpoint), Event Hubs, stdout.

Every transport reports each record it could not deliver through `on_failed`, exactly once;
anything not reported by the time `close()` returns was delivered.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Protocol
from urllib.parse import urlparse

from environments.model import KafkaSettings
from simulator.records import Record

OnFailed = Callable[[Record, str], None]


class TransportConfigError(Exception):
    """Settings a transport cannot start with (missing secret, bad option): exit code 2."""

    exit_code = 2


class SendAborted(Exception):
    """A send stopped waiting for room because the run is stopping; the record was not sent."""


class Transport(Protocol):
    destination: str
    # Set when generating more is pointless (output closed, fatal producer error): why.
    broken: str | None

    def send(self, record: Record) -> None: ...

    def poll(self) -> None:
        """Serve delivery reports and write out what is pending; called between chunks."""

    def in_flight(self) -> int:
        """Records sent but neither delivered nor reported failed yet."""

    def close(self, timeout: float, give_up: Callable[[], bool]) -> None:
        """Deliver what is pending within `timeout` s (or until `give_up()`), report the rest
        as failed, release."""


def connection_string(kafka: KafkaSettings, environ: Mapping[str, str] = os.environ) -> str:
    """The Event Hubs connection string, read from the variable the environment file names.

    Checked here as the Event Hubs SDK checks it, so that a bad one ends in one line naming the
    variable, for either transport, before anything connects.
    """
    var = kafka.connection_string_env
    if not var:
        raise TransportConfigError(
            "this environment has no kafka.connection_string_env: "
            "Event Hubs needs a connection string"
        )
    value = environ.get(var, "").strip()
    if not value:
        raise TransportConfigError(
            f"environment variable {var} is not set: it must hold the Event Hubs connection string"
        )
    try:
        _fields(value)
    except ValueError as exc:
        raise TransportConfigError(
            f"environment variable {var} is not an Event Hubs connection string: {exc}"
        ) from None
    return value


def namespace_host(conn: str) -> str:
    """`Endpoint=sb://ns.servicebus.windows.net/;...` -> `ns.servicebus.windows.net`."""
    return urlparse(_fields(conn)["endpoint"]).netloc


def _fields(conn: str) -> dict[str, str]:
    """`Key=value;...` by lower-cased key, refused (ValueError) where azure-eventhub refuses it.

    The reasons never quote the string: it holds a key.
    """
    pairs = [part.split("=", 1) for part in conn.rstrip(";").split(";")]
    if any(len(pair) != 2 or not all(pair) for pair in pairs):
        raise ValueError("expected Key=value pairs separated by ';'")
    fields = {key.lower(): value for key, value in pairs}
    if len(fields) != len(pairs):
        raise ValueError("a key appears twice")
    if not urlparse(fields.get("endpoint", "")).netloc:
        raise ValueError("no Endpoint=sb://<namespace>.servicebus.windows.net/")
    named, key = "sharedaccesskeyname" in fields, "sharedaccesskey" in fields
    if named != key or not (key or "sharedaccesssignature" in fields):
        raise ValueError("expected SharedAccessKeyName and SharedAccessKey")
    return fields

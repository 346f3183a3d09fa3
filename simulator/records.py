"""What the simulator emits: one payload with the label a test needs to count it."""

from __future__ import annotations

from enum import IntEnum
from typing import NamedTuple

from contract.rejects import Reason


class Kind(IntEnum):
    """VALID is 0 so that the hot path can test `if record.kind:` for anything special."""

    VALID = 0
    LATE = 1  # valid, with its timestamp set back; silver must still accept it
    DUPLICATE = 2  # byte-for-byte resend of a recent valid event
    BAD = 3  # exactly one fault, labelled with the reason silver must give it


class Record(NamedTuple):
    payload: bytes
    key: str  # the state: Kafka message key and Event Hubs partition key
    kind: Kind
    reason: Reason | None  # only for BAD
    event: dict | None  # the order as sent, for VALID, LATE and DUPLICATE

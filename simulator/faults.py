"""Faults injected on purpose: bad records (one fault each, labelled), duplicates, late events.

Every bad record carries the `Reason` silver must give it, so tests count rejects without the
pipeline's help. Payloads never contain a newline, so the stdout transport stays one per line.
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Callable

import orjson

from contract.events import FIELD_NAMES
from contract.geography import STATE_CITIES, STATES, normalize_city
from contract.rejects import Reason
from simulator.records import Kind, Record

DAY_MS = 86_400_000
# With a virtual clock the start time may be long past; a far-future shift keeps these records
# in the future at ingestion whatever the start time, without reading the wall clock.
VIRTUAL_FUTURE_SHIFT_MS = 100 * 365 * DAY_MS
# Duplicates are resends of one of the last this-many valid events.
RECENT = 128

NOT_A_STATE = ("PR", "GU", "VI", "AS", "XX", "ZZ")
INVALID_UTF8 = (b"\xe9", b"\xff", b"\xc3\x28")
_ALL_CITIES = tuple(sorted({c for s in STATES.values() for c in s.cities}))
_PLACEHOLDER = "\x00placeholder\x00"
_PLACEHOLDER_JSON = orjson.dumps(_PLACEHOLDER)


def _with_raw(event: dict, field: str, raw: bytes) -> bytes:
    """Serialize `event` with `field` written as raw bytes that orjson itself would never write."""
    return orjson.dumps({**event, field: _PLACEHOLDER}).replace(_PLACEHOLDER_JSON, raw, 1)


def _changed(event: dict, **fields) -> bytes:
    return orjson.dumps({**event, **fields})


class BadRecords:
    """Makes one bad record from a valid event: kind chosen uniformly, one fault per record."""

    def __init__(self, rng: random.Random, format_ms: Callable[[int], str], virtual: bool) -> None:
        self._rng = rng
        self._format = format_ms
        self._future_shift = VIRTUAL_FUTURE_SHIFT_MS if virtual else 0
        self.kinds: tuple[tuple[str, Reason, Callable[[dict, int], bytes]], ...] = (
            ("not_json", Reason.NOT_JSON, self.not_json),
            ("truncated_json", Reason.NOT_JSON, self.truncated_json),
            ("not_utf8", Reason.NOT_UTF8, self.not_utf8),
            ("missing_field", Reason.MISSING_FIELD, self.missing_field),
            ("wrong_type", Reason.WRONG_TYPE, self.wrong_type),
            ("bad_quantity", Reason.BAD_QUANTITY, self.bad_quantity),
            ("bad_price", Reason.BAD_PRICE, self.bad_price),
            ("unknown_state", Reason.UNKNOWN_STATE, self.unknown_state),
            ("city_not_in_state", Reason.CITY_NOT_IN_STATE, self.city_not_in_state),
            ("bad_timestamp", Reason.BAD_TIMESTAMP, self.bad_timestamp),
            ("future_timestamp", Reason.FUTURE_TIMESTAMP, self.future_timestamp),
        )

    def make(self, event: dict, ms: int) -> Record:
        """`event` is a valid order stamped at `ms`; it is not modified."""
        _, reason, make = self._rng.choice(self.kinds)
        return Record(make(event, ms), event["state"], Kind.BAD, reason, None)

    def not_json(self, event: dict, ms: int) -> bytes:
        e = event
        text = f"ORDER {e['order_id']} {e['state']} {e['city']} {e['product']} x{e['quantity']}"
        return self._rng.choice(
            (text, text.replace(" ", ","), f"<order id='{e['order_id']}'/>")
        ).encode()

    def truncated_json(self, event: dict, ms: int) -> bytes:
        # Any proper prefix of a JSON object lacks its closing brace, so it never parses.
        payload = orjson.dumps(event)
        return payload[: self._rng.randrange(len(payload) // 4, len(payload) - 1)]

    def not_utf8(self, event: dict, ms: int) -> bytes:
        # A producer writing Latin-1 or broken bytes into a free-text field; nothing else is wrong.
        raw = event["customer_id"].encode() + self._rng.choice(INVALID_UTF8)
        return _with_raw(event, "customer_id", b'"' + raw + b'"')

    def missing_field(self, event: dict, ms: int) -> bytes:
        field = self._rng.choice(FIELD_NAMES)
        if self._rng.random() < 0.5:
            return _changed(event, **{field: None})
        return orjson.dumps({k: v for k, v in event.items() if k != field})

    def wrong_type(self, event: dict, ms: int) -> bytes:
        q, p = event["quantity"], event["price"]
        change = self._rng.choice(
            ({"quantity": str(q)}, {"price": f"{p:.2f}"}, {"quantity": q + 0.5})
        )
        return _changed(event, **change)

    def bad_quantity(self, event: dict, ms: int) -> bytes:
        return _changed(event, quantity=self._rng.choice((0, -1, -2, -5)))

    def bad_price(self, event: dict, ms: int) -> bytes:
        # 1e999 is valid JSON that parses to infinity; the NaN token is not JSON at all.
        raw = self._rng.choice(
            (b"0", b"0.0", b"-" + orjson.dumps(event["price"]), b"1e999", b"-1e999")
        )
        return _with_raw(event, "price", raw)

    def unknown_state(self, event: dict, ms: int) -> bytes:
        return _changed(event, state=self._rng.choice(NOT_A_STATE))

    def city_not_in_state(self, event: dict, ms: int) -> bytes:
        state = event["state"]
        while True:
            city = self._rng.choice(_ALL_CITIES)
            if (state, normalize_city(city)) not in STATE_CITIES:
                return _changed(event, city=city)

    def bad_timestamp(self, event: dict, ms: int) -> bytes:
        ts = event["timestamp"]
        text = self._rng.choice(
            (
                "not a timestamp",
                "yesterday",
                ts.replace("T", " at "),
                f"{ts[:5]}13{ts[7:]}",  # month 13
                f"{ts[:11]}25{ts[13:]}",  # hour 25
            )
        )
        return _changed(event, timestamp=text)

    def future_timestamp(self, event: dict, ms: int) -> bytes:
        ahead = self._rng.randint(2 * DAY_MS, 30 * DAY_MS) + self._future_shift
        return _changed(event, timestamp=self._format(ms + ahead))


class RecentValid:
    """A small ring of recent valid events, the only ones that get duplicated."""

    def __init__(self, rng: random.Random, size: int = RECENT) -> None:
        self._rng = rng
        self._ring: deque[Record] = deque(maxlen=size)
        self.append = self._ring.append

    def duplicate(self) -> Record | None:
        if not self._ring:
            return None
        original = self._ring[self._rng.randrange(len(self._ring))]
        return original._replace(kind=Kind.DUPLICATE)


def set_back(rng: random.Random, max_lateness_seconds: int) -> int:
    """How many milliseconds a late event's timestamp goes back: 1 s to the maximum lateness."""
    return rng.randint(1000, max(1000, max_lateness_seconds * 1000))

"""An independent, deliberately plain reading of the order contract, for the simulator's tests.

It decides which rules a payload breaks without using any simulator code, so the tests can
check that every bad record breaks exactly the one rule it is labelled with.
"""

from __future__ import annotations

import json
import math
import re
import time
import uuid
from datetime import UTC, datetime
from decimal import Decimal

from contract.catalog import PRODUCTS_BY_NAME
from contract.events import (
    CHANNELS,
    CURRENCY,
    FIELDS,
    PAYMENT_METHODS,
    REVENUE_PRECISION,
    REVENUE_SCALE,
    SCHEMA_VERSION,
)
from contract.geography import STATE_CITIES, STATES, normalize_city
from contract.rejects import MAX_CLOCK_SKEW_SECONDS, Reason

TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")


def _revenue_overflows(typed: dict) -> bool:
    price = Decimal(str(typed["price"])).quantize(Decimal("0.01"))
    return abs(typed["quantity"] * price) >= Decimal(10) ** (REVENUE_PRECISION - REVENUE_SCALE)


def _type_ok(value, json_type: str) -> bool:
    if isinstance(value, bool):
        return False
    return {
        "string": isinstance(value, str),
        "integer": isinstance(value, int),
        "number": isinstance(value, int | float),
    }[json_type]


def parse_timestamp(text: str) -> datetime | None:
    if not TIMESTAMP.match(text):
        return None
    try:
        return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    except ValueError:
        return None


def violations(payload: bytes, now: float | None = None) -> list[Reason]:
    """Every rule `payload` breaks, [] if none; a check that needs an absent field is skipped."""
    try:
        text = payload.decode("utf-8")
    except UnicodeDecodeError:
        return [Reason.NOT_UTF8]
    if "NaN" in text or "Infinity" in text:
        raise AssertionError(f"not JSON tokens in {text!r}")
    try:
        event = json.loads(text)
    except ValueError:
        return [Reason.NOT_JSON]
    if not isinstance(event, dict):
        return [Reason.NOT_JSON]
    found: list[Reason] = []
    present = {f.name: event[f.name] for f in FIELDS if event.get(f.name) is not None}
    if len(present) < len(FIELDS):
        found.append(Reason.MISSING_FIELD)
    typed = {
        f.name: present[f.name]
        for f in FIELDS
        if f.name in present and _type_ok(present[f.name], f.json_type)
    }
    if len(typed) < len(present):
        found.append(Reason.WRONG_TYPE)
    if "quantity" in typed and typed["quantity"] < 1:
        found.append(Reason.BAD_QUANTITY)
    if "price" in typed and (not math.isfinite(typed["price"]) or typed["price"] <= 0):
        found.append(Reason.BAD_PRICE)
    elif "quantity" in typed and "price" in typed and _revenue_overflows(typed):
        found.append(Reason.BAD_REVENUE)
    if "state" in typed:
        if typed["state"] not in STATES:
            found.append(Reason.UNKNOWN_STATE)
        elif (
            "city" in typed and (typed["state"], normalize_city(typed["city"])) not in STATE_CITIES
        ):
            found.append(Reason.CITY_NOT_IN_STATE)
    if "timestamp" in typed:
        moment = parse_timestamp(typed["timestamp"])
        if moment is None:
            found.append(Reason.BAD_TIMESTAMP)
        elif moment.timestamp() > (now or time.time()) + MAX_CLOCK_SKEW_SECONDS:
            found.append(Reason.FUTURE_TIMESTAMP)
    if typed.get("schema_version", SCHEMA_VERSION) != SCHEMA_VERSION:
        found.append(Reason.UNSUPPORTED_VERSION)
    if "order_id" in typed:
        try:
            uuid.UUID(typed["order_id"])
        except ValueError:
            found.append(Reason.BAD_ORDER_ID)
    if (
        typed.get("currency", CURRENCY) != CURRENCY
        or typed.get("channel", CHANNELS[0]) not in CHANNELS
        or typed.get("payment_method", PAYMENT_METHODS[0]) not in PAYMENT_METHODS
    ):
        found.append(Reason.BAD_VALUE)
    return found


def is_plausible(event: dict) -> bool:
    """Beyond the rejects: product and category from the catalog, price in range with cents."""
    product = PRODUCTS_BY_NAME.get(event["product"])
    price = event["price"]
    return (
        product is not None
        and event["category"] == product.category
        and product.min_price <= price <= product.max_price
        and Decimal(repr(price)).as_tuple().exponent >= -2
        and set(event) == {f.name for f in FIELDS}
        and list(event) == [f.name for f in FIELDS]
    )

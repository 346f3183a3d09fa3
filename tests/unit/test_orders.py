"""Valid orders: realistic distributions, contract-shaped, and reproducible from a seed."""

from __future__ import annotations

import math
import time
from collections import Counter
from itertools import islice

import orjson
import pytest

from contract.catalog import PRODUCTS
from contract.events import CHANNELS, PAYMENT_METHODS
from contract.geography import STATE_CITIES, STATES, normalize_city
from simulator.clock import parse_instant
from simulator.orders import CUSTOMER_POOL, generate_orders
from simulator.records import Kind
from simulator.stream import StreamSettings, records
from tests.unit.reference_check import is_plausible, parse_timestamp, violations

N = 100_000
START = parse_instant("2025-06-01T10:00:00Z")


def within(observed: int, n: int, p: float, sds: float = 5.0) -> bool:
    """Binomial tolerance: `observed` of `n` is within `sds` standard deviations of n * p."""
    return abs(observed - n * p) <= sds * math.sqrt(n * p * (1 - p))


@pytest.fixture(scope="module")
def orders() -> list[dict]:
    return list(islice(generate_orders(seed=11), N))


@pytest.fixture(scope="module")
def valid_events() -> list[dict]:
    """Wire events from the stream with every fault turned off."""
    settings = StreamSettings(seed=5, rate=1000, start_ms=START)
    return [orjson.loads(r.payload) for r in islice(records(settings), 20_000)]


def test_states_follow_population(orders):
    total = sum(s.population for s in STATES.values())
    seen = Counter(o["state"] for o in orders)
    assert set(seen) == set(STATES)
    off = {
        code: seen[code] / N
        for code, s in STATES.items()
        if not within(seen[code], N, s.population / total)
    }
    assert not off, f"state shares off their population share: {off}"
    assert seen["CA"] > seen["TX"] > seen["WY"]


def test_cities_belong_to_their_state(orders):
    assert all((o["state"], normalize_city(o["city"])) in STATE_CITIES for o in orders)
    assert len({(o["state"], o["city"]) for o in orders}) == len(STATE_CITIES)


def test_products_follow_their_weights_at_catalog_prices(orders):
    total = sum(p.weight for p in PRODUCTS)
    seen = Counter(o["product"] for o in orders)
    for product in PRODUCTS:
        assert within(seen[product.name], N, product.weight / total), product.name
    prices = [o["price"] for o in orders]
    assert all(isinstance(p, float) for p in prices)
    laptops = [o["price"] for o in orders if o["product"] == "Laptop"]
    assert min(laptops) >= 499.00 and max(laptops) <= 2499.00
    assert max(laptops) - min(laptops) > 1500  # spread over the range, not one price


def test_quantities_are_mostly_one_to_three(orders):
    quantities = Counter(o["quantity"] for o in orders)
    assert min(quantities) >= 1
    assert sum(quantities[q] for q in (1, 2, 3)) / N > 0.85
    assert quantities[1] > quantities[2] > quantities[3]
    assert max(quantities) > 3


def test_customers_come_from_a_bounded_pool(orders):
    customers = Counter(o["customer_id"] for o in orders)
    assert len(customers) <= CUSTOMER_POOL
    assert max(customers.values()) > 1  # returning customers


def test_channels_and_payment_methods_are_the_contract_lists(orders):
    assert {o["channel"] for o in orders} == set(CHANNELS)
    assert {o["payment_method"] for o in orders} == set(PAYMENT_METHODS)


def test_order_ids_are_unique_version_4_uuids(orders):
    ids = [o["order_id"] for o in orders]
    assert len(set(ids)) == len(ids)
    assert all(i[14] == "4" and i[19] in "89ab" for i in ids)


def test_every_valid_event_matches_the_contract(valid_events):
    broken = [e for e in valid_events if violations(orjson.dumps(e)) or not is_plausible(e)]
    assert not broken, broken[:3]


def test_virtual_clock_spaces_events_by_the_rate(valid_events):
    first, second, last = (parse_timestamp(valid_events[i]["timestamp"]) for i in (0, 1, -1))
    assert first.isoformat() == "2025-06-01T10:00:00+00:00"
    assert (second - first).total_seconds() == pytest.approx(0.001)
    assert (last - first).total_seconds() == pytest.approx(
        (len(valid_events) - 1) / 1000, abs=0.001
    )


def _payloads(seed: int, start_ms: int | None = START, n: int = 5000) -> list[bytes]:
    settings = StreamSettings(
        seed=seed, rate=2000, start_ms=start_ms, bad_rate=0.05, duplicate_rate=0.02, late_rate=0.03
    )
    return [r.payload for r in islice(records(settings), n)]


def test_same_seed_and_start_time_give_identical_bytes():
    assert _payloads(3) == _payloads(3)


def test_a_different_seed_or_start_time_gives_different_events():
    base = _payloads(3)
    assert _payloads(4) != base
    assert _payloads(3, START + 60_000) != base
    assert len(set(_payloads(4)) & set(base)) == 0


def test_without_a_start_time_events_carry_the_wall_clock():
    before = time.time()
    stamped = [r for r in islice(records(StreamSettings(seed=1)), 100)]
    after = time.time()
    assert {r.kind for r in stamped} == {Kind.VALID}
    for r in stamped:
        moment = parse_timestamp(orjson.loads(r.payload)["timestamp"]).timestamp()
        assert before - 0.001 <= moment <= after

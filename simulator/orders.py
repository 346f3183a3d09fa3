"""Valid order events: states by population, real cities, catalog products at catalog prices.

Random draws are made in blocks with precomputed cumulative weights, so the per-event work is
a few tuple lookups, one UUID and one dict; the generator is the simulator's hot path.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from itertools import accumulate

from contract.catalog import PRODUCTS
from contract.events import CHANNELS, CURRENCY, PAYMENT_METHODS, SCHEMA_VERSION
from contract.geography import STATES

BLOCK = 1024
CUSTOMER_POOL = 50_000

# Units per order: mostly one to three.
QUANTITY_WEIGHTS: dict[int, float] = {
    1: 62, 2: 22, 3: 9, 4: 3.5, 5: 1.5, 6: 0.8, 8: 0.5, 10: 0.4, 12: 0.3,
}  # fmt: skip
CHANNEL_WEIGHTS: dict[str, float] = {"web": 48, "mobile": 42, "marketplace": 10}
PAYMENT_WEIGHTS: dict[str, float] = {"card": 62, "paypal": 18, "apple_pay": 14, "gift_card": 6}
assert set(CHANNEL_WEIGHTS) == set(CHANNELS) and set(PAYMENT_WEIGHTS) == set(PAYMENT_METHODS)

# One draw picks a (state, city) pair: each state's population is split evenly over its cities.
PLACES: tuple[tuple[str, str], ...] = tuple(
    (s.code, city) for s in STATES.values() for city in s.cities
)
PLACE_CUM: tuple[float, ...] = tuple(
    accumulate(s.population / len(s.cities) for s in STATES.values() for _ in s.cities)
)
# (name, category, lowest price in cents, number of cents in the range)
ITEMS: tuple[tuple[str, str, int, int], ...] = tuple(
    (
        p.name,
        p.category,
        round(p.min_price * 100),
        round(p.max_price * 100) - round(p.min_price * 100) + 1,
    )
    for p in PRODUCTS
)
ITEM_CUM: tuple[float, ...] = tuple(accumulate(p.weight for p in PRODUCTS))
QUANTITIES = tuple(QUANTITY_WEIGHTS)
QUANTITY_CUM = tuple(accumulate(QUANTITY_WEIGHTS.values()))
CHANNEL_PAYMENTS: tuple[tuple[str, str], ...] = tuple(
    (c, p) for c in CHANNEL_WEIGHTS for p in PAYMENT_WEIGHTS
)
CHANNEL_PAYMENT_CUM = tuple(
    accumulate(cw * pw for cw in CHANNEL_WEIGHTS.values() for pw in PAYMENT_WEIGHTS.values())
)

# UUID version 4 and RFC 4122 variant bits, applied to 128 random bits.
_UUID_CLEAR = ~((0xF000 << 64) | (0xC000 << 48)) & ((1 << 128) - 1)
_UUID_SET = (0x4000 << 64) | (0x8000 << 48)


def customer_pool(size: int = CUSTOMER_POOL) -> tuple[str, ...]:
    """The same pseudonymous customers for every seed, so that customers recur across runs."""
    rng = random.Random("customers")
    return tuple(f"cus_{rng.getrandbits(48):012x}" for _ in range(size))


def generate_orders(seed: int) -> Iterator[dict]:
    """Endless valid orders for `seed`, without `timestamp`: the caller stamps each as it sends it.

    Fields are in contract order, so adding `timestamp` last keeps the JSON in contract order.
    """
    rng = random.Random(f"orders/{seed}")
    choices, getrandbits, uniform = rng.choices, rng.getrandbits, rng.random
    customers = customer_pool()
    while True:
        block = zip(
            choices(PLACES, cum_weights=PLACE_CUM, k=BLOCK),
            choices(ITEMS, cum_weights=ITEM_CUM, k=BLOCK),
            choices(QUANTITIES, cum_weights=QUANTITY_CUM, k=BLOCK),
            choices(CHANNEL_PAYMENTS, cum_weights=CHANNEL_PAYMENT_CUM, k=BLOCK),
            choices(customers, k=BLOCK),
            strict=True,
        )
        for (state, city), (product, category, low, span), quantity, (
            channel,
            payment,
        ), customer in block:
            h = "%032x" % (getrandbits(128) & _UUID_CLEAR | _UUID_SET)
            yield {
                "schema_version": SCHEMA_VERSION,
                "order_id": f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}",
                "customer_id": customer,
                "state": state,
                "city": city,
                "product": product,
                "category": category,
                "quantity": quantity,
                "price": (low + int(uniform() * span)) / 100,
                "currency": CURRENCY,
                "channel": channel,
                "payment_method": payment,
            }

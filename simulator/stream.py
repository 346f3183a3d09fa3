"""The record stream: valid orders with bad records, duplicates and late events mixed in.

Pure generation, no I/O: the same settings (seed, and start time for the virtual clock) give
the same records, byte for byte.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass

import orjson

from simulator.clock import TimestampFormatter, VirtualClock, wall_clock
from simulator.faults import BadRecords, RecentValid, set_back
from simulator.orders import generate_orders
from simulator.records import Kind, Record


@dataclass(frozen=True)
class StreamSettings:
    seed: int
    rate: float = 0.0  # events/s; only spaces the virtual clock here
    start_ms: int | None = None  # None: wall-clock timestamps
    bad_rate: float = 0.0
    duplicate_rate: float = 0.0
    late_rate: float = 0.0
    max_lateness_seconds: int = 60


def records(settings: StreamSettings) -> Iterator[Record]:
    """Endless records; each fault appears at its rate, as a fraction of all records."""
    orders = generate_orders(settings.seed)
    next_order = orders.__next__
    rng = random.Random(f"faults/{settings.seed}")
    draw = rng.random
    fmt = TimestampFormatter()
    virtual = settings.start_ms is not None
    clock = VirtualClock(settings.start_ms, settings.rate) if virtual else wall_clock
    bad = BadRecords(rng, fmt, virtual)
    recent = RecentValid(rng)
    remember = recent.append
    dumps = orjson.dumps
    bad_below = settings.bad_rate
    duplicate_below = bad_below + settings.duplicate_rate
    special_below = duplicate_below + settings.late_rate
    valid = Kind.VALID

    index = 0
    while True:
        ms = clock(index)
        index += 1
        r = draw()
        if r >= special_below:
            event = next_order()
            event["timestamp"] = fmt(ms)
            record = Record(dumps(event), event["state"], valid, None, event)
            remember(record)
            yield record
        elif r < bad_below:
            event = next_order()
            event["timestamp"] = fmt(ms)
            yield bad.make(event, ms)
        elif r < duplicate_below and (duplicate := recent.duplicate()) is not None:
            yield duplicate
        elif r >= duplicate_below:
            event = next_order()
            event["timestamp"] = fmt(ms - set_back(rng, settings.max_lateness_seconds))
            yield Record(dumps(event), event["state"], Kind.LATE, None, event)
        else:  # a duplicate before anything valid was sent: send a valid event instead
            event = next_order()
            event["timestamp"] = fmt(ms)
            record = Record(dumps(event), event["state"], valid, None, event)
            remember(record)
            yield record

"""Gold and quarantine tables made up for tests and the benchmark, typed from the contract.

The Arrow schema is derived from the Spark DDL in `contract.tables`, so a fixture cannot drift
from what the pipeline writes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from contract import events
from contract.arrow import arrow_schema
from contract.catalog import PRODUCTS
from contract.geography import STATES
from contract.tables import GOLD, GOLD_PARTITION, QUARANTINE, TABLES

GOLD_SCHEMA = arrow_schema(TABLES[GOLD].columns)
QUARANTINE_SCHEMA = arrow_schema(TABLES[QUARANTINE].columns)


def gold_rows(rows: Iterable[Mapping]) -> pa.Table:
    """A gold table from dicts with window_start, state, product, orders, units and revenue.

    The other columns are derived the way the pipeline derives them.
    """
    categories = {p.name: p.category for p in PRODUCTS}
    records = []
    for row in rows:
        start: datetime = row["window_start"]
        revenue = Decimal(str(row["revenue"])).quantize(Decimal("0.01"))
        orders = int(row["orders"])
        records.append(
            {
                "window_start": start,
                "window_end": start + timedelta(minutes=1),
                "window_date": start.date(),
                "state": row["state"],
                "product": row["product"],
                "category": categories.get(row["product"], "Unknown"),
                "orders": orders,
                "units": int(row.get("units", orders)),
                "revenue": revenue,
                "avg_order_value": (revenue / orders).quantize(Decimal("0.01")) if orders else None,
                "updated_at": row.get("updated_at", start + timedelta(seconds=59)),
            }
        )
    return pa.Table.from_pylist(records, schema=GOLD_SCHEMA)


def full_day_gold(day: date) -> pa.Table:
    """One row per minute x state x product for a whole day, built with Arrow kernels.

    Revenue is a deterministic function of the row's position, so the table is the same on
    every run.
    """
    states = sorted(STATES)
    products = [p.name for p in PRODUCTS]
    per_minute = len(states) * len(products)
    n = 1440 * per_minute
    index = pa.array(range(n), pa.int64())
    minute = pc.divide(index, per_minute)
    within = pc.subtract(index, pc.multiply(minute, per_minute))
    state_idx = pc.divide(within, len(products))
    product_idx = pc.subtract(within, pc.multiply(state_idx, len(products)))
    midnight = datetime(day.year, day.month, day.day, tzinfo=UTC)
    start_us = pc.add(pc.multiply(minute, 60_000_000), int(midnight.timestamp() * 1_000_000))
    window_start = start_us.cast(pa.timestamp("us", tz="UTC"))
    orders = pc.add(pc.bit_wise_and(pc.multiply(index, 7), 3), 1)
    cents = pc.add(pc.multiply(orders, 1999), pc.bit_wise_and(pc.multiply(index, 13), 1023))
    revenue = _cents_to_dollars(cents, events.TOTAL_PRECISION)
    categories = {p.name: p.category for p in PRODUCTS}
    columns = {
        "window_start": window_start,
        "window_end": pc.add(start_us, 60_000_000).cast(pa.timestamp("us", tz="UTC")),
        "window_date": pa.array([day] * n, pa.date32()),
        "state": pc.take(pa.array(states), state_idx),
        "product": pc.take(pa.array(products), product_idx),
        "category": pc.take(pa.array([categories[p] for p in products]), product_idx),
        "orders": orders,
        "units": pc.multiply(orders, 2),
        "revenue": revenue,
        "avg_order_value": _cents_to_dollars(pc.divide(cents, orders)),
        "updated_at": pc.add(start_us, 59_000_000).cast(pa.timestamp("us", tz="UTC")),
    }
    return pa.table([columns[f.name] for f in GOLD_SCHEMA], schema=GOLD_SCHEMA)


def _cents_to_dollars(cents: pa.Array, precision: int = events.REVENUE_PRECISION) -> pa.Array:
    """Exact DECIMAL(precision, 2) dollars from integer cents (int32 range)."""
    whole = cents.cast(pa.int32()).cast(pa.decimal128(10, 0))
    return pc.multiply(whole, pa.scalar(Decimal("0.01"), pa.decimal128(3, 2))).cast(
        pa.decimal128(precision, events.REVENUE_SCALE)
    )


def quarantine_rows(reasons: Mapping[str, int], at: datetime) -> pa.Table:
    """A quarantine table holding `count` rejected records for each reason."""
    records = [
        {
            "payload": b"{}",
            "reason": reason,
            "detail": f"made-up {reason}",
            "topic": "orders",
            "partition": 0,
            "offset": i,
            "kafka_timestamp": at,
            "batch_id": 0,
            "quarantined_at": at,
        }
        for reason, count in reasons.items()
        for i in range(count)
    ]
    return pa.Table.from_pylist(records, schema=QUARANTINE_SCHEMA)


def write_gold(path: Path | str, table: pa.Table, mode: str = "append") -> None:
    from deltalake import write_deltalake

    write_deltalake(str(path), table, mode=mode, partition_by=list(GOLD_PARTITION))


def write_table(path: Path | str, table: pa.Table, mode: str = "append") -> None:
    from deltalake import write_deltalake

    write_deltalake(str(path), table, mode=mode)

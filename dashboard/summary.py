"""Pure functions from Arrow tables to the JSON the page draws: no files, no clock.

Money is summed as DECIMAL (exact) and only turned into a float, rounded to cents, at the end.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pyarrow as pa
import pyarrow.compute as pc

from contract.geography import STATES

# Columns of gold the dashboard reads; nothing else is loaded.
GOLD_COLUMNS: tuple[str, ...] = ("window_start", "state", "product", "orders", "units", "revenue")
HOUR_MINUTES = 60
TOP_PRODUCTS = 10
# Without a new gold row for this long, the page says the pipeline is idle.
IDLE_AFTER = timedelta(minutes=2)

# A tile-grid map of the 50 states and DC: (column, row) on a 12 x 8 grid.
TILE_GRID: dict[str, tuple[int, int]] = {
    "AK": (0, 0), "ME": (11, 0),
    "VT": (10, 1), "NH": (11, 1),
    "WA": (1, 2), "ID": (2, 2), "MT": (3, 2), "ND": (4, 2), "MN": (5, 2), "IL": (6, 2),
    "WI": (7, 2), "MI": (8, 2), "NY": (9, 2), "RI": (10, 2), "MA": (11, 2),
    "OR": (1, 3), "NV": (2, 3), "WY": (3, 3), "SD": (4, 3), "IA": (5, 3), "IN": (6, 3),
    "OH": (7, 3), "PA": (8, 3), "NJ": (9, 3), "CT": (10, 3),
    "CA": (1, 4), "UT": (2, 4), "CO": (3, 4), "NE": (4, 4), "MO": (5, 4), "KY": (6, 4),
    "WV": (7, 4), "VA": (8, 4), "MD": (9, 4), "DE": (10, 4),
    "AZ": (2, 5), "NM": (3, 5), "KS": (4, 5), "AR": (5, 5), "TN": (6, 5), "NC": (7, 5),
    "SC": (8, 5), "DC": (9, 5),
    "OK": (4, 6), "LA": (5, 6), "MS": (6, 6), "AL": (7, 6), "GA": (8, 6),
    "HI": (0, 7), "TX": (4, 7), "FL": (9, 7),
}  # fmt: skip


@dataclass(frozen=True)
class Health:
    """What the pipeline-health panel needs, gathered by the reader."""

    layer_rows: Mapping[str, int | None]  # table name -> rows; None = not created yet
    quarantine_reasons: pa.Table | None  # the quarantine table's `reason` column
    gold_version: int | None


def _iso(ts: datetime | None) -> str | None:
    return ts.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if ts else None


def _money(value) -> float:
    return round(float(value), 2) if value is not None else 0.0


def _sum(table: pa.Table, column: str):
    return pc.sum(table[column]).as_py() if table.num_rows else None


def totals(gold: pa.Table) -> dict:
    revenue = _money(_sum(gold, "revenue"))
    orders = int(_sum(gold, "orders") or 0)
    return {
        "revenue": revenue,
        "orders": orders,
        "units": int(_sum(gold, "units") or 0),
        "avg_order_value": round(revenue / orders, 2) if orders else 0.0,
    }


def _grouped(gold: pa.Table, key: str) -> list[dict]:
    """Revenue, orders and units per value of `key`, as plain dicts."""
    if not gold.num_rows:
        return []
    grouped = gold.group_by(key).aggregate(
        [("revenue", "sum"), ("orders", "sum"), ("units", "sum")]
    )
    return grouped.rename_columns(
        [c.removesuffix("_sum") for c in grouped.column_names]
    ).to_pylist()


def per_minute(gold: pa.Table, end: datetime, minutes: int = HOUR_MINUTES) -> list[dict]:
    """Revenue and orders for each of the `minutes` minutes ending at `end`, zeros included."""
    start = end - timedelta(minutes=minutes - 1)
    by_minute = {row["window_start"]: row for row in _grouped(gold, "window_start")}
    series = []
    for i in range(minutes):
        minute = start + timedelta(minutes=i)
        row = by_minute.get(minute, {})
        series.append(
            {
                "minute": _iso(minute),
                "revenue": _money(row.get("revenue")),
                "orders": int(row.get("orders") or 0),
            }
        )
    return series


def by_state(gold: pa.Table) -> list[dict]:
    """Every state and DC (zeros included) with its tile, richest first."""
    found = {row["state"]: row for row in _grouped(gold, "state")}
    states = []
    for code in sorted(set(STATES) | set(found)):
        row = found.get(code, {})
        col, tile_row = TILE_GRID.get(code, (None, None))
        states.append(
            {
                "code": code,
                "name": STATES[code].name if code in STATES else code,
                "revenue": _money(row.get("revenue")),
                "orders": int(row.get("orders") or 0),
                "col": col,
                "row": tile_row,
            }
        )
    return sorted(states, key=lambda s: (-s["revenue"], s["code"]))


def top_products(gold: pa.Table, n: int = TOP_PRODUCTS) -> list[dict]:
    rows = [
        {
            "product": row["product"],
            "revenue": _money(row["revenue"]),
            "orders": int(row["orders"]),
            "units": int(row["units"]),
        }
        for row in _grouped(gold, "product")
    ]
    return sorted(rows, key=lambda r: (-r["revenue"], r["product"]))[:n]


def quarantine_by_reason(reasons: pa.Table | None) -> list[dict]:
    if reasons is None or not reasons.num_rows:
        return []
    counts = reasons.group_by("reason").aggregate([("reason", "count")]).to_pylist()
    rows = [{"reason": r["reason"] or "(none)", "rows": int(r["reason_count"])} for r in counts]
    return sorted(rows, key=lambda r: (-r["rows"], r["reason"]))


def health_json(health: Health, last_update: datetime | None) -> dict:
    return {
        "layers": [{"table": name, "rows": rows} for name, rows in health.layer_rows.items()],
        "quarantine": quarantine_by_reason(health.quarantine_reasons),
        "last_update": _iso(last_update),
        "gold_version": health.gold_version,
    }


def empty(message: str, health: Health) -> dict:
    """The answer when there is no gold data to show yet."""
    return {"status": "empty", "message": message, "health": health_json(health, None)}


def with_clock(answer: dict, last_update: datetime | None, now: datetime) -> dict:
    """The answer plus its one clock-dependent fact, so the rest can be cached by version."""
    idle = last_update is None or now - last_update > IDLE_AFTER
    return answer | {"health": answer["health"] | {"idle": idle}}


def summarize(gold: pa.Table, health: Health, last_update: datetime | None = None) -> dict:
    """Everything the page shows, from gold rows covering at least the newest day and hour.

    Totals, the map and top products cover the newest day in gold (UTC); the chart covers the
    hour ending at the newest minute. Anchoring on the data, not the clock, keeps a finished
    run readable after the pipeline stops.
    """
    if not gold.num_rows:
        return empty("No gold data yet: the gold table has no rows.", health)
    latest: datetime = pc.max(gold["window_start"]).as_py()
    day_start = latest.replace(hour=0, minute=0, second=0, microsecond=0)
    hour_start = latest - timedelta(minutes=HOUR_MINUTES - 1)
    today = gold.filter(pc.field("window_start") >= pa.scalar(day_start, gold["window_start"].type))
    hour = gold.filter(pc.field("window_start") >= pa.scalar(hour_start, gold["window_start"].type))
    return {
        "status": "ok",
        "day": day_start.date().isoformat(),
        "latest_minute": _iso(latest),
        "today": totals(today),
        "last_hour": totals(hour),
        "per_minute": per_minute(hour, latest),
        "states": by_state(today),
        "products": top_products(today),
        "health": health_json(health, last_update),
    }

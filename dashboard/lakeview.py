"""The Databricks AI/BI (Lakeview) dashboard, as the `serialized_dashboard` JSON.

Two pages. "Orders", over gold: the local dashboard's panels (revenue per minute over the
newest hour, revenue by state and top products for the newest day, order counts), anchored on
the newest data, not the clock, because on Azure the job runs in batches and a wall-clock
window would often be empty. "Pipeline health", over pipeline_progress and silver_batches:
records and seconds behind, batch duration, gold's freshness and the rejected share
(dashboard.health_sql). The layout follows what the workspace exports (`.lvdash.json`):
datasets of SQL, pages of widgets on a 6-column grid.
"""

from __future__ import annotations

import json
import re

from contract.geography import STATES
from contract.tables import GOLD, PIPELINE_PROGRESS, SILVER_BATCHES
from dashboard import health_sql

_IDENTIFIER = re.compile(r"^`?[A-Za-z0-9_][A-Za-z0-9_-]*`?(\.`?[A-Za-z0-9_][A-Za-z0-9_-]*`?){0,2}$")


def _quoted(full_name: str, what: str = "table_full_name") -> str:
    """`catalog`.`schema`.`table`, refusing anything that is not a plain dotted name."""
    if not _IDENTIFIER.match(full_name):
        raise ValueError(f"{what}: not a plain dotted name: {full_name!r}")
    return ".".join(f"`{part.strip('`')}`" for part in full_name.split("."))


def _state_name_sql() -> str:
    """A CASE from two-letter code to full name: the map widget resolves states by name."""
    whens = " ".join(f"WHEN '{code}' THEN '{s.name}'" for code, s in sorted(STATES.items()))
    return f"CASE state {whens} ELSE state END"


def _dataset(name: str, display: str, sql: str) -> dict:
    return {"name": name, "displayName": display,
            "queryLines": [line + "\n" for line in sql.splitlines()]}  # fmt: skip


def health_datasets(gold: str, progress: str, batches: str) -> list[dict]:
    return [
        _dataset("newest_batch", "Newest batch", health_sql.newest_batch(progress)),
        _dataset("gold_freshness", "Gold freshness", health_sql.gold_minutes_stale(gold)),
        _dataset("behind_per_minute", "Behind per minute, last day",
                 health_sql.behind_per_minute(progress)),
        _dataset("rejected_per_minute", "Rejected share per minute, last day",
                 health_sql.rejected_share_per_minute(batches)),
    ]  # fmt: skip


def datasets(table: str) -> list[dict]:
    newest_day = f"window_date = (SELECT max(window_date) FROM {table})"
    newest_hour = f"window_start >= (SELECT max(window_start) FROM {table}) - INTERVAL 59 MINUTES"
    queries = {
        "revenue_per_minute": (
            "Revenue per minute, newest hour",
            [
                "SELECT window_start AS minute, SUM(revenue) AS revenue, SUM(orders) AS orders",
                f"FROM {table}",
                f"WHERE {newest_hour}",
                "GROUP BY window_start",
            ],
        ),
        "revenue_by_state": (
            "Revenue by state, newest day",
            [
                f"SELECT state, {_state_name_sql()} AS state_name,",
                "  SUM(revenue) AS revenue, SUM(orders) AS orders",
                f"FROM {table}",
                f"WHERE {newest_day}",
                "GROUP BY state",
            ],
        ),
        "top_products": (
            "Top products, newest day",
            [
                "SELECT product, category, SUM(revenue) AS revenue, SUM(orders) AS orders",
                f"FROM {table}",
                f"WHERE {newest_day}",
                "GROUP BY product, category",
                "ORDER BY revenue DESC",
                "LIMIT 10",
            ],
        ),
        "day_totals": (
            "Totals, newest day",
            [
                "SELECT SUM(revenue) AS revenue, SUM(orders) AS orders,",
                "  SUM(revenue) / NULLIF(SUM(orders), 0) AS avg_order_value",
                f"FROM {table}",
                f"WHERE {newest_day}",
            ],
        ),
    }
    return [
        {"name": name, "displayName": display, "queryLines": [line + "\n" for line in lines]}
        for name, (display, lines) in queries.items()
    ]


def _field(name: str, expression: str | None = None) -> dict:
    return {"name": name, "expression": expression or f"`{name}`"}


def _query(dataset: str, fields: list[dict], disaggregated: bool = False) -> list[dict]:
    return [
        {
            "name": "main_query",
            "query": {"datasetName": dataset, "fields": fields, "disaggregated": disaggregated},
        }
    ]


def _frame(title: str) -> dict:
    return {"showTitle": True, "title": title}


def _widget(name: str, queries: list[dict], spec: dict, x: int, y: int, w: int, h: int) -> dict:
    return {
        "widget": {"name": name, "queries": queries, "spec": spec},
        "position": {"x": x, "y": y, "width": w, "height": h},
    }


def _counter(name: str, field: str, title: str, x: int) -> dict:
    return _widget(
        name,
        _query("day_totals", [_field(field)], disaggregated=True),
        {
            "version": 2,
            "widgetType": "counter",
            "encodings": {"value": {"fieldName": field, "displayName": title}},
            "frame": _frame(title),
        },
        x, 1, 2, 2,
    )  # fmt: skip


def layout() -> list[dict]:
    title = {
        "widget": {
            "name": "title",
            "textbox_spec": "# Order intelligence\nGold table, newest day and hour (UTC).",
        },
        "position": {"x": 0, "y": 0, "width": 6, "height": 1},
    }
    per_minute = _widget(
        "revenue_per_minute",
        _query(
            "revenue_per_minute",
            [_field("minute"), _field("sum(revenue)", "SUM(`revenue`)")],
        ),
        {
            "version": 3,
            "widgetType": "line",
            "encodings": {
                "x": {
                    "fieldName": "minute",
                    "scale": {"type": "temporal"},
                    "displayName": "Minute (UTC)",
                },
                "y": {
                    "fieldName": "sum(revenue)",
                    "scale": {"type": "quantitative"},
                    "displayName": "Revenue (USD)",
                },
            },
            "frame": _frame("Revenue per minute, newest hour"),
        },
        0, 3, 6, 5,
    )  # fmt: skip
    by_state = _widget(
        "revenue_by_state",
        _query(
            "revenue_by_state",
            [_field("state_name"), _field("sum(revenue)", "SUM(`revenue`)")],
        ),
        {
            "version": 1,
            "widgetType": "choropleth-map",
            "encodings": {
                "region": {
                    "regionType": "mapbox-v4-admin",
                    "admin0": {
                        "type": "value",
                        "value": "United States",
                        "geographicRole": "admin0-name",
                    },
                    "admin1": {
                        "fieldName": "state_name",
                        "type": "field",
                        "geographicRole": "admin1-name",
                    },
                },
                "color": {
                    "fieldName": "sum(revenue)",
                    "scale": {"type": "quantitative"},
                    "displayName": "Revenue (USD)",
                },
            },
            "frame": _frame("Revenue by state, newest day"),
        },
        0, 8, 3, 7,
    )  # fmt: skip
    products = _widget(
        "top_products",
        _query("top_products", [_field("product"), _field("sum(revenue)", "SUM(`revenue`)")]),
        {
            "version": 3,
            "widgetType": "bar",
            "encodings": {
                "x": {
                    "fieldName": "product",
                    "scale": {"type": "categorical", "sort": {"by": "y-reversed"}},
                    "displayName": "Product",
                },
                "y": {
                    "fieldName": "sum(revenue)",
                    "scale": {"type": "quantitative"},
                    "displayName": "Revenue (USD)",
                },
                "label": {"show": True},
            },
            "frame": _frame("Top products, newest day"),
        },
        3, 8, 3, 7,
    )  # fmt: skip
    counters = [
        _counter("revenue_today", "revenue", "Revenue, newest day", 0),
        _counter("orders_today", "orders", "Orders, newest day", 2),
        _counter("avg_order_value", "avg_order_value", "Average order value", 4),
    ]
    return [title, *counters, per_minute, by_state, products]


def _health_counter(name: str, dataset: str, field: str, title: str, x: int) -> dict:
    return _widget(
        name,
        _query(dataset, [_field(field)], disaggregated=True),
        {"version": 2, "widgetType": "counter",
         "encodings": {"value": {"fieldName": field, "displayName": title}},
         "frame": _frame(title)},
        x, 0, 2, 2,
    )  # fmt: skip


def _per_minute(name: str, dataset: str, fields: list[str], title: str, y: int) -> dict:
    """A line per field over the minutes of the last day, each the field's maximum."""
    series = [(f"max({f})", f) for f in fields]
    return _widget(
        name,
        _query(dataset, [_field("minute"), *(_field(a, f"MAX(`{f}`)") for a, f in series)]),
        {"version": 3, "widgetType": "line",
         "encodings": {
             "x": {"fieldName": "minute", "scale": {"type": "temporal"},
                   "displayName": "Minute (UTC)"},
             "y": {"scale": {"type": "quantitative"},
                   "fields": [{"fieldName": a, "displayName": f} for a, f in series]},
         },
         "frame": _frame(title)},
        0, y, 6, 4,
    )  # fmt: skip


def health_layout() -> list[dict]:
    return [
        _health_counter("records_behind", "newest_batch", "records_behind",
                        "Records behind, newest batch", 0),
        _health_counter("seconds_behind", "newest_batch", "seconds_behind",
                        "Seconds behind (event time), newest batch", 2),
        _health_counter("gold_minutes_stale", "gold_freshness", "minutes_stale",
                        "Minutes since gold changed", 4),
        _per_minute("behind_records", "behind_per_minute", ["records_behind"],
                    "Records behind per minute, last day", 2),
        _per_minute("behind_seconds", "behind_per_minute", ["seconds_behind", "batch_seconds"],
                    "Seconds behind and batch duration per minute, last day", 6),
        _per_minute("rejected_share", "rejected_per_minute",
                    ["quarantined_share", "duplicate_share"],
                    "Quarantined and duplicate share per minute, last day", 10),
    ]  # fmt: skip


def dashboard(schema_full_name: str) -> dict:
    """Both pages over the tables of one `catalog.schema`."""
    schema = _quoted(schema_full_name, "schema_full_name")
    gold, progress, batches = (f"{schema}.`{t}`" for t in (GOLD, PIPELINE_PROGRESS, SILVER_BATCHES))
    return {
        "datasets": datasets(gold) + health_datasets(gold, progress, batches),
        "pages": [
            {"name": "orders", "displayName": "Orders", "pageType": "PAGE_TYPE_CANVAS",
             "layout": layout()},
            {"name": "pipeline_health", "displayName": "Pipeline health",
             "pageType": "PAGE_TYPE_CANVAS", "layout": health_layout()},
        ],
    }  # fmt: skip


def serialized_dashboard(schema_full_name: str) -> str:
    """The `serialized_dashboard` string for a `databricks_dashboard` resource."""
    return json.dumps(dashboard(schema_full_name), indent=2)

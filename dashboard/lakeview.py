"""The Databricks AI/BI (Lakeview) dashboard over gold, as the `serialized_dashboard` JSON.

Same panels as the local dashboard: revenue per minute over the newest hour, revenue by
state and top products for the newest day, order counts. The layout follows what the
workspace exports (`.lvdash.json`): datasets of SQL, one page of widgets on a 6-column grid.
Times are anchored on the newest data, not the clock, because on Azure the job runs in
batches and a wall-clock window would often be empty.
"""

from __future__ import annotations

import json
import re

from contract.geography import STATES

_IDENTIFIER = re.compile(r"^`?[A-Za-z0-9_][A-Za-z0-9_-]*`?(\.`?[A-Za-z0-9_][A-Za-z0-9_-]*`?){0,2}$")


def _quoted(table_full_name: str) -> str:
    """`catalog`.`schema`.`table`, refusing anything that is not a plain dotted name."""
    if not _IDENTIFIER.match(table_full_name):
        raise ValueError(
            f"table_full_name: not a [catalog.][schema.]table name: {table_full_name!r}"
        )
    return ".".join(f"`{part.strip('`')}`" for part in table_full_name.split("."))


def _state_name_sql() -> str:
    """A CASE from two-letter code to full name: the map widget resolves states by name."""
    whens = " ".join(f"WHEN '{code}' THEN '{s.name}'" for code, s in sorted(STATES.items()))
    return f"CASE state {whens} ELSE state END"


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


def dashboard(table_full_name: str) -> dict:
    return {
        "datasets": datasets(_quoted(table_full_name)),
        "pages": [{"name": "orders", "displayName": "Orders", "layout": layout()}],
    }


def serialized_dashboard(table_full_name: str) -> str:
    """The `serialized_dashboard` string for a `databricks_dashboard` resource over gold."""
    return json.dumps(dashboard(table_full_name), indent=2)

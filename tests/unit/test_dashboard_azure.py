"""The dashboards defined for Azure: the Lakeview JSON and the Power BI connection file."""

from __future__ import annotations

import json

import pytest

from contract.geography import STATES
from dashboard.lakeview import serialized_dashboard
from dashboard.powerbi import pbids

SCHEMA = "orders_dev.orders"
READS = {
    "revenue_per_minute": "gold_order_minutes",
    "revenue_by_state": "gold_order_minutes",
    "top_products": "gold_order_minutes",
    "day_totals": "gold_order_minutes",
    "gold_freshness": "gold_order_minutes",
    "newest_batch": "pipeline_progress",
    "behind_per_minute": "pipeline_progress",
    "rejected_per_minute": "silver_batches",
}


@pytest.fixture(scope="module")
def lakeview() -> dict:
    return json.loads(serialized_dashboard(SCHEMA))


def widgets(doc: dict) -> dict[str, dict]:
    return {item["widget"]["name"]: item for page in doc["pages"] for item in page["layout"]}


def test_every_dataset_reads_its_table_in_the_schema(lakeview):
    assert {d["name"] for d in lakeview["datasets"]} == set(READS)
    for dataset in lakeview["datasets"]:
        sql = "".join(dataset["queryLines"])
        assert f"FROM `orders_dev`.`orders`.`{READS[dataset['name']]}`" in sql, dataset["name"]


def test_two_pages_orders_and_pipeline_health_with_unique_widget_names(lakeview):
    assert [p["displayName"] for p in lakeview["pages"]] == ["Orders", "Pipeline health"]
    names = [item["widget"]["name"] for page in lakeview["pages"] for item in page["layout"]]
    assert len(names) == len(set(names))
    (health,) = [p for p in lakeview["pages"] if p["name"] == "pipeline_health"]
    used = {q["query"]["datasetName"] for item in health["layout"]
            for q in item["widget"]["queries"]}  # fmt: skip
    assert used == {"newest_batch", "gold_freshness", "behind_per_minute", "rejected_per_minute"}


def test_the_page_has_the_four_panels(lakeview):
    kinds = {
        name: w["widget"].get("spec", {}).get("widgetType") for name, w in widgets(lakeview).items()
    }
    assert kinds["revenue_per_minute"] == "line"
    assert kinds["revenue_by_state"] == "choropleth-map"
    assert kinds["top_products"] == "bar"
    assert kinds["orders_today"] == "counter"
    assert kinds["revenue_today"] == "counter"


def test_widgets_use_only_datasets_and_fields_that_exist(lakeview):
    datasets = {d["name"]: "".join(d["queryLines"]) for d in lakeview["datasets"]}
    for name, item in widgets(lakeview).items():
        for query in item["widget"].get("queries", []):
            q = query["query"]
            assert q["datasetName"] in datasets, name
            names = {f["name"] for f in q["fields"]}
            for encoding in item["widget"]["spec"]["encodings"].values():
                if not isinstance(encoding, dict):
                    continue
                for used in [encoding, *encoding.get("fields", [])]:
                    if "fieldName" in used:
                        assert used["fieldName"] in names, (name, used)


def test_widgets_fit_the_six_column_grid_without_overlapping(lakeview):
    for page in lakeview["pages"]:
        cells = set()
        for item in page["layout"]:
            name, p = item["widget"]["name"], item["position"]
            assert p["x"] >= 0 and p["x"] + p["width"] <= 6, name
            for x in range(p["x"], p["x"] + p["width"]):
                for y in range(p["y"], p["y"] + p["height"]):
                    assert (x, y) not in cells, name
                    cells.add((x, y))


def test_the_map_gets_full_state_names_for_every_state(lakeview):
    sql = "".join(
        next(d for d in lakeview["datasets"] if d["name"] == "revenue_by_state")["queryLines"]
    )
    for code, state in STATES.items():
        assert f"WHEN '{code}' THEN '{state.name}'" in sql


@pytest.mark.parametrize("bad", ["gold; DROP TABLE x", "a.b.c.d", "", "`a`.`b`.c d"])
def test_lakeview_refuses_a_schema_name_that_is_not_a_name(bad):
    with pytest.raises(ValueError, match="schema_full_name"):
        serialized_dashboard(bad)


def test_pbids_points_power_bi_at_the_warehouse_and_the_gold_table():
    doc = pbids(
        "https://adb-123.4.azuredatabricks.net/",
        "/sql/1.0/warehouses/abc123",
        "orders_dev",
        "gold",
        "gold_order_minutes",
    )
    json.dumps(doc)  # serializable as is
    assert doc["version"] == "0.1"
    (connection,) = doc["connections"]
    details = connection["details"]
    assert details["protocol"] == "databricks-sql"
    assert details["address"] == {
        "host": "adb-123.4.azuredatabricks.net",
        "path": "/sql/1.0/warehouses/abc123",
    }
    assert details["query"] == "SELECT * FROM `orders_dev`.`gold`.`gold_order_minutes`"
    assert details["authentication"] is None
    assert connection["options"] == {"Catalog": "orders_dev", "Database": "gold"}
    assert connection["mode"] == "DirectQuery"


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (("host name", "/sql/1.0/warehouses/a", "c", "s", "t"), "server_hostname"),
        (("h.net", "warehouses/a", "c", "s", "t"), "http_path"),
        (("h.net", "/sql/1.0/warehouses/a", "c;", "s", "t"), "catalog"),
        (("h.net", "/sql/1.0/warehouses/a", "c", "s", "t x"), "table"),
    ],
)
def test_pbids_names_the_bad_argument(args, field):
    with pytest.raises(ValueError, match=field):
        pbids(*args)

"""The real dashboard, served by `python -m dashboard` over a prepared lake, read by Chromium.

The expected numbers are computed here from the rows the test wrote, independently of the
dashboard's own code; the page must show them. A screenshot is kept for the README.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pytest

from contract.catalog import PRODUCTS
from contract.geography import STATES
from contract.tables import BRONZE, DUPLICATES, GOLD, QUARANTINE, SILVER
from dashboard.sample import gold_rows, quarantine_rows, write_gold, write_table
from tests.integration.browser import (
    Node,
    chromium_path,
    rendered,
    run_chromium,
    serve,
    text_of,
)

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "artifacts" / "dashboard"
START = datetime(2025, 6, 2, 9, 30, tzinfo=UTC)
MINUTES = 75
QUARANTINED = {"not_json": 14, "unknown_state": 6, "bad_price": 4, "late": 2}


def usd(value: Decimal | float) -> str:
    return f"${value:,.2f}"


# ---------------------------------------------------------------- the prepared lake


@dataclass
class Lake:
    root: Path
    gold: list[dict] = field(default_factory=list)
    layer_rows: dict[str, int] = field(default_factory=dict)


def orders_like_the_simulator(rng: random.Random) -> list[dict]:
    """Gold rows for 75 minutes, states weighted by population and products by popularity."""
    codes = sorted(STATES)
    cells: dict[tuple, dict] = {}
    for minute in range(MINUTES):
        start = START + timedelta(minutes=minute)
        for _ in range(40):
            state = rng.choices(codes, weights=[STATES[c].population for c in codes])[0]
            product = rng.choices(PRODUCTS, weights=[p.weight for p in PRODUCTS])[0]
            quantity = rng.randint(1, 3)
            price = Decimal(str(round(rng.uniform(product.min_price, product.max_price), 2)))
            cell = cells.setdefault(
                (start, state, product.name),
                {
                    "window_start": start,
                    "state": state,
                    "product": product.name,
                    "orders": 0,
                    "units": 0,
                    "revenue": Decimal("0.00"),
                },
            )
            cell["orders"] += 1
            cell["units"] += quantity
            cell["revenue"] += price * quantity
    return list(cells.values())


@pytest.fixture(scope="module")
def lake(tmp_path_factory) -> Lake:
    root = tmp_path_factory.mktemp("lake")
    prepared = Lake(root, gold=orders_like_the_simulator(random.Random(20250602)))
    write_gold(root / GOLD, gold_rows(prepared.gold[: len(prepared.gold) // 2]))
    write_gold(root / GOLD, gold_rows(prepared.gold[len(prepared.gold) // 2 :]))
    write_table(root / QUARANTINE, quarantine_rows(QUARANTINED, START))
    # Bronze, silver and duplicates only need rows to count; their columns are not read.
    orders = sum(r["orders"] for r in prepared.gold)
    quarantined = sum(QUARANTINED.values())
    for name, rows in ((BRONZE, orders + quarantined + 9), (SILVER, orders), (DUPLICATES, 9)):
        write_table(root / name, pa.table({"n": pa.array(range(rows), pa.int64())}))
    prepared.layer_rows = {
        BRONZE: orders + quarantined + 9,
        SILVER: orders,
        QUARANTINE: quarantined,
        DUPLICATES: 9,
        GOLD: len(prepared.gold),
    }
    return prepared


# ---------------------------------------------------------------- server and browser


@pytest.fixture(scope="module")
def chromium() -> str:
    return chromium_path()


@pytest.fixture(scope="module")
def page_url(lake):
    with serve("--lake-root", str(lake.root)) as url:
        yield url


# ---------------------------------------------------------------- the tests


@pytest.fixture(scope="module")
def dom(chromium, page_url, tmp_path_factory) -> Node:
    return rendered(chromium, page_url, tmp_path_factory.mktemp("chromium"))


def sums(rows: list[dict], key: str) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for r in rows:
        totals[r[key]] += r["revenue"]
    return totals


def test_the_page_rendered_the_data(dom):
    (body,) = dom.find(data_ready="ok")
    assert body.tag == "body"


def test_totals_match_the_table(dom, lake):
    revenue = sum(r["revenue"] for r in lake.gold)
    orders = sum(r["orders"] for r in lake.gold)
    assert text_of(dom, id="kpi-revenue") == usd(revenue)
    assert text_of(dom, id="kpi-orders") == f"{orders:,}"
    assert text_of(dom, id="kpi-aov") == usd(float(revenue) / orders)


def test_last_hour_and_the_chart_match_the_table(dom, lake):
    newest = max(r["window_start"] for r in lake.gold)
    hour = [r for r in lake.gold if r["window_start"] > newest - timedelta(minutes=60)]
    assert text_of(dom, id="kpi-hour-revenue") == usd(sum(r["revenue"] for r in hour))
    assert text_of(dom, id="kpi-hour-orders") == f"{sum(r['orders'] for r in hour):,}"
    points = [n for n in dom.find(id="chart")[0].all() if n.tag == "circle"]
    assert len(points) == 60
    newest_revenue = sum(r["revenue"] for r in lake.gold if r["window_start"] == newest)
    assert points[-1].attrs["data-minute"] == newest.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert usd(newest_revenue) in points[-1].text


def test_top_products_match_the_table(dom, lake):
    expected = sorted(sums(lake.gold, "product").items(), key=lambda kv: (-kv[1], kv[0]))
    rows = [n for n in dom.find(id="products")[0].all() if "data-product" in n.attrs]
    assert [r.attrs["data-product"] for r in rows] == [name for name, _ in expected[:10]]
    top_name, top_revenue = expected[0]
    assert usd(top_revenue) in text_of(dom, data_product=top_name)


def test_state_revenue_matches_the_table(dom, lake):
    by_state = sums(lake.gold, "state")
    richest = max(by_state, key=lambda s: (by_state[s], s))
    (listed,) = [n for n in dom.find(data_state=richest) if n.tag == "li"]
    assert " ".join(listed.text.split()) == f"{STATES[richest].name} {usd(by_state[richest])}"
    poorest = min(by_state, key=lambda s: (by_state[s], s))
    (tile,) = [n for n in dom.find(data_state=poorest) if n.tag == "g"]
    assert f"{STATES[poorest].name}: {usd(by_state[poorest])}" in tile.text
    assert len([n for n in dom.all() if n.tag == "g" and "data-state" in n.attrs]) == 51


def test_pipeline_health_matches_the_tables(dom, lake):
    for table, rows in lake.layer_rows.items():
        assert text_of(dom, data_table=table) == f"{table} {rows:,}"
    for reason, rows in QUARANTINED.items():
        assert text_of(dom, data_reason=reason) == f"{reason} {rows:,}"
    newest = max(r["window_start"] for r in lake.gold)
    last_update = newest + timedelta(seconds=59)
    assert text_of(dom, id="last-update") == last_update.strftime("%Y-%m-%d %H:%M:%S UTC")


def test_a_screenshot_is_kept_as_an_artifact(chromium, page_url, tmp_path_factory):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "dashboard.png"
    shot.unlink(missing_ok=True)
    profile = tmp_path_factory.mktemp("chromium-shot")
    run_chromium(chromium, profile, "--window-size=1400,1000", f"--screenshot={shot}", page_url)
    assert shot.read_bytes().startswith(b"\x89PNG")


def test_an_empty_lake_says_so_in_the_browser(chromium, tmp_path_factory):
    empty_root = tmp_path_factory.mktemp("empty-lake")
    with serve("--lake-root", str(empty_root)) as url:
        dom = rendered(chromium, url, tmp_path_factory.mktemp("chromium-empty"))
    (body,) = dom.find(data_ready="empty")
    assert body.tag == "body"
    assert "No data yet" in text_of(dom, id="empty")
    assert "does not exist" in text_of(dom, id="empty-message")

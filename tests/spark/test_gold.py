"""Gold windows: sums per minute, late events correct their window, replays change nothing."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from delta.tables import DeltaTable

from contract import tables
from contract.events import REVENUE_PRECISION, REVENUE_SCALE
from jobs.gold import start
from jobs.transforms.gold import minute_totals
from jobs.writers.gold import GoldBatchWriter
from tests.spark.lake_settings import lake_settings

# The largest revenue silver accepts: one cent under 10^(precision - scale).
BIGGEST_REVENUE = Decimal(10) ** (REVENUE_PRECISION - REVENUE_SCALE) - Decimal("0.01")
SILVER_ROW = (
    "state string, product string, category string, quantity int, revenue decimal(18,2), "
    "event_time timestamp"
)


def silver(spark, rows):
    return spark.createDataFrame(rows, SILVER_ROW)


def test_minute_totals_sum_per_window_state_and_product(spark):
    rows = [
        ("CA", "Laptop", "Electronics", 1, Decimal("1000.00"), datetime(2026, 1, 1, 10, 0, 5)),
        (
            "CA",
            "Laptop",
            "Electronics",
            2,
            Decimal("500.50"),
            datetime(2026, 1, 1, 10, 0, 59, 999000),
        ),
        ("CA", "Laptop", "Electronics", 1, Decimal("10.00"), datetime(2026, 1, 1, 10, 1, 0)),
        ("TX", "Laptop", "Electronics", 3, Decimal("3.00"), datetime(2026, 1, 1, 10, 0, 30)),
    ]
    got = {
        (r["window_start"], r["state"]): (r["orders"], r["units"], r["revenue"], r["window_end"])
        for r in minute_totals(silver(spark, rows)).collect()
    }
    assert got == {
        (datetime(2026, 1, 1, 10, 0), "CA"): (
            2,
            3,
            Decimal("1500.50"),
            datetime(2026, 1, 1, 10, 1),
        ),
        (datetime(2026, 1, 1, 10, 1), "CA"): (1, 1, Decimal("10.00"), datetime(2026, 1, 1, 10, 2)),
        (datetime(2026, 1, 1, 10, 0), "TX"): (1, 3, Decimal("3.00"), datetime(2026, 1, 1, 10, 1)),
    }


def test_a_window_sums_past_one_orders_money_type(spark):
    """The largest revenue silver accepts, twice in one minute: gold holds the exact sum."""
    biggest = BIGGEST_REVENUE
    at = datetime(2026, 1, 1, 10, 0, 1)
    rows = [("CA", "Laptop", "Electronics", 1, biggest, at)] * 3
    [total] = minute_totals(silver(spark, rows)).collect()
    assert total["revenue"] == 3 * biggest


def test_a_batch_never_reads_or_rewrites_the_blocks_before_its_own(spark, gold_writer):
    """Gold is rewritten from the start of the batch's oldest ten-minute block: a batch costs
    the same at 23:00 as at midnight. Proved by deleting an earlier block's file: a batch that
    read or rewrote it would fail."""
    writer, path, _ = gold_writer
    morning = datetime(2026, 1, 1, 9, 30, 1)
    writer(silver(spark, [("CA", "Laptop", "Electronics", 1, Decimal("10.00"), morning)]), 0)
    location = DeltaTable.forPath(spark, path).detail().first()["location"]
    [early] = Path(location.removeprefix("file:")).rglob("*.parquet")
    early.unlink()
    noon = datetime(2026, 1, 1, 12, 0, 1)
    writer(silver(spark, [("CA", "Laptop", "Electronics", 2, Decimal("10.00"), noon)]), 1)
    writer(silver(spark, [("CA", "Laptop", "Electronics", 1, Decimal("10.00"), noon)]), 2)
    newest = spark.read.format("delta").load(path).where("window_start >= '2026-01-01 12:00'")
    assert [(r["orders"], r["units"]) for r in newest.collect()] == [(2, 3)]


def test_a_window_the_batch_did_not_touch_keeps_its_sums_and_update_time(spark, gold_writer):
    writer, path, _ = gold_writer
    first, second = datetime(2026, 1, 1, 10, 0, 1), datetime(2026, 1, 1, 10, 1, 1)
    writer(silver(spark, [("CA", "Laptop", "Electronics", 1, Decimal("10.00"), first)]), 0)
    before = spark.read.format("delta").load(path).first()["updated_at"]
    writer(silver(spark, [("CA", "Laptop", "Electronics", 1, Decimal("20.00"), second)]), 1)
    rows = {r["window_start"]: r for r in spark.read.format("delta").load(path).collect()}
    untouched, touched = rows[first.replace(second=0)], rows[second.replace(second=0)]
    assert (untouched["orders"], untouched["revenue"], untouched["updated_at"]) == (
        1, Decimal("10.00"), before,
    )  # fmt: skip
    assert (touched["orders"], touched["revenue"]) == (1, Decimal("20.00"))
    assert touched["updated_at"] > before


@pytest.fixture
def gold_writer(spark, tmp_path):
    settings = lake_settings(tmp_path, "available-now")
    start(spark, settings).stop()  # creates the tables, nothing to process
    return GoldBatchWriter(settings), settings.locations.table(tables.GOLD), settings


def gold_rows(spark, path):
    return {
        (r["window_start"], r["state"], r["product"]): (
            r["orders"],
            r["units"],
            r["revenue"],
            r["avg_order_value"],
        )
        for r in spark.read.format("delta").load(path).collect()
    }


def test_late_event_adds_to_its_window_and_replay_is_idempotent(spark, gold_writer):
    writer, path, settings = gold_writer
    minute = datetime(2026, 1, 1, 10, 0)
    first = silver(
        spark,
        [("CA", "Laptop", "Electronics", 1, Decimal("100.00"), datetime(2026, 1, 1, 10, 0, 1))],
    )
    late = silver(
        spark,
        [("CA", "Laptop", "Electronics", 2, Decimal("50.00"), datetime(2026, 1, 1, 10, 0, 2))],
    )

    writer(first, 0)
    writer(late, 1)
    writer(late, 1)  # a crash after the commit replays the batch: nothing may change
    writer(first, 0)
    GoldBatchWriter(settings)(late, 1)  # the same replay from a restarted process

    assert gold_rows(spark, path) == {
        (minute, "CA", "Laptop"): (2, 3, Decimal("150.00"), Decimal("75.00")),
    }


def test_merged_windows_sum_past_one_orders_money_type(spark, gold_writer):
    writer, path, _ = gold_writer
    biggest = BIGGEST_REVENUE
    at = datetime(2026, 1, 1, 10, 0, 1)
    for batch in range(2):
        writer(silver(spark, [("CA", "Laptop", "Electronics", 1, biggest, at)] * 2), batch)
    assert gold_rows(spark, path) == {
        (datetime(2026, 1, 1, 10, 0), "CA", "Laptop"): (4, 4, 4 * biggest, biggest),
    }


def test_a_batch_spanning_many_days_merges_every_day(spark, gold_writer):
    """More days than PRUNED_DAYS: the write names no partitions and still lands every row."""
    from datetime import timedelta

    from jobs.writers.gold import PRUNED_DAYS

    writer, path, _ = gold_writer
    days = [datetime(2026, 1, 1, 10, 0, 1) + timedelta(days=d) for d in range(PRUNED_DAYS + 9)]
    rows = [("CA", "Laptop", "Electronics", 1, Decimal("10.00"), at) for at in days]
    writer(silver(spark, rows), 0)
    writer(silver(spark, rows[:3]), 1)  # a few days again: added to their windows
    found = gold_rows(spark, path)
    assert len(found) == PRUNED_DAYS + 9
    assert found[(days[0].replace(second=0), "CA", "Laptop")][:2] == (2, 2)
    assert found[(days[-1].replace(second=0), "CA", "Laptop")][:2] == (1, 1)

"""What gold's write costs as the day fills: a morning's, an afternoon's and an evening's day.

A continuous run adds every micro-batch to today's gold partition. The bench fills that
partition with N minutes of a full day (every state x product each minute, as at 2,000
events/s), laid out in files as the writer leaves them, then times the real writer
(jobs.writers.gold) merging batches of 5,000 orders into the newest minutes: the median of the
last eight of twelve batches, and the rows it wrote. The first day size measured also warms
the JVM up, so it is measured again at the end. A flat line means a batch costs the same at
midnight and at 23:00.

python -m scripts.bench_gold [--minutes 0,240,1140,0]
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pyarrow.compute as pc

from contract import tables
from contract.catalog import PRODUCTS
from contract.geography import STATES
from contract.tables import Locations
from dashboard.sample import full_day_gold
from environments import load_environment
from jobs import lake_tables
from jobs.session import spark_session
from jobs.settings import StageSettings
from jobs.writers.gold import BLOCK_SECONDS, GoldBatchWriter

DAY = date(2026, 6, 2)
BATCHES, BATCH_ORDERS = 12, 5000
SILVER_ROW = (
    "state string, product string, category string, quantity int, revenue decimal(18,2), "
    "event_time timestamp"
)


def _silver_batch(spark, at: datetime):
    """5,000 orders over every state and product, in the minute and, one in fifty, late."""
    keys = itertools.cycle([(state, p.name, p.category) for state in STATES for p in PRODUCTS])
    rows = [
        (*key, 2, Decimal("30.00"), at - timedelta(minutes=1) if i % 50 == 0 else at)
        for i, key in zip(range(BATCH_ORDERS), keys, strict=False)
    ]
    return spark.createDataFrame(rows, SILVER_ROW)


def measure(spark, minutes: int) -> dict:
    env = load_environment("local")
    with tempfile.TemporaryDirectory(prefix="bench-gold-") as tmp:
        where = Locations(f"{tmp}/lake", f"{tmp}/checkpoints")
        settings = StageSettings(
            env=env, trigger="continuous", locations=where, bootstrap_servers="unused:9092"
        )
        lake_tables.ensure_tables(spark, where, tables.GOLD)
        path = where.table(tables.GOLD)
        start = datetime(DAY.year, DAY.month, DAY.day, tzinfo=UTC)
        day = full_day_gold(DAY)
        filled = day.filter(pc.less(day["window_start"], start + timedelta(minutes=minutes)))
        if filled.num_rows:
            # As the writer leaves a day: a file per block of windows.
            files = max(1, minutes * 60 // BLOCK_SECONDS)
            rows = spark.createDataFrame(filled.select(tables.TABLES[tables.GOLD].column_names))
            rows.repartitionByRange(files, "window_start").write.format("delta").mode(
                "append"
            ).save(path)
        writer, took = GoldBatchWriter(settings), []
        now = start + timedelta(minutes=minutes)
        for batch in range(BATCHES):
            rows = _silver_batch(spark, now + timedelta(seconds=2.5 * batch)).localCheckpoint()
            began = time.perf_counter()
            writer(rows, batch)
            took.append(time.perf_counter() - began)
        last = spark.sql(f"DESCRIBE HISTORY delta.`{path}` LIMIT 1").first()["operationMetrics"]
        return {
            "minutes": minutes,
            "rows_before": filled.num_rows,
            "write_s": statistics.median(took[BATCHES - 8 :]),
            "rows_written": int(last.get("numOutputRows", 0)),
        }


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(prog="python -m scripts.bench_gold")
    parser.add_argument(
        "--minutes", default="0,240,1140,0", help="minutes of the day already in gold"
    )
    args = parser.parse_args(argv)
    spark = spark_session(load_environment("local"), "bench-gold")
    found = []
    for minutes in (int(m) for m in args.minutes.split(",")):
        result = measure(spark, minutes)
        found.append(result)
        print(
            f"gold, day holding {result['rows_before']:>9,} rows ({minutes:>4} min): "
            f"{result['write_s']:.2f} s a batch, {result['rows_written']:,} rows written",
            flush=True,
        )
    return found


if __name__ == "__main__":
    main()

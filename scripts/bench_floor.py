"""The floor under the freshness figure, and what gold adds to it.

- The floor: a streaming query that appends each micro-batch's Kafka timestamps to one Delta
  table and does nothing else, with the pipeline's session, trigger and broker, fed and
  measured as `scripts.bench_pipeline` measures the pipeline: the simulator at 2,000 events/s,
  the table's row count polled every 0.5 s with delta-rs, each event's seconds from production
  until the count includes it, over the same window after the same warm-up. Whatever the
  pipeline takes beyond this is its own layers: parsing, de-duplication against silver, gold's
  replace.
- To silver: the pipeline's own query and writers with gold left out, measured the same way
  until silver counts the event. The pipeline's figure minus this one is what gold costs.

python -m scripts.bench_floor
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from pyspark.sql import functions as F

from contract import tables
from contract.tables import Locations
from environments import load_environment
from jobs import pipeline
from jobs.runner import await_all
from jobs.session import spark_session
from jobs.writers.bronze import BronzeBatchWriter
from jobs.writers.silver import SilverBatchWriter
from scripts import lake
from scripts.bench_pipeline import (
    FRESHNESS_RATE,
    FRESHNESS_SECONDS,
    POLL_SECONDS,
    WARMUP_SECONDS,
    freshness,
    percentile,
    steady_orders,
    visible_after,
)
from scripts.broker import Broker, spare_port

TOPIC, TABLE = "bench-floor", "appended"


def floor(spark, broker: Broker, root: Path, partitions: int, trigger_s: int) -> dict:
    broker.ensure_topic(TOPIC, partitions)
    where = Locations(str(root / "lake"), str(root / "checkpoints"))
    path = where.table(TABLE)
    spark.range(0).select(F.lit(None).cast("timestamp").alias("produced")).write.format(
        "delta"
    ).save(path)
    query = (
        spark.readStream.format("kafka")
        .option("kafka.bootstrap.servers", broker.bootstrap)
        .option("subscribe", TOPIC)
        .option("startingOffsets", "earliest")
        .load()
        .select(F.col("timestamp").alias("produced"))
        .writeStream.format("delta")
        .option("checkpointLocation", where.checkpoint(TABLE))
        .trigger(processingTime=f"{trigger_s} seconds")
        .start(path)
    )
    while query.lastProgress is None:  # started: its first (empty) batch is done
        time.sleep(0.2)
    expected = FRESHNESS_RATE * (WARMUP_SECONDS + FRESHNESS_SECONDS)
    producer = steady_orders(broker, TOPIC, FRESHNESS_RATE, WARMUP_SECONDS + FRESHNESS_SECONDS)
    seen: list[tuple[float, int]] = []
    deadline = time.time() + WARMUP_SECONDS + FRESHNESS_SECONDS + 300
    while time.time() < deadline and (not seen or seen[-1][1] < expected):
        seen.append((time.time(), lake.count(where, TABLE)))
        time.sleep(POLL_SECONDS)
    producer.wait()
    batches = sorted(
        p["durationMs"]["triggerExecution"] / 1000
        for p in query.recentProgress
        if p["numInputRows"]
    )
    query.stop()
    produced = sorted(t.timestamp() for t in lake.read(where, TABLE).column(0).to_pylist())
    steady = sorted(
        lag for at, lag in visible_after(seen, produced) if at >= produced[0] + WARMUP_SECONDS
    )
    return {
        "p50_s": percentile(steady, 0.50),
        "p95_s": percentile(steady, 0.95),
        "p99_s": percentile(steady, 0.99),
        "batch_p50_s": percentile(batches, 0.50),
        "measured": len(steady),
    }


def through_silver(spark, settings, stop=None) -> None:
    """The pipeline's query with bronze's and silver's writers only."""
    layers = SilverBatchWriter(settings, pipeline.QUERY)
    writer = BronzeBatchWriter(settings, pipeline.QUERY, downstream=layers)
    await_all([pipeline.start(spark, settings, writer)], stop)


def silver_rows(where: Locations) -> int:
    return lake.count(where, tables.SILVER)


def main() -> dict:
    env = load_environment("local")
    with (
        tempfile.TemporaryDirectory(prefix="bench-floor-") as tmp,
        Broker(port=spare_port(), data_dir=Path(tmp) / "broker") as broker,
    ):
        spark = spark_session(env, "bench-floor")
        try:
            found = floor(
                spark, broker, Path(tmp), env.kafka.partitions, env.pipeline.trigger_seconds
            )
            silver = freshness(
                spark, env, broker, Path(tmp), run=through_silver, visible=silver_rows
            )
        finally:
            spark.stop()
    print(
        f"floor     freshness  p50 {found['p50_s']:.1f} s, p95 {found['p95_s']:.1f} s, "
        f"p99 {found['p99_s']:.1f} s  (one Kafka -> Delta append per micro-batch, nothing "
        f"else; {found['measured']:,} events at {FRESHNESS_RATE:,}/s after a {WARMUP_SECONDS} s "
        f"warm-up; batches p50 {found['batch_p50_s']:.2f} s)"
    )
    print(
        f"floor     to silver  p50 {silver['p50_s']:.1f} s, p95 {silver['p95_s']:.1f} s, "
        f"p99 {silver['p99_s']:.1f} s  (the pipeline without gold, until silver counts the "
        f"event; {silver['measured']:,} events, measured as above; batches p50 "
        f"{silver['batch_seconds']['p50']:.2f} s)"
    )
    return {"floor": found, "silver": silver}


if __name__ == "__main__":
    main()

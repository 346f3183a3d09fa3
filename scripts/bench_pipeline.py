"""Pipeline speed, the two numbers the README records.

- Backlog throughput: 1,000,000 queued events (default fault rates) through bronze, silver
  and gold in available-now mode, in events per second of pipeline time (the Spark session
  start is reported separately). The run must account for every event, or it does not count.
- Freshness: a steady 2,000 events/s with continuous triggers, started once the pipeline has
  committed its first (empty) micro-batch; for each event, the seconds from its production
  (Kafka timestamp) to the moment gold's order count includes it, polled every 0.5 s with
  delta-rs (gold's order count only). p50 and p95 of the 60 s that follow a 15 s warm-up (the
  JVM compiling the pipeline's code on its first batches), and of all 75 s as well. The
  pipeline records its progress (jobs.progress) as it always does; the rows are counted.
  `--freshness-seconds N` measures N seconds instead, and prints each minute's p95 too.

Runs its own broker on spare ports and a temporary lake. `make bench` runs it without options.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import threading
import time
from bisect import bisect_left
from collections.abc import Callable
from pathlib import Path

import pyarrow.compute as pc

from contract import tables
from contract.tables import Locations
from environments import Environment, load_environment
from jobs import bronze, gold, pipeline, silver
from jobs.runner import await_all
from jobs.session import spark_session
from jobs.settings import StageSettings
from scripts import lake
from scripts.broker import Broker, spare_port

ROOT = Path(__file__).resolve().parent.parent
BACKLOG_EVENTS = 1_000_000
FRESHNESS_RATE = 2000
FRESHNESS_SECONDS = 60
WARMUP_SECONDS = 15
POLL_SECONDS = 0.5


def settings_for(env: Environment, broker: Broker, topic: str, root: Path, trigger: str):
    kafka = env.kafka.model_copy(update={"bootstrap_servers": broker.bootstrap, "topic": topic})
    env = env.model_copy(update={"kafka": kafka})
    return StageSettings(
        env=env,
        trigger=trigger,
        locations=Locations(str(root / "lake"), str(root / "checkpoints")),
        bootstrap_servers=broker.bootstrap,
    )


def simulate(broker: Broker, topic: str, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "simulator", "--bootstrap-servers", broker.bootstrap,
         "--topic", topic, *args],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip


def steady_orders(broker: Broker, topic: str, rate: int, seconds: int) -> subprocess.Popen:
    """Valid, unique, on-time orders at `rate` for `seconds`: what freshness is measured on."""
    return simulate(
        broker, topic, "--count", str(rate * seconds), "--rate", str(rate),
        "--bad-rate", "0", "--duplicate-rate", "0", "--late-rate", "0",
    )  # fmt: skip


def gold_orders(where: Locations) -> int:
    """Only gold, only its order counts: the probe must not steal the pipeline's CPU."""
    gold = lake.read(where, tables.GOLD, columns=["orders"])
    return 0 if gold is None else int(pc.sum(gold["orders"]).as_py() or 0)


class PeakHeap:
    """The driver JVM's largest heap in use, polled every half second while it runs."""

    def __init__(self, spark) -> None:
        self._memory = spark._jvm.java.lang.management.ManagementFactory.getMemoryMXBean()
        self._stop = threading.Event()
        self.peak = 0
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def _poll(self) -> None:
        while not self._stop.wait(0.5):
            self.peak = max(self.peak, self._memory.getHeapMemoryUsage().getUsed())

    def __enter__(self) -> PeakHeap:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def run_query(mode: str):
    """The callable that runs a lake until `stop`: jobs.pipeline, or the three stage queries."""
    if mode == "pipeline":
        return pipeline.run

    def stages(spark, settings, stop=None):
        if settings.trigger == "available-now":
            # One after another, as a scheduler runs one task per layer: started together,
            # silver and gold would find nothing yet and end at once.
            for stage in (bronze, silver, gold):
                await_all([stage.start(spark, settings)], stop)
            return
        await_all([stage.start(spark, settings) for stage in (bronze, silver, gold)], stop)

    return stages


def kafka_query(mode: str) -> str:
    """The query that reads Kafka: the pipeline's one, or bronze's."""
    return pipeline.QUERY if mode == "pipeline" else bronze.STAGE


def first_batch_done(settings: StageSettings, mode: str) -> bool:
    return Path(settings.locations.checkpoint(kafka_query(mode)), "commits", "0").exists()


def backlog(
    spark, env: Environment, broker: Broker, root: Path, events: int = BACKLOG_EVENTS,
    mode: str = "pipeline",
) -> dict:  # fmt: skip
    topic = f"bench-backlog-{events}-{mode}"
    broker.ensure_topic(topic, env.kafka.partitions)
    producer = simulate(broker, topic, "--count", str(events), "--rate", "0", "--seed", "1")
    if producer.wait() != 0:
        raise RuntimeError(producer.stderr.read().decode())
    settings = settings_for(env, broker, topic, root / topic, "available-now")
    with PeakHeap(spark) as heap:
        started = time.perf_counter()
        run_query(mode)(spark, settings)
        seconds = time.perf_counter() - started
    counts = lake.layer_counts(settings.locations)
    if not counts.bronze == counts.accounted == events or counts.gold_orders != counts.silver:
        raise RuntimeError(f"the backlog run lost track of events: {counts}")
    return {"events": events, "seconds": seconds, "events_per_s": events / seconds,
            "peak_heap_mib": heap.peak / 2**20}  # fmt: skip


def freshness(
    spark, env: Environment, broker: Broker, root: Path, seconds: int = FRESHNESS_SECONDS,
    rate: int = FRESHNESS_RATE, warmup: int = WARMUP_SECONDS, mode: str = "pipeline",
    run: Callable | None = None, visible: Callable[[Locations], int] | None = None,
) -> dict:  # fmt: skip
    """`run` and `visible` stand in for the mode's query and gold's order count (the floor's
    run without gold counts silver's rows)."""
    visible = visible or gold_orders
    topic = f"bench-freshness-{rate}-{mode}"
    broker.ensure_topic(topic, env.kafka.partitions)
    settings = settings_for(env, broker, topic, root / topic, "continuous")
    stop = threading.Event()
    runner = threading.Thread(
        target=run or run_query(mode), args=(spark, settings, stop), daemon=True
    )
    runner.start()
    # Measured from a running pipeline: its first (empty) micro-batch, which creates the tables
    # and starts the query, is committed before the first order is produced.
    while not first_batch_done(settings, mode):
        if not runner.is_alive():
            raise RuntimeError("the pipeline stopped before its first micro-batch")
        time.sleep(0.2)
    expected = rate * (warmup + seconds)
    producer = steady_orders(broker, topic, rate, warmup + seconds)
    seen: list[tuple[float, int]] = []
    deadline = time.time() + warmup + seconds + 600
    produced_all_at = None
    while time.time() < deadline:
        orders = visible(settings.locations)
        seen.append((time.time(), orders))
        if produced_all_at is None and producer.poll() is not None:
            produced_all_at = time.time()
        if orders >= expected:
            break
        time.sleep(POLL_SECONDS)
    producer.wait()
    # From the producer's last event until gold shows it: a batch or two if the pipeline keeps
    # up; the backlog it built up if it does not.
    drain_s = seen[-1][0] - (produced_all_at or seen[-1][0])
    stop.set()
    runner.join(120)
    produced = sorted(
        t.timestamp()
        for t in lake.read(settings.locations, tables.SILVER, ["kafka_timestamp"])
        .column("kafka_timestamp")
        .to_pylist()
    )
    latencies = visible_after(seen, produced)
    steady_from = produced[0] + warmup
    steady = sorted(lag for at, lag in latencies if at >= steady_from)
    everything = sorted(lag for _, lag in latencies)
    minutes: dict[int, list[float]] = {}
    for at, lag in latencies:
        if at >= steady_from:
            minutes.setdefault(int((at - steady_from) // 60), []).append(lag)

    return {
        "events": len(produced),
        "measured": len(steady),
        "p50_s": percentile(steady, 0.50),
        "p95_s": percentile(steady, 0.95),
        "p99_s": percentile(steady, 0.99),
        "drain_s": drain_s,
        "batch_seconds": batch_seconds(settings.locations, mode),
        "with_warmup_p50_s": percentile(everything, 0.50),
        "with_warmup_p95_s": percentile(everything, 0.95),
        "p95_by_minute_s": [percentile(sorted(lags), 0.95) for _, lags in sorted(minutes.items())],
        "trigger_s": env.pipeline.trigger_seconds,
        # Recording is always on: the rows it wrote show it ran alongside the measurement.
        "progress_rows": lake.count(settings.locations, tables.PIPELINE_PROGRESS),
    }


def visible_after(
    seen: list[tuple[float, int]], produced: list[float]
) -> list[tuple[float, float]]:
    """(produced at, seconds until counted) for each event, from the polled (time, count) pairs
    and the events' production times, both in ascending order: the k-th event produced is
    visible once the count reaches k."""
    counts = [n for _, n in seen]
    latencies = []
    for k, produced_at in enumerate(produced, start=1):
        i = bisect_left(counts, k)
        if i < len(seen):
            latencies.append((produced_at, seen[i][0] - produced_at))
    if len(latencies) != len(produced):
        # Leaving out what never showed up would flatter the percentiles.
        raise RuntimeError(f"{len(produced) - len(latencies)} events never became visible in time")
    return latencies


def batch_seconds(where: Locations, mode: str) -> dict:
    """p50 and p95 of the Kafka-reading query's micro-batch durations, from pipeline_progress."""
    query = kafka_query(mode)
    rows = lake.read(where, tables.PIPELINE_PROGRESS, ["query", "batch_duration_ms"])
    found = sorted(r["batch_duration_ms"] / 1000 for r in rows.to_pylist() if r["query"] == query)
    if not found:
        return {"p50": None, "p95": None}
    return {"p50": percentile(found, 0.50), "p95": percentile(found, 0.95)}


def percentile(values: list[float], p: float) -> float:
    """Of values sorted in ascending order."""
    return values[min(len(values) - 1, int(p * len(values)))]


def _measured_seconds(text: str) -> int:
    if not text.isdigit() or not 60 <= int(text) <= 3600:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number from 60 to 3600")
    return int(text)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m scripts.bench_pipeline")
    parser.add_argument(
        "--freshness-seconds",
        type=_measured_seconds,
        default=FRESHNESS_SECONDS,
        metavar="60..3600",
        help="how long the freshness run is measured after its warm-up",
    )
    seconds = parser.parse_args(argv).freshness_seconds
    env = load_environment("local")
    with (
        tempfile.TemporaryDirectory(prefix="bench-") as tmp,
        Broker(port=spare_port(), data_dir=Path(tmp) / "broker") as broker,
    ):
        started = time.perf_counter()
        spark = spark_session(env, "bench")
        session_s = time.perf_counter() - started
        try:
            through = backlog(spark, env, broker, Path(tmp))
            print(
                f"pipeline  backlog    {through['events_per_s']:>9,.0f} events/s  "
                f"({through['events']:,} events, bronze+silver+gold, available-now, "
                f"{through['seconds']:.1f} s; Spark session start {session_s:.1f} s not included)"
            )
            fresh = freshness(spark, env, broker, Path(tmp), seconds)
            print(
                f"pipeline  freshness  p50 {fresh['p50_s']:.1f} s, p95 {fresh['p95_s']:.1f} s  "
                f"({fresh['measured']:,} events at {FRESHNESS_RATE:,}/s after a "
                f"{WARMUP_SECONDS} s warm-up, continuous, trigger {fresh['trigger_s']} s; "
                f"with the warm-up: p50 {fresh['with_warmup_p50_s']:.1f} s, "
                f"p95 {fresh['with_warmup_p95_s']:.1f} s; pipeline_progress recorded "
                f"{fresh['progress_rows']:,} batches)"
            )
            if len(fresh["p95_by_minute_s"]) > 1:
                by_minute = ", ".join(f"{p:.1f}" for p in fresh["p95_by_minute_s"])
                print(f"pipeline  freshness  p95 minute by minute: {by_minute} s")
        finally:
            spark.stop()
    return {"backlog": through, "freshness": fresh, "session_start_s": session_s}


if __name__ == "__main__":
    main(sys.argv[1:])

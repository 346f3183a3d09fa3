"""Simulator throughput: stdout, the local Kafka broker, and a naive one-event-at-a-time baseline.

Starts its own broker on a spare port with a temporary data folder and stops it afterwards.
The simulator's rates are its own end-to-end numbers: from the first send until the last
delivery is acknowledged, interpreter start-up aside. `make bench` calls `main()`.
"""

from __future__ import annotations

import json
import random
import re
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from confluent_kafka import Producer

from contract.catalog import PRODUCTS
from contract.geography import STATES
from scripts.broker import Broker, spare_port

ROOT = Path(__file__).resolve().parent.parent
TOPIC = "bench-orders"
COUNT = 1_000_000
BASELINE_COUNT = 2_000
GOAL_RATE, GOAL_RATIO = 100_000, 50


def simulator_rate(*args: str) -> float:
    """Run `python -m simulator` and read its delivered rate from the summary."""
    result = subprocess.run(
        [sys.executable, "-m", "simulator", "--rate", "0", "--seed", "1", *args],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        check=False,
    )
    match = re.search(r"\(([\d,]+) delivered/s\)", result.stderr)
    if result.returncode != 0 or not match:
        raise SystemExit(f"simulator failed ({result.returncode}):\n{result.stderr}")
    return float(match.group(1).replace(",", ""))


def naive_rate(bootstrap: str, count: int = BASELINE_COUNT) -> float:
    """The seed project's way: build one event, produce it, flush, and only then the next."""
    producer = Producer({"bootstrap.servers": bootstrap, "acks": "all", "enable.idempotence": True})
    states = list(STATES.values())
    started = time.perf_counter()
    for _ in range(count):
        state = random.choice(states)
        product = random.choice(PRODUCTS)
        event = {
            "order_id": str(uuid.uuid4()),
            "state": state.code,
            "city": random.choice(state.cities),
            "product": product.name,
            "quantity": random.randint(1, 3),
            "price": round(random.uniform(product.min_price, product.max_price), 2),
            "timestamp": datetime.now(UTC).isoformat(),
        }
        producer.produce(TOPIC, json.dumps(event).encode(), state.code)
        producer.flush()
    return count / (time.perf_counter() - started)


def main() -> dict[str, float]:
    with (
        tempfile.TemporaryDirectory(prefix="bench-broker-") as data,
        Broker(port=spare_port(), data_dir=Path(data)) as broker,
    ):
        broker.ensure_topic(TOPIC, 4)
        results = {
            "stdout": simulator_rate("-t", "stdout", "--count", str(COUNT)),
            "kafka": simulator_rate(
                "-t",
                "kafka",
                "--bootstrap-servers",
                broker.bootstrap,
                "--topic",
                TOPIC,
                "--count",
                str(COUNT),
            ),  # fmt: skip
            "naive": naive_rate(broker.bootstrap),
        }
    ratio = results["kafka"] / results["naive"]
    print(
        f"simulator  stdout  {results['stdout']:>10,.0f} events/s  ({COUNT:,} events, to /dev/null)"
    )
    print(f"simulator  kafka   {results['kafka']:>10,.0f} events/s  ({COUNT:,} events, acks=all)")
    print(
        f"simulator  naive   {results['naive']:>10,.0f} events/s  "
        f"({BASELINE_COUNT:,} events, produce + flush each; kafka is {ratio:,.0f}x faster)"
    )
    met = results["kafka"] >= GOAL_RATE and ratio >= GOAL_RATIO
    verdict = "met" if met else "NOT met"
    print(
        f"simulator  goal    {verdict}: >= {GOAL_RATE:,} events/s to the broker "
        f"and >= {GOAL_RATIO}x the naive baseline"
    )
    return results | {"ratio": ratio}


if __name__ == "__main__":
    main()

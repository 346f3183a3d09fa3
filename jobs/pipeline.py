"""All three stages in one local Spark process: what `make demo`, the tests and the bench run.

One JVM instead of three matters on a 2-core machine. Each stage gets its own session
(shared SparkContext, separate SQL conf) exactly as it would in its own process.

python -m jobs.pipeline --env local [--trigger available-now|continuous]
"""

from __future__ import annotations

import sys
import threading

from pyspark.sql import SparkSession

from jobs import bronze, gold, silver
from jobs.runner import await_all, stop_on_signals
from jobs.session import spark_session
from jobs.settings import StageSettings, parse

STAGES = (bronze, silver, gold)


def run(spark: SparkSession, settings: StageSettings, stop: threading.Event | None = None) -> None:
    """available-now: one stage after the other, each draining its input; continuous: together."""
    if settings.trigger == "available-now":
        for stage in STAGES:
            await_all([stage.start(spark.newSession(), settings)], stop)
            if stop is not None and stop.is_set():
                return
    else:
        await_all([stage.start(spark.newSession(), settings) for stage in STAGES], stop)


def main(argv: list[str] | None = None) -> None:
    settings = parse("pipeline", argv)
    spark = spark_session(settings.env, "orders-pipeline")
    try:
        run(spark, settings, stop_on_signals())
    except RuntimeError as exc:
        print(f"pipeline: {exc}", file=sys.stderr)
        raise SystemExit(1) from None


if __name__ == "__main__":
    main()

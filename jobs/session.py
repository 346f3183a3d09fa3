"""The SparkSession for a stage: Databricks' own there, a small local one with Delta here."""

from __future__ import annotations

import os
from pathlib import Path

from contract import tables
from environments import Environment

ROOT = Path(__file__).resolve().parent.parent
SPARK_JARS = ROOT / ".jars" / "spark"
HOTSPOT_DIRECTIVES = Path(__file__).with_name("hotspot_directives.json")


def on_databricks() -> bool:
    return "DATABRICKS_RUNTIME_VERSION" in os.environ


def cluster_static_conf() -> dict[str, str]:
    """Settings fixed when the JVM starts: the local session's, and the Databricks cluster's."""
    # A micro-batch runs over a hundred distinct generated classes (the stages, Delta's log
    # reads, gold's write): with Spark's default cache of 100, each batch compiled them all again.
    return {"spark.sql.codegen.cache.maxEntries": "2000"}


def compaction_conf(env: Environment) -> dict[str, str]:
    """Who compacts small files: Delta, as the tables' autoCompact property says (it checks
    after every write), or the jobs every N batches (Delta's check turned off)."""
    if not env.pipeline.compact_every_batches:
        return {}
    return {
        "spark.databricks.delta.autoCompact.enabled": "false",
        # Rewrite the small files of frequent micro-batches, not the tens-of-MB files a
        # backlog batch writes or an earlier compaction made (OPTIMIZE's default: under 1 GB).
        "spark.databricks.delta.optimize.minFileSize": str(16 * 1024 * 1024),
    }


def local_conf(env: Environment) -> dict[str, str]:
    """Sized for a 2-core laptop: few partitions, no UI, Delta and Kafka on the classpath."""
    jars = sorted(str(p) for p in SPARK_JARS.glob("*.jar"))
    if not jars:
        raise RuntimeError("Spark jars missing in .jars/spark: run `make setup`")
    return cluster_static_conf() | {
        "spark.master": env.spark.master,
        "spark.driver.memory": env.spark.driver_memory,
        "spark.jars": ",".join(jars),
        "spark.jars.ivy": str(ROOT / ".cache" / "ivy"),
        "spark.sql.extensions": "io.delta.sql.DeltaSparkSessionExtension",
        "spark.sql.catalog.spark_catalog": "org.apache.spark.sql.delta.catalog.DeltaCatalog",
        "spark.sql.warehouse.dir": str(ROOT / "data" / "spark-warehouse"),
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.sql.session.timeZone": "UTC",
        "spark.default.parallelism": "2",
        # Delta reads its log with 50 tasks by default: pure overhead on two cores.
        "spark.databricks.delta.snapshotPartitions": "2",
        "spark.databricks.delta.optimizeWrite.enabled": "false",
        # A log checkpoint every 100 commits, not 10: every table commits once a micro-batch,
        # so all of them wrote one in the same batch, a 2-3 s stall every tenth batch. The
        # longer log between checkpoints did not slow the batches between (measured).
        "spark.databricks.delta.properties.defaults.checkpointInterval": "100",
        # Parquet's dictionary encoder only spends CPU on columns whose values are all distinct.
        **{
            f"spark.hadoop.parquet.enable.dictionary#{column}": "false"
            for column in tables.DISTINCT_COLUMNS
        },
        "spark.sql.streaming.stateStore.providerClass": (
            "org.apache.spark.sql.execution.streaming.state.RocksDBStateStoreProvider"
        ),
        "spark.driver.extraJavaOptions": " ".join(
            (
                "-XX:+UseParallelGC",
                # Spark's generated stage loops are huge methods: compile them anyway...
                "-XX:-DontCompileHugeMethods",
                # ...but with C1 only. On silver's parse (19 KB of bytecode) C2 works ~1.3 s
                # and gives up ("out of nodes"), more than once: on two cores that took a
                # core from the parse itself.
                "-XX:+UnlockDiagnosticVMOptions",
                f"-XX:CompilerDirectivesFile='{HOTSPOT_DIRECTIVES}'",
            )
        ),
    }


def spark_session(env: Environment, app_name: str):
    """Shared conf first (both targets), then the local-only part when not on Databricks."""
    from pyspark.sql import SparkSession

    builder = (
        SparkSession.builder.appName(app_name)
        .config("spark.sql.shuffle.partitions", str(env.pipeline.shuffle_partitions))
        # Silver's two JSON readers must agree: from_json keeps a duplicate key's last value.
        .config("spark.sql.variant.allowDuplicateKeys", "true")
        # Otherwise the optimizer splits silver's one from_json into one parse per field.
        .config("spark.sql.optimizer.enableJsonExpressionOptimization", "false")
    )
    for key, value in compaction_conf(env).items():
        builder = builder.config(key, value)
    if not on_databricks():
        for key, value in local_conf(env).items():
            builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("WARN")
    return spark

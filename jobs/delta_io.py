"""Delta Lake reads and writes shared by the stages: table creation and exactly-once writes.

Every write inside a foreachBatch carries (txnAppId, txnVersion=batch id): when a crashed
batch is replayed, Delta skips the writes it already committed, so replays change nothing.
"""

from __future__ import annotations

from pyspark.sql import DataFrame, SparkSession

from contract import tables
from contract.tables import Locations
from jobs.storage import discard_uncommitted_table_log, has_commit

TABLE_PROPERTIES = {
    "delta.autoOptimize.autoCompact": "true",
    "delta.appendOnly": "false",
}


def ensure_tables(spark: SparkSession, where: Locations, *names: str) -> None:
    """Create the tables that are not there yet, empty, so readers never race a first write.

    Layout (columns, partitioning, statistics) comes from contract.tables. An existing table
    costs one listing of its log, not a Delta snapshot.
    """
    from delta.tables import DeltaTable

    for name in names:
        path = where.table(name)
        if has_commit(spark, path):
            continue
        discard_uncommitted_table_log(spark, path)
        builder = (
            DeltaTable.createIfNotExists(spark)
            .location(path)
            .addColumns(spark.createDataFrame([], tables.DDL[name]).schema)
        )
        if name in tables.PARTITIONING:
            builder = builder.partitionedBy(*tables.PARTITIONING[name])
        properties = dict(TABLE_PROPERTIES)
        if name in tables.STATS_COLUMNS:
            properties["delta.dataSkippingStatsColumns"] = ",".join(tables.STATS_COLUMNS[name])
        for key, value in properties.items():
            builder = builder.property(key, value)
        builder.execute()


def read(spark: SparkSession, path: str) -> DataFrame:
    return spark.read.format("delta").load(path)


def read_stream(spark: SparkSession, path: str, settings) -> DataFrame:
    reader = spark.readStream.format("delta")
    if settings.pipeline.max_files_per_trigger:
        reader = reader.option("maxFilesPerTrigger", settings.pipeline.max_files_per_trigger)
    return reader.load(path)


def append(df: DataFrame, path: str) -> None:
    """A plain append: only for writes whose replay is ruled out another way.

    append_once's transaction check replays the table's log (a Spark job) on every write.
    """
    df.write.format("delta").mode("append").save(path)


def append_once(df: DataFrame, path: str, app_id: str, version: int) -> None:
    (
        df.write.format("delta")
        .mode("append")
        .option("txnAppId", app_id)
        .option("txnVersion", version)
        .save(path)
    )


def merge_once(
    spark: SparkSession,
    path: str,
    source: DataFrame,
    on: str,
    actions: dict,
    app_id: str,
    version: int,
) -> None:
    """MERGE made idempotent through Delta's session-level transaction identifiers."""
    from delta.tables import DeltaTable

    spark.conf.set("spark.databricks.delta.write.txnAppId", app_id)
    spark.conf.set("spark.databricks.delta.write.txnVersion", str(version))
    try:
        (
            DeltaTable.forPath(spark, path)
            .alias("t")
            .merge(source.alias("s"), on)
            .whenMatchedUpdate(set=actions["update"])
            .whenNotMatchedInsert(values=actions["insert"])
            .execute()
        )
    finally:
        spark.conf.unset("spark.databricks.delta.write.txnAppId")
        spark.conf.unset("spark.databricks.delta.write.txnVersion")

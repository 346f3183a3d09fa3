"""Names and locations of every table the pipeline writes: the one place to look them up."""

from __future__ import annotations

import re
from dataclasses import dataclass

from contract.events import PRICE_TYPE, REVENUE_TYPE, TOTAL_TYPE

BRONZE = "bronze_orders"
SILVER = "silver_orders"
QUARANTINE = "quarantine_orders"
DUPLICATES = "duplicate_orders"
SILVER_BATCHES = "silver_batches"
GOLD = "gold_order_minutes"
PIPELINE_PROGRESS = "pipeline_progress"

# The streaming queries, by the names their checkpoints have: one query for every layer, or one
# per layer (jobs.bronze|silver|gold). The first or the bronze one reads Kafka.
PIPELINE_QUERY = "pipeline"
STAGE_QUERIES: tuple[str, ...] = ("bronze", "silver", "gold")
KAFKA_QUERIES: tuple[str, ...] = (PIPELINE_QUERY, "bronze")

ALL_TABLES: tuple[str, ...] = (
    BRONZE,
    SILVER,
    QUARANTINE,
    DUPLICATES,
    SILVER_BATCHES,
    GOLD,
    PIPELINE_PROGRESS,
)


@dataclass(frozen=True)
class Locations:
    """Where each table and checkpoint lives under an environment's lake and checkpoint roots."""

    lake_root: str
    checkpoint_root: str

    def table(self, name: str) -> str:
        return f"{self.lake_root.rstrip('/')}/{name}"

    def checkpoint(self, stage: str) -> str:
        return f"{self.checkpoint_root.rstrip('/')}/{stage}"


# Column layouts, as Spark DDL. The jobs create the tables from these; the dashboard reads
# gold and quarantine with delta-rs; the warehouse registers gold.
BRONZE_DDL = (
    "key BINARY, payload BINARY, topic STRING, partition INT, offset BIGINT, "
    "kafka_timestamp TIMESTAMP, ingested_at TIMESTAMP"
)
SILVER_DDL = (
    "order_id STRING, customer_id STRING, state STRING, city STRING, product STRING, "
    f"category STRING, quantity INT, price {PRICE_TYPE}, revenue {REVENUE_TYPE}, currency STRING, "
    "channel STRING, payment_method STRING, event_time TIMESTAMP, schema_version INT, "
    "topic STRING, partition INT, offset BIGINT, kafka_timestamp TIMESTAMP, batch_id BIGINT, "
    "processed_at TIMESTAMP"
)
DUPLICATES_DDL = (
    "order_id STRING, event_time TIMESTAMP, detail STRING, topic STRING, partition INT, "
    "offset BIGINT, kafka_timestamp TIMESTAMP, batch_id BIGINT, detected_at TIMESTAMP"
)
# One row per silver micro-batch: the audit trail of the accounting, and the watermark's memory.
SILVER_BATCHES_DDL = (
    "batch_id BIGINT, bronze_rows BIGINT, silver_rows BIGINT, quarantined BIGINT, "
    "duplicates BIGINT, late BIGINT, max_event_time TIMESTAMP, watermark TIMESTAMP, "
    "processed_at TIMESTAMP"
)
GOLD_DDL = (
    "window_start TIMESTAMP, window_end TIMESTAMP, window_date DATE, state STRING, "
    f"product STRING, category STRING, orders BIGINT, units BIGINT, revenue {TOTAL_TYPE}, "
    f"avg_order_value {REVENUE_TYPE}, updated_at TIMESTAMP"
)
GOLD_KEY: tuple[str, ...] = ("window_start", "state", "product")
GOLD_PARTITION: tuple[str, ...] = ("window_date",)

QUARANTINE_DDL = (
    "payload BINARY, reason STRING, detail STRING, topic STRING, partition INT, offset BIGINT, "
    "kafka_timestamp TIMESTAMP, batch_id BIGINT, quarantined_at TIMESTAMP"
)

# One row per micro-batch and streaming query, from Spark's own progress report (jobs.progress):
# how far behind the newest Kafka offsets and the clock the pipeline is, and what it rejected.
# Offsets are JSON as Spark reports them ({"topic": {"partition": offset}}); the silver columns
# are null for a query that does not validate (bronze and gold of the separate stages).
PIPELINE_PROGRESS_DDL = (
    "query STRING, run_id STRING, batch_id BIGINT, triggered_at TIMESTAMP, records_in BIGINT, "
    "input_rows_per_second DOUBLE, processed_rows_per_second DOUBLE, batch_duration_ms BIGINT, "
    "records_behind BIGINT, end_offsets STRING, latest_offsets STRING, "
    "newest_event_time TIMESTAMP, event_time_lag_seconds DOUBLE, watermark TIMESTAMP, "
    "rejects MAP<STRING, BIGINT>, recorded_at TIMESTAMP"
)

DDL: dict[str, str] = {
    BRONZE: BRONZE_DDL,
    SILVER: SILVER_DDL,
    QUARANTINE: QUARANTINE_DDL,
    DUPLICATES: DUPLICATES_DDL,
    SILVER_BATCHES: SILVER_BATCHES_DDL,
    GOLD: GOLD_DDL,
    PIPELINE_PROGRESS: PIPELINE_PROGRESS_DDL,
}
PARTITIONING: dict[str, tuple[str, ...]] = {GOLD: GOLD_PARTITION}
# Columns Delta keeps min/max statistics for: the ones reads filter on (bronze by arrival time,
# silver's duplicate check by event time). Statistics on every column cost a quarter of a write.
STATS_COLUMNS: dict[str, tuple[str, ...]] = {
    BRONZE: ("kafka_timestamp",),
    SILVER: ("event_time", "kafka_timestamp"),
    PIPELINE_PROGRESS: ("recorded_at", "batch_id"),
}
# Tables that must not grow for ever: rows older than the environment's
# observability.progress_retention_days are deleted, and files that old removed, by the writer.
SHORT_LIVED: dict[str, dict[str, str]] = {
    PIPELINE_PROGRESS: {
        "delta.logRetentionDuration": "interval 7 days",
        "delta.deletedFileRetentionDuration": "interval 1 days",
        "delta.setTransactionRetentionDuration": "interval 7 days",
    },
}
# Columns whose values are (nearly) all distinct, in every table that has them: Parquet's
# dictionary encoding only spends CPU on them before it gives up.
DISTINCT_COLUMNS: tuple[str, ...] = (
    "payload",
    "order_id",
    "offset",
    "kafka_timestamp",
    "event_time",
)


# Every table: Delta compacts small files itself (Databricks; locally the jobs do it instead,
# pipeline.compact_every_batches), and updates stay possible (gold's MERGE, retention deletes).
BASE_PROPERTIES = {
    "delta.autoOptimize.autoCompact": "true",
    "delta.appendOnly": "false",
}


def properties(name: str) -> dict[str, str]:
    """The table properties a table is created with, by the jobs or by the deployment."""
    found = BASE_PROPERTIES | SHORT_LIVED.get(name, {})
    if name in STATS_COLUMNS:
        found["delta.dataSkippingStatsColumns"] = ",".join(STATS_COLUMNS[name])
    return found


def columns(ddl: str) -> list[tuple[str, str]]:
    """(name, type) pairs of a DDL string, in order; commas inside DECIMAL(p,s) or MAP<k, v>
    do not split."""
    return [tuple(part.split(maxsplit=1)) for part in re.split(r",(?![^(<]*[)>])", ddl)]


def column_names(ddl: str) -> list[str]:
    return [name for name, _ in columns(ddl)]

"""Names and locations of every table the pipeline writes: the one place to look them up."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

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


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # a Spark SQL type, as DDL writes it


@dataclass(frozen=True)
class Table:
    """One table's layout: the jobs create it from this, the warehouse registers it, the
    dashboard and the tests read it. DDL, Spark and Arrow schemas are derived, never restated."""

    name: str
    columns: tuple[Column, ...]
    partitioned_by: tuple[str, ...] = ()
    # Columns Delta keeps min/max statistics for: the ones reads filter on. Statistics on every
    # column cost a quarter of a write.
    stats_columns: tuple[str, ...] = ()
    # Retention of the log and of removed files, for tables that must not grow for ever.
    retention: Mapping[str, str] = field(default_factory=dict)

    @property
    def ddl(self) -> str:
        return ", ".join(f"{c.name} {c.type}" for c in self.columns)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def properties(self) -> dict[str, str]:
        """The table properties it is created with, by the jobs or by the deployment."""
        found = BASE_PROPERTIES | dict(self.retention)
        if self.stats_columns:
            found["delta.dataSkippingStatsColumns"] = ",".join(self.stats_columns)
        return found


def _columns(*pairs: tuple[str, str]) -> tuple[Column, ...]:
    return tuple(Column(name, kind) for name, kind in pairs)


# Every table: Delta compacts small files itself (Databricks; locally the jobs do it instead,
# pipeline.compact_every_batches), and updates stay possible (gold's rewrites, retention deletes).
BASE_PROPERTIES = {
    "delta.autoOptimize.autoCompact": "true",
    "delta.appendOnly": "false",
}
_KAFKA = (("topic", "STRING"), ("partition", "INT"), ("offset", "BIGINT"),
          ("kafka_timestamp", "TIMESTAMP"))  # fmt: skip

GOLD_KEY: tuple[str, ...] = ("window_start", "state", "product")
GOLD_PARTITION: tuple[str, ...] = ("window_date",)

TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table(
            BRONZE,
            _columns(("key", "BINARY"), ("payload", "BINARY"), *_KAFKA,
                     ("ingested_at", "TIMESTAMP")),
            stats_columns=("kafka_timestamp",),  # bronze is read by arrival time
        ),
        Table(
            SILVER,
            _columns(
                ("order_id", "STRING"), ("customer_id", "STRING"), ("state", "STRING"),
                ("city", "STRING"), ("product", "STRING"), ("category", "STRING"),
                ("quantity", "INT"), ("price", PRICE_TYPE), ("revenue", REVENUE_TYPE),
                ("currency", "STRING"), ("channel", "STRING"), ("payment_method", "STRING"),
                ("event_time", "TIMESTAMP"), ("schema_version", "INT"), *_KAFKA,
                ("batch_id", "BIGINT"), ("processed_at", "TIMESTAMP"),
            ),
            stats_columns=("event_time", "kafka_timestamp"),  # the duplicate check's horizon
        ),
        Table(
            QUARANTINE,
            _columns(("payload", "BINARY"), ("reason", "STRING"), ("detail", "STRING"),
                     *_KAFKA, ("batch_id", "BIGINT"), ("quarantined_at", "TIMESTAMP")),
        ),
        Table(
            DUPLICATES,
            _columns(("order_id", "STRING"), ("event_time", "TIMESTAMP"), ("detail", "STRING"),
                     *_KAFKA, ("batch_id", "BIGINT"), ("detected_at", "TIMESTAMP")),
        ),
        # One row per silver micro-batch: the audit trail of the accounting, and the
        # watermark's memory.
        Table(
            SILVER_BATCHES,
            _columns(
                ("batch_id", "BIGINT"), ("bronze_rows", "BIGINT"), ("silver_rows", "BIGINT"),
                ("quarantined", "BIGINT"), ("duplicates", "BIGINT"), ("late", "BIGINT"),
                ("max_event_time", "TIMESTAMP"), ("watermark", "TIMESTAMP"),
                ("processed_at", "TIMESTAMP"),
            ),
        ),
        Table(
            GOLD,
            _columns(
                ("window_start", "TIMESTAMP"), ("window_end", "TIMESTAMP"),
                ("window_date", "DATE"), ("state", "STRING"), ("product", "STRING"),
                ("category", "STRING"), ("orders", "BIGINT"), ("units", "BIGINT"),
                ("revenue", TOTAL_TYPE), ("avg_order_value", REVENUE_TYPE),
                ("updated_at", "TIMESTAMP"),
            ),
            partitioned_by=GOLD_PARTITION,
        ),
        # One row per micro-batch and streaming query, from Spark's own progress report
        # (jobs.progress): how far behind the newest Kafka offsets and the clock the pipeline
        # is, and what it rejected. Offsets are JSON as Spark reports them; the silver columns
        # are null for a query that does not validate (bronze and gold of separate stages).
        Table(
            PIPELINE_PROGRESS,
            _columns(
                ("query", "STRING"), ("run_id", "STRING"), ("batch_id", "BIGINT"),
                ("triggered_at", "TIMESTAMP"), ("records_in", "BIGINT"),
                ("input_rows_per_second", "DOUBLE"), ("processed_rows_per_second", "DOUBLE"),
                ("batch_duration_ms", "BIGINT"), ("records_behind", "BIGINT"),
                ("end_offsets", "STRING"), ("latest_offsets", "STRING"),
                ("newest_event_time", "TIMESTAMP"), ("event_time_lag_seconds", "DOUBLE"),
                ("watermark", "TIMESTAMP"), ("rejects", "MAP<STRING, BIGINT>"),
                ("recorded_at", "TIMESTAMP"),
            ),
            stats_columns=("recorded_at", "batch_id"),
            # Rows past observability.progress_retention_days are deleted by its writer.
            retention={
                "delta.logRetentionDuration": "interval 7 days",
                "delta.deletedFileRetentionDuration": "interval 1 days",
                "delta.setTransactionRetentionDuration": "interval 7 days",
            },
        ),
    )
}  # fmt: skip
# Columns whose values are (nearly) all distinct, in every table that has them: Parquet's
# dictionary encoding only spends CPU on them before it gives up.
DISTINCT_COLUMNS: tuple[str, ...] = (
    "payload",
    "order_id",
    "offset",
    "kafka_timestamp",
    "event_time",
)

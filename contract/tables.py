"""Names and locations of every table the pipeline writes: the one place to look them up."""

from __future__ import annotations

from dataclasses import dataclass

BRONZE = "bronze_orders"
SILVER = "silver_orders"
QUARANTINE = "quarantine_orders"
DUPLICATES = "duplicate_orders"
SILVER_BATCHES = "silver_batches"
GOLD = "gold_order_minutes"

ALL_TABLES: tuple[str, ...] = (BRONZE, SILVER, QUARANTINE, DUPLICATES, SILVER_BATCHES, GOLD)


@dataclass(frozen=True)
class Locations:
    """Where each table and checkpoint lives under an environment's lake and checkpoint roots."""

    lake_root: str
    checkpoint_root: str

    def table(self, name: str) -> str:
        return f"{self.lake_root.rstrip('/')}/{name}"

    def checkpoint(self, stage: str) -> str:
        return f"{self.checkpoint_root.rstrip('/')}/{stage}"


# Column layouts, as Spark DDL, of the tables other parts read directly.
# The dashboard reads gold and quarantine with delta-rs; the warehouse registers gold.
GOLD_DDL = (
    "window_start TIMESTAMP, window_end TIMESTAMP, window_date DATE, state STRING, "
    "product STRING, category STRING, orders BIGINT, units BIGINT, revenue DECIMAL(18,2), "
    "avg_order_value DECIMAL(18,2), updated_at TIMESTAMP"
)
GOLD_KEY: tuple[str, ...] = ("window_start", "state", "product")
GOLD_PARTITION: tuple[str, ...] = ("window_date",)

QUARANTINE_DDL = (
    "payload BINARY, reason STRING, detail STRING, topic STRING, partition INT, offset BIGINT, "
    "kafka_timestamp TIMESTAMP, batch_id BIGINT, quarantined_at TIMESTAMP"
)

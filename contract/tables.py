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

"""Bin-packing the small files streaming appends leave behind."""

from __future__ import annotations

from pyspark.sql import SparkSession

from contract.tables import Locations
from jobs.delta_io import side_by_side


def compact(spark: SparkSession, where: Locations, *names: str) -> None:
    """Bin-pack the tables' small files (data unchanged: streaming readers skip the commit)."""
    from delta.tables import DeltaTable

    side_by_side(
        lambda name: DeltaTable.forPath(spark, where.table(name)).optimize().executeCompaction(),
        names,
    )

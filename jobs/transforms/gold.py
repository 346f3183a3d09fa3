"""Gold: per-minute business totals per state and product, and gold's windows with them added."""

from __future__ import annotations

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from contract import events, tables

_SUMS = ("orders", "units", "revenue")


def minute_totals(silver: DataFrame) -> DataFrame:
    """Sum a slice of silver into 1-minute tumbling windows; these are increments, not totals."""
    return (
        silver.withColumn("window_start", F.date_trunc("minute", "event_time"))
        .groupBy("window_start", "state", "product")
        .agg(
            F.first("category").alias("category"),
            F.count(F.lit(1)).alias("orders"),
            F.sum("quantity").cast("bigint").alias("units"),
            F.sum("revenue").cast(events.TOTAL_TYPE).alias("revenue"),
        )
        .withColumn("window_end", F.col("window_start") + F.expr("INTERVAL 1 MINUTE"))
        .withColumn("window_date", F.to_date("window_start"))
    )


def average_order_value(revenue, orders):
    """Revenue per order, rounded to cents, as gold stores it: it fits one order's type."""
    return F.round(revenue / orders, events.REVENUE_SCALE).cast(events.REVENUE_TYPE)


def add_increments(current: DataFrame, increments: DataFrame) -> DataFrame:
    """Gold's windows after a batch: the windows `current` holds, with `increments` (from
    `minute_totals`, plus their `updated_at`) added. A window the batch did not touch keeps
    its sums and its update time."""
    columns = [*tables.GOLD_KEY, "window_end", "window_date", "category", *_SUMS, "updated_at"]
    summed = (
        current.select(*columns)
        .unionByName(increments.select(*columns))
        .groupBy(*tables.GOLD_KEY, "window_end", "window_date")
        .agg(
            F.first("category").alias("category"),
            F.sum("orders").cast("bigint").alias("orders"),
            F.sum("units").cast("bigint").alias("units"),
            F.sum("revenue").cast(events.TOTAL_TYPE).alias("revenue"),
            F.max("updated_at").alias("updated_at"),
        )
        .withColumn("avg_order_value", average_order_value(F.col("revenue"), F.col("orders")))
    )
    return summed.select(*tables.TABLES[tables.GOLD].column_names)

"""Bronze keeps the Kafka record untouched, plus where it came from and when it arrived."""

from __future__ import annotations

from pyspark.sql import DataFrame
from pyspark.sql import functions as F


def to_bronze(kafka_records: DataFrame) -> DataFrame:
    return kafka_records.select(
        F.col("key"),
        F.col("value").alias("payload"),
        F.col("topic"),
        F.col("partition"),
        F.col("offset"),
        F.col("timestamp").alias("kafka_timestamp"),
        F.current_timestamp().alias("ingested_at"),
    )

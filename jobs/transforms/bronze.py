"""Bronze keeps the Kafka record untouched, plus where it came from and when it arrived."""

from __future__ import annotations

from datetime import datetime

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from jobs.transforms.per_batch import per_batch


def to_bronze(kafka_records: DataFrame, ingested_at: datetime) -> DataFrame:
    return kafka_records.select(
        F.col("key"),
        F.col("value").alias("payload"),
        F.col("topic"),
        F.col("partition"),
        F.col("offset"),
        F.col("timestamp").alias("kafka_timestamp"),
        per_batch(ingested_at, "timestamp").alias("ingested_at"),
    )

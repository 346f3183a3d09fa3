"""The pipeline-health questions in Databricks SQL: one definition for the SQL alerts and the
Lakeview "Pipeline health" page, the same as the local dashboard's (dashboard.lag).

Each function takes quoted table names and returns one statement.
"""

from __future__ import annotations

from contract.tables import KAFKA_QUERIES

# The reject rate is judged over this many minutes, on Azure as in `make status`.
REJECT_WINDOW_MINUTES = 15
_READS_KAFKA = "query IN ({})".format(", ".join(f"'{q}'" for q in KAFKA_QUERIES))


def gold_minutes_stale(gold: str) -> str:
    """Minutes since gold last changed; 0 while it is empty (a new deployment is not stale)."""
    return (
        "SELECT coalesce(timestampdiff(MINUTE, max(updated_at), current_timestamp()), 0)"
        f" AS minutes_stale\nFROM {gold}"
    )


def reject_rate(progress: str, minutes: int = REJECT_WINDOW_MINUTES) -> str:
    """Records quarantined over records read from Kafka in the last `minutes`; 0 with none."""
    return (
        "SELECT coalesce(\n"
        "  sum(aggregate(map_values(rejects), 0L, (total, n) -> total + n))\n"
        f"  / nullif(sum(CASE WHEN {_READS_KAFKA} THEN records_in END), 0), 0) AS reject_rate\n"
        f"FROM {progress}\n"
        f"WHERE recorded_at >= current_timestamp() - INTERVAL {minutes} MINUTES"
    )


def newest_batch(progress: str) -> str:
    """The Kafka-reading query's newest batch: records and seconds behind, and its duration."""
    return (
        "SELECT records_behind, event_time_lag_seconds AS seconds_behind,\n"
        "  batch_duration_ms / 1000.0 AS batch_seconds, recorded_at\n"
        f"FROM {progress}\nWHERE {_READS_KAFKA}\nORDER BY recorded_at DESC\nLIMIT 1"
    )


def behind_per_minute(progress: str, hours: int = 24) -> str:
    return (
        "SELECT date_trunc('MINUTE', recorded_at) AS minute,\n"
        "  max(records_behind) AS records_behind,\n"
        "  max(event_time_lag_seconds) AS seconds_behind,\n"
        "  max(batch_duration_ms) / 1000.0 AS batch_seconds\n"
        f"FROM {progress}\n"
        f"WHERE recorded_at >= current_timestamp() - INTERVAL {hours} HOURS\n"
        "GROUP BY 1"
    )


def rejected_share_per_minute(batches: str, hours: int = 24) -> str:
    """From silver's audit rows: the share of each minute's records quarantined or repeated."""
    return (
        "SELECT date_trunc('MINUTE', processed_at) AS minute,\n"
        "  sum(quarantined) / nullif(sum(bronze_rows), 0) AS quarantined_share,\n"
        "  sum(duplicates) / nullif(sum(bronze_rows), 0) AS duplicate_share\n"
        f"FROM {batches}\n"
        f"WHERE processed_at >= current_timestamp() - INTERVAL {hours} HOURS\n"
        "GROUP BY 1"
    )

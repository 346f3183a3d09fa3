"""How far behind the local pipeline is: the broker's own offsets against the pipeline's checkpoint.

Records behind are the topic's newest offsets minus the offsets the pipeline's last committed
batch ended at (what Spark keeps in its checkpoint: Spark commits nothing to Kafka consumer
groups). Seconds behind, while records wait, are the time since that batch was planned: a batch
takes everything waiting up to pipeline.max_offsets_per_trigger, so below that every waiting
record came in since (draining a larger backlog, this understates the oldest record's age).
Both are read live, so they grow while the pipeline is stopped, when no progress row is being
written. The last hour comes from pipeline_progress.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from contract.tables import KAFKA_QUERIES, Locations

PROGRESS_COLUMNS = (
    "query",
    "batch_id",
    "records_in",
    "records_behind",
    "event_time_lag_seconds",
    "rejects",
    "recorded_at",
)
Offsets = dict[int, int]


@dataclass(frozen=True)
class Position:
    """Where the newest committed batch ended, per partition, and when it was planned."""

    offsets: Offsets
    planned_at: datetime


def committed_position(checkpoint: Path, topic: str) -> Position | None:
    """None before the first committed batch."""
    commits = [int(p.name) for p in (checkpoint / "commits").glob("[0-9]*")]
    if not commits:
        return None
    lines = (checkpoint / "offsets" / str(max(commits))).read_text().splitlines()
    # v1, the batch's metadata, then one line per source: the Kafka source's offsets by topic.
    planned_at = datetime.fromtimestamp(json.loads(lines[1])["batchTimestampMs"] / 1000, UTC)
    for line in lines[2:]:
        offsets = json.loads(line)
        if isinstance(offsets, dict) and topic in offsets:
            return Position({int(p): int(o) for p, o in offsets[topic].items()}, planned_at)
    return None


def pipeline_position(locations: Locations, topic: str) -> Position | None:
    for query in KAFKA_QUERIES:
        found = committed_position(Path(locations.checkpoint(query)), topic)
        if found is not None:
            return found
    return None


@dataclass(frozen=True)
class Broker:
    """The topic's side of the comparison, read with a throwaway consumer."""

    bootstrap: str
    topic: str

    def _consumer(self):
        from confluent_kafka import Consumer

        return Consumer(
            {
                "bootstrap.servers": self.bootstrap,
                "group.id": "orders-lag",
                "enable.auto.commit": False,
                "socket.timeout.ms": 2000,
                "log_level": 0,
            }
        )

    def newest_offsets(self) -> Offsets:
        from confluent_kafka import TopicPartition

        consumer = self._consumer()
        try:
            meta = consumer.list_topics(self.topic, timeout=2).topics[self.topic]
            return {
                p: consumer.get_watermark_offsets(TopicPartition(self.topic, p), timeout=2)[1]
                for p in meta.partitions
            }
        finally:
            consumer.close()


@dataclass(frozen=True)
class Lag:
    records_behind: int | None
    seconds_behind: float | None
    stalled: bool

    def as_json(self) -> dict:
        return {
            "records_behind": self.records_behind,
            "seconds_behind": None
            if self.seconds_behind is None
            else round(self.seconds_behind, 1),
            "stalled": self.stalled,
        }


def lag_now(newest: Offsets, read: Position | None, now: datetime, stalled_after: timedelta) -> Lag:
    """Stalled: records wait in the topic, and have waited longer than allowed."""
    offsets = read.offsets if read else {}
    behind = sum(max(0, end - offsets.get(p, 0)) for p, end in newest.items())
    seconds = 0.0
    if behind and read is not None:
        seconds = max(0.0, (now - read.planned_at).total_seconds())
    return Lag(behind, seconds, behind > 0 and seconds > stalled_after.total_seconds())


def measure(broker: Broker, locations: Locations, now: datetime, stalled_after: timedelta) -> Lag:
    """The live figures; unknown (None) while the broker does not answer."""
    try:
        newest = broker.newest_offsets()
    except Exception:  # noqa: BLE001 - a stopped broker is a state to show, not an error
        return Lag(None, None, False)
    return lag_now(newest, pipeline_position(locations, broker.topic), now, stalled_after)


def _rows_since(progress: pa.Table, now: datetime, minutes: int) -> list[dict]:
    since = pa.scalar(now - timedelta(minutes=minutes), progress["recorded_at"].type)
    return progress.filter(pc.field("recorded_at") >= since).to_pylist()


def history(progress: pa.Table, now: datetime, minutes: int = 60) -> list[dict]:
    """Per minute of the last hour: the most records and seconds behind any batch saw, records
    read, and rejects by reason. Only the Kafka-reading query counts toward records behind."""
    minutes_seen: dict[datetime, dict] = {}
    for row in _rows_since(progress, now, minutes):
        minute = row["recorded_at"].replace(second=0, microsecond=0, tzinfo=UTC)
        slot = minutes_seen.setdefault(
            minute,
            {"records_in": 0, "records_behind": 0, "seconds_behind": 0.0, "rejects": Counter()},
        )
        if row["query"] in KAFKA_QUERIES:
            slot["records_in"] += row["records_in"] or 0
            slot["records_behind"] = max(slot["records_behind"], row["records_behind"] or 0)
        slot["seconds_behind"] = max(slot["seconds_behind"], row["event_time_lag_seconds"] or 0)
        slot["rejects"].update(dict(row["rejects"] or {}))
    return [
        {
            "minute": minute.strftime("%Y-%m-%dT%H:%MZ"),
            "records_behind": slot["records_behind"],
            "seconds_behind": round(slot["seconds_behind"], 1),
            "reject_rate": _rates(slot["rejects"], slot["records_in"]),
        }
        for minute, slot in sorted(minutes_seen.items())
    ]


def _rates(rejects: Mapping[str, int], records: int) -> dict[str, float]:
    return {reason: round(n / records, 4) for reason, n in sorted(rejects.items()) if records}


@dataclass(frozen=True)
class Recent:
    """The Kafka-reading query's batches of the last few minutes, summed."""

    batches: int
    records: int
    rejects: dict[str, int]
    last_batch_at: datetime | None

    @property
    def reject_rate(self) -> float | None:
        return sum(self.rejects.values()) / self.records if self.records else None


def recent(progress: pa.Table, now: datetime, minutes: int = 15) -> Recent:
    rows = _rows_since(progress, now, minutes)
    rejects: Counter[str] = Counter()
    for row in rows:
        rejects.update(dict(row["rejects"] or {}))
    reading = [r for r in rows if r["query"] in KAFKA_QUERIES]
    last = pc.max(progress["recorded_at"]).as_py()
    return Recent(
        batches=len(reading),
        records=sum(r["records_in"] or 0 for r in reading),
        rejects=dict(sorted(rejects.items(), key=lambda kv: -kv[1])),
        last_batch_at=last.replace(tzinfo=UTC) if last and last.tzinfo is None else last,
    )

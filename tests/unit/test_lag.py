"""The lag figures from offsets, checkpoints and progress rows: pure functions, small data."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pyarrow as pa
import pytest

from contract.tables import Locations
from dashboard import lag
from jobs.progress import records_behind

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
STALLED_AFTER = timedelta(seconds=60)


def checkpoint(root, query: str, batches: dict[int, tuple[datetime, dict]], committed: list[int]):
    folder = root / query
    (folder / "offsets").mkdir(parents=True)
    (folder / "commits").mkdir()
    for batch, (planned, offsets) in batches.items():
        meta = {"batchWatermarkMs": 0, "batchTimestampMs": int(planned.timestamp() * 1000)}
        lines = ["v1", json.dumps(meta), json.dumps({"orders": offsets})]
        (folder / "offsets" / str(batch)).write_text("\n".join(lines))
    for batch in committed:
        (folder / "commits" / str(batch)).write_text("v1\n{}")


def test_the_position_is_the_newest_committed_batch_not_the_newest_planned(tmp_path):
    planned = NOW - timedelta(seconds=30)
    checkpoint(
        tmp_path, "pipeline",
        {0: (planned - timedelta(seconds=5), {"0": 5}), 1: (planned, {"0": 9, "1": 4}),
         2: (NOW, {"0": 20, "1": 20})},
        committed=[0, 1],
    )  # fmt: skip
    where = Locations("unused", str(tmp_path))
    assert lag.pipeline_position(where, "orders") == lag.Position({0: 9, 1: 4}, planned)
    assert lag.pipeline_position(where, "other-topic") is None


def test_the_separate_stages_bronze_checkpoint_counts_and_nothing_is_none(tmp_path):
    where = Locations("unused", str(tmp_path))
    assert lag.pipeline_position(where, "orders") is None
    checkpoint(tmp_path, "bronze", {0: (NOW, {"0": 3})}, committed=[0])
    assert lag.pipeline_position(where, "orders").offsets == {0: 3}


def test_records_behind_sum_the_partitions_and_seconds_count_from_the_last_look():
    read = lag.Position({0: 100, 1: 50}, NOW - timedelta(seconds=90))
    found = lag.lag_now({0: 130, 1: 50, 2: 7}, read, NOW, STALLED_AFTER)
    assert found == lag.Lag(records_behind=37, seconds_behind=90.0, stalled=True)


def test_nothing_waiting_is_zero_seconds_behind_and_never_stalled():
    read = lag.Position({0: 100}, NOW - timedelta(hours=3))
    assert lag.lag_now({0: 100}, read, NOW, STALLED_AFTER) == lag.Lag(0, 0.0, False)


def test_waiting_less_than_the_threshold_is_not_stalled():
    read = lag.Position({0: 100}, NOW - timedelta(seconds=59))
    assert not lag.lag_now({0: 101}, read, NOW, STALLED_AFTER).stalled


def test_a_pipeline_that_never_ran_is_behind_by_the_whole_topic():
    found = lag.lag_now({0: 10, 1: 5}, None, NOW, STALLED_AFTER)
    assert found.records_behind == 15


def test_records_behind_from_the_kafka_sources_offsets():
    end = json.dumps({"orders": {"0": 10, "1": 20}})
    latest = json.dumps({"orders": {"0": 15, "1": 20, "2": 3}})
    assert records_behind(end, latest) == 8
    assert records_behind(end, None) is None


def progress(rows: list[dict]) -> pa.Table:
    base = {"query": "pipeline", "batch_id": 0, "records_in": 0, "records_behind": 0,
            "event_time_lag_seconds": 1.0, "rejects": None}  # fmt: skip
    table = [base | row for row in rows]
    return pa.Table.from_pylist(
        table,
        schema=pa.schema([
            ("query", pa.string()), ("batch_id", pa.int64()), ("records_in", pa.int64()),
            ("records_behind", pa.int64()), ("event_time_lag_seconds", pa.float64()),
            ("rejects", pa.map_(pa.string(), pa.int64())), ("recorded_at", pa.timestamp("us")),
        ]),
    )  # fmt: skip


def at(minutes_ago: float) -> datetime:
    return (NOW - timedelta(minutes=minutes_ago)).replace(tzinfo=None)


def test_history_is_per_minute_within_the_hour_with_reject_rates():
    rows = progress([
        {"recorded_at": at(61), "records_in": 999, "records_behind": 999},
        {"recorded_at": at(2.5), "records_in": 100, "records_behind": 40,
         "rejects": [("not_json", 2)]},
        {"recorded_at": at(2.4), "records_in": 300, "records_behind": 10,
         "event_time_lag_seconds": 7.5, "rejects": [("not_json", 2), ("late", 4)]},
        {"recorded_at": at(1), "records_in": 50},
    ])  # fmt: skip
    minutes = lag.history(rows, NOW)
    assert [m["records_behind"] for m in minutes] == [40, 0]
    assert minutes[0]["seconds_behind"] == 7.5
    assert minutes[0]["reject_rate"] == {"late": 0.01, "not_json": 0.01}
    assert minutes[1]["reject_rate"] == {}


def test_only_the_kafka_reading_query_counts_records():
    rows = progress([
        {"recorded_at": at(1), "query": "bronze", "records_in": 100, "records_behind": 5},
        {"recorded_at": at(1), "query": "silver", "records_in": 100, "records_behind": None,
         "rejects": [("bad_price", 10)]},
    ])  # fmt: skip
    (minute,) = lag.history(rows, NOW)
    assert minute["records_behind"] == 5
    assert minute["reject_rate"] == {"bad_price": 0.1}
    recent = lag.recent(rows, NOW)
    assert (recent.batches, recent.records, recent.reject_rate) == (1, 100, 0.1)


@pytest.mark.parametrize("minutes_ago", [16, 30])
def test_recent_leaves_out_older_batches_but_remembers_the_last_one(minutes_ago):
    rows = progress([{"recorded_at": at(minutes_ago), "records_in": 10}])
    recent = lag.recent(rows, NOW)
    assert (recent.batches, recent.records, recent.reject_rate) == (0, 0, None)
    assert recent.last_batch_at == NOW - timedelta(minutes=minutes_ago)

"""Silver's duplicate check from the ids its writer holds in memory: the same verdicts as a read
of silver, whether the ids are held, merged, too many to hold, or forgotten after a failure."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from contract import tables
from contract.tables import Locations
from jobs import accepted_ids, lake_tables
from jobs.exactly_once import BatchWrites
from jobs.writers.silver import SILVER_TABLES, SilverBatchWriter
from tests.spark.lake_settings import lake_settings

BRONZE = "payload binary, topic string, partition int, offset long, kafka_timestamp timestamp"


def batch(spark, ids: list[str], first_offset: int, at: datetime):
    rows = []
    for i, order_id in enumerate(ids):
        order = {
            "schema_version": 1, "order_id": order_id, "customer_id": "c-1", "state": "CA",
            "city": "San Francisco", "product": "Laptop", "category": "Electronics",
            "quantity": 1, "price": 10.5, "currency": "USD", "channel": "web",
            "payment_method": "card", "timestamp": at.isoformat().replace("+00:00", "Z"),
        }  # fmt: skip
        rows.append((json.dumps(order).encode(), "orders", 0, first_offset + i, at))
    return spark.createDataFrame(rows, BRONZE)


@pytest.fixture
def silver_writer(spark, tmp_path):
    settings = lake_settings(tmp_path)
    lake_tables.ensure_tables(spark, settings.locations, *SILVER_TABLES)
    return SilverBatchWriter(settings), settings.locations


def run(spark, writer, batches: list[list[str]]) -> None:
    at = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=30)
    offset = 0
    for batch_id, ids in enumerate(batches):
        writer(batch(spark, ids, offset, at + timedelta(seconds=batch_id)), batch_id)
        offset += len(ids)


def verdicts(spark, where: Locations) -> tuple[list[str], list[tuple[str, str]]]:
    def read(table):
        return spark.read.format("delta").load(where.table(table))

    silver = sorted(r["order_id"] for r in read(tables.SILVER).collect())
    duplicates = sorted((r["order_id"], r["detail"]) for r in read(tables.DUPLICATES).collect())
    return silver, duplicates


IDS = [str(uuid.UUID(int=n)) for n in range(1, 7)]
A, B, C, D, E, F = IDS
# Batch 0 has no watermark yet and reads silver; batch 1 seeds the held ids from silver; later
# batches repeat ids from the seed (A, B), from batches added since (C, D) and within a batch.
BATCHES = [[A, B], [C], [A, C, D], [E, B], [D, F, F]]
EXPECTED = (
    sorted([A, B, C, D, E, F]),
    sorted(
        [(A, "already in silver"), (C, "already in silver"), (B, "already in silver"),
         (D, "already in silver"), (F, "repeated within batch")]
    ),
)  # fmt: skip


@pytest.mark.parametrize(
    ("merged_after", "most_held", "held"),
    [(16, 2_000_000, True), (1, 2_000_000, True), (16, 2, False), (16, 1, False)],
    ids=["held", "merged every batch", "too many to add", "too many to seed"],
)
def test_repeats_are_found_however_the_ids_are_held(
    spark, silver_writer, monkeypatch, merged_after, most_held, held
):
    monkeypatch.setattr(accepted_ids, "MERGED_AFTER", merged_after)
    monkeypatch.setattr(accepted_ids, "MOST_HELD", most_held)
    writer, where = silver_writer
    run(spark, writer, BATCHES)
    assert verdicts(spark, where) == EXPECTED
    assert writer._ids.held is held


def test_a_failed_batch_forgets_the_held_ids_and_its_replay_still_finds_repeats(
    spark, silver_writer, monkeypatch
):
    writer, where = silver_writer
    append, failed = BatchWrites.append, []

    def fail_once_after_silver(self, df, path):
        append(self, df, path)
        if self.batch_id == 2 and path.endswith(tables.SILVER) and not failed:
            failed.append(self.batch_id)
            raise OSError("disk gone after silver's commit")

    monkeypatch.setattr(BatchWrites, "append", fail_once_after_silver)
    with pytest.raises(OSError):
        run(spark, writer, BATCHES[:3])
    assert not writer._ids.held
    at = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=28)
    writer(batch(spark, BATCHES[2], 3, at), 2)  # the replay: silver already has its rows
    run_from = 3
    for batch_id in range(run_from, len(BATCHES)):
        offset = sum(map(len, BATCHES[:batch_id]))
        writer(batch(spark, BATCHES[batch_id], offset, at + timedelta(seconds=batch_id)), batch_id)
    assert writer._ids.held
    assert verdicts(spark, where) == EXPECTED

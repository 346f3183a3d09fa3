"""Silver's duplicate check from the ids its writer holds in memory: the same verdicts as a read
of silver, whether the ids are held, merged, too many to hold, or forgotten after a failure."""

from __future__ import annotations

import json
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from contract import tables
from contract.tables import Locations
from jobs import accepted_ids, lake_tables
from jobs.exactly_once import BatchWrites
from jobs.writers import silver as silver_module
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
    return SilverBatchWriter(settings), settings


def run(spark, writer, batches: list[list[str]]) -> None:
    """Each batch, tried once more should it fail (as the query's bounded retries do)."""
    at = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=30)
    offset = 0
    for batch_id, ids in enumerate(batches):
        rows = batch(spark, ids, offset, at + timedelta(seconds=batch_id))
        try:
            writer(rows, batch_id)
        except OSError:
            writer(rows, batch_id)
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


def count_silver_reads(monkeypatch) -> list[int]:
    reads, read = [], SilverBatchWriter._silver_since

    def counted(self, spark, watermark):
        reads.append(1)
        return read(self, spark, watermark)

    monkeypatch.setattr(SilverBatchWriter, "_silver_since", counted)
    return reads


@pytest.mark.parametrize(
    ("merged_after", "most_held", "small_batch", "held", "silver_reads"),
    [
        # Silver is read for batch 0 (no watermark yet) and for the seed, then never again.
        (16, 2_000_000, 100_000, True, 2),
        (1, 2_000_000, 100_000, True, 2),
        # Refused on the first add: read for every batch after it, never for a paused seed.
        (16, 2, 100_000, False, 5),
        # Refused at the seed, counted before anything was held.
        (16, 1, 100_000, False, 6),
        (16, 2_000_000, 0, False, 5),
    ],
    ids=["held", "merged every batch", "too many to add", "too many to seed", "large batches"],
)
def test_repeats_are_found_however_the_ids_are_held(
    spark, silver_writer, monkeypatch, merged_after, most_held, small_batch, held, silver_reads
):
    monkeypatch.setattr(accepted_ids, "MERGED_AFTER", merged_after)
    monkeypatch.setattr(accepted_ids, "MOST_HELD", most_held)
    monkeypatch.setattr(silver_module, "SMALL_BATCH", small_batch)
    reads = count_silver_reads(monkeypatch)
    writer, settings = silver_writer
    run(spark, writer, BATCHES)
    assert verdicts(spark, settings.locations) == EXPECTED
    assert writer._ids.held is held
    assert len(reads) == silver_reads


@pytest.mark.parametrize(
    ("merged_after", "most_held"),
    [(16, 2_000_000), (1, 2_000_000), (16, 0)],
    ids=["held", "merged every batch", "never held"],
)
def test_an_id_behind_the_horizon_is_accepted_again_as_a_read_of_silver_would(
    spark, tmp_path, monkeypatch, merged_after, most_held
):
    monkeypatch.setattr(accepted_ids, "MERGED_AFTER", merged_after)
    monkeypatch.setattr(accepted_ids, "MOST_HELD", most_held)
    settings = lake_settings(tmp_path)
    pipeline = settings.env.pipeline.model_copy(update={"lateness_seconds": 10})
    settings = replace(settings, env=settings.env.model_copy(update={"pipeline": pipeline}))
    lake_tables.ensure_tables(spark, settings.locations, *SILVER_TABLES)
    writer = SilverBatchWriter(settings)
    # The horizon is the newest event time less twice the lateness, floored to the minute.
    t0 = (datetime.now(UTC) - timedelta(minutes=10)).replace(second=5, microsecond=0)
    batches = [([A], 0), ([B], 5), ([C], 130), ([A, B, C], 131)]
    offset = 0
    for batch_id, (ids, seconds) in enumerate(batches):
        writer(batch(spark, ids, offset, t0 + timedelta(seconds=seconds)), batch_id)
        offset += len(ids)
    assert verdicts(spark, settings.locations) == (
        sorted([A, A, B, B, C]),
        [(C, "already in silver")],
    )
    assert writer._ids.held is (most_held > 0)


def test_a_batch_failing_after_its_audit_row_leaves_no_held_ids_short_of_it(spark, silver_writer):
    """Gold fails once, alongside batch 2 (which accepted D) and after silver's commits: the
    retry finds the batch done, and a later repeat of D is still a duplicate."""
    _, settings = silver_writer
    failed = []

    def gold(rows, batch_id):
        if batch_id == 2 and not failed:
            failed.append(batch_id)
            raise OSError("gold unreachable")

    writer = SilverBatchWriter(settings, downstream=gold)
    run(spark, writer, BATCHES)
    assert failed == [2]
    assert writer._ids.held
    assert verdicts(spark, settings.locations) == EXPECTED


def test_a_batch_failing_after_silver_s_commit_is_replayed_from_silver(
    spark, silver_writer, monkeypatch
):
    """The replay reads silver without the rows it committed before it failed, and holding
    the ids resumes after it."""
    writer, settings = silver_writer
    append, failed = BatchWrites.append, []

    def fail_once_after_silver(self, df, path):
        append(self, df, path)
        if self.batch_id == 2 and path.endswith(tables.SILVER) and not failed:
            failed.append(self.batch_id)
            raise OSError("disk gone after silver's commit")

    monkeypatch.setattr(BatchWrites, "append", fail_once_after_silver)
    reads = count_silver_reads(monkeypatch)
    run(spark, writer, BATCHES)
    assert failed == [2]
    assert writer._ids.held
    assert verdicts(spark, settings.locations) == EXPECTED
    # Batch 0, the seed, the replay, and the seed after it.
    assert len(reads) == 4

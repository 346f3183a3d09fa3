"""Compaction runs beside the micro-batches: it happens when asked, and a failed run
is said without stopping anything."""

from __future__ import annotations

from delta.tables import DeltaTable

from contract import tables
from contract.tables import Locations
from jobs import lake_tables
from jobs.compaction import Compactor


def test_a_requested_compaction_bin_packs_the_small_files(spark, tmp_path):
    where = Locations(str(tmp_path / "lake"), str(tmp_path / "checkpoints"))
    lake_tables.ensure_tables(spark, where, tables.SILVER_BATCHES)
    path = where.table(tables.SILVER_BATCHES)
    for batch_id in range(3):
        row = spark.range(1).selectExpr(
            f"CAST({batch_id} AS BIGINT) AS batch_id", "1L AS bronze_rows", "1L AS silver_rows",
            "0L AS quarantined", "0L AS duplicates", "0L AS late",
            "CAST(NULL AS TIMESTAMP) AS max_event_time", "CAST(NULL AS TIMESTAMP) AS watermark",
            "current_timestamp() AS processed_at",
        )  # fmt: skip
        row.write.format("delta").mode("append").save(path)
    compactor = Compactor(spark, where, (tables.SILVER_BATCHES,))
    compactor.request()
    compactor.settle()
    operations = [r["operation"] for r in DeltaTable.forPath(spark, path).history().collect()]
    assert operations.count("OPTIMIZE") == 1
    assert spark.read.format("delta").load(path).count() == 3


def test_a_failed_compaction_is_said_and_stops_nothing(spark, tmp_path, capsys):
    where = Locations(str(tmp_path / "lake"), str(tmp_path / "checkpoints"))
    compactor = Compactor(spark, where, (tables.BRONZE,))  # no table there yet
    compactor.request()
    compactor.settle()
    said = capsys.readouterr().err
    assert f"compaction of {tables.BRONZE} failed, tried again on its next turn:" in said

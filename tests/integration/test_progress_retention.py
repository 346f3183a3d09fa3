"""pipeline_progress stays bounded: rows past the retention go, young tables are left alone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from deltalake import DeltaTable

from contract import tables
from jobs import lake_tables
from jobs.progress import ProgressRecorder, _Target
from jobs.settings import parse
from scripts import lake
from tests.integration.pipeline_env import write_env

pytestmark = [pytest.mark.spark]


def row(batch_id: int, age: timedelta) -> tuple:
    at = datetime.now(UTC) - age
    return ("pipeline", "run", batch_id, at, 10, 1.0, 1.0, 100, 0, None, None, None, None,
            None, None, at)  # fmt: skip


def test_rows_past_the_retention_are_deleted_and_the_files_vacuumed(spark, tmp_path):
    env_path, _ = write_env(tmp_path, "127.0.0.1:1")
    settings = parse("pipeline", ["--env", str(env_path)])
    where = settings.locations
    lake_tables.ensure_tables(spark, where, tables.PIPELINE_PROGRESS)
    path = where.table(tables.PIPELINE_PROGRESS)
    young = [row(i, timedelta(days=1)) for i in range(3)]
    layout = tables.TABLES[tables.PIPELINE_PROGRESS].ddl
    frame = spark.createDataFrame(young, layout)
    frame.write.format("delta").mode("append").save(path)
    recorder = ProgressRecorder(spark)
    target = _Target(settings)

    recorder._maintain(target)  # a young table: nothing to do, and nothing is done
    operations = [h["operation"] for h in DeltaTable(path).history()]
    assert "DELETE" not in operations and "VACUUM END" not in operations

    old = [row(10 + i, timedelta(days=9)) for i in range(4)]
    spark.createDataFrame(old, layout).write.format("delta").mode("append").save(path)
    recorder._maintain(target)  # checked less than an hour ago: not again yet
    assert lake.count(where, tables.PIPELINE_PROGRESS) == 7

    recorder._checked.clear()  # an hour later
    recorder._maintain(target)
    kept = sorted(lake.read(where, tables.PIPELINE_PROGRESS).column("batch_id").to_pylist())
    assert kept == [0, 1, 2]
    operations = [h["operation"] for h in DeltaTable(path).history()]
    assert {"DELETE", "OPTIMIZE", "VACUUM END"} <= set(operations)
    properties = DeltaTable(path).metadata().configuration
    assert properties["delta.logRetentionDuration"] == "interval 7 days"

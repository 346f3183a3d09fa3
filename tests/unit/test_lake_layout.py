"""Tables already in the lake must have the contract's columns before a job writes to them."""

from __future__ import annotations

import pytest

from contract import tables
from contract.events import TOTAL_TYPE
from contract.tables import Locations
from environments import ConfigError
from jobs import delta_io

pytestmark = pytest.mark.spark


def test_a_table_from_an_older_contract_is_refused_before_anything_is_written(spark, tmp_path):
    where = Locations(str(tmp_path / "lake"), str(tmp_path / "checkpoints"))
    older = tables.GOLD_DDL.replace(f"revenue {TOTAL_TYPE}", "revenue decimal(18,2)")
    assert older != tables.GOLD_DDL
    spark.createDataFrame([], older).write.format("delta").save(where.table(tables.GOLD))
    with pytest.raises(ConfigError, match=r"gold_order_minutes\.revenue is decimal\(18,2\)"):
        delta_io.ensure_tables(spark, where, tables.BRONZE, tables.GOLD)


def test_tables_the_jobs_created_are_accepted_when_they_start_again(spark, tmp_path):
    where = Locations(str(tmp_path / "lake"), str(tmp_path / "checkpoints"))
    delta_io.ensure_tables(spark, where, *tables.ALL_TABLES)
    delta_io.ensure_tables(spark, where, *tables.ALL_TABLES)

"""Tables already in the lake must have the contract's columns before a job writes to them."""

from __future__ import annotations

import pytest
from deltalake import DeltaTable

from contract import tables
from contract.events import TOTAL_TYPE
from contract.tables import Locations
from environments import ConfigError
from jobs import lake_tables


def test_a_table_from_an_older_contract_is_refused_before_anything_is_written(spark, tmp_path):
    where = Locations(str(tmp_path / "lake"), str(tmp_path / "checkpoints"))
    gold = tables.TABLES[tables.GOLD].ddl
    older = gold.replace(f"revenue {TOTAL_TYPE}", "revenue decimal(18,2)")
    assert older != gold
    spark.createDataFrame([], older).write.format("delta").save(where.table(tables.GOLD))
    with pytest.raises(ConfigError, match=r"gold_order_minutes\.revenue is decimal\(18,2\)"):
        lake_tables.ensure_tables(spark, where, tables.BRONZE, tables.GOLD)


def test_tables_are_created_as_the_contract_says_and_accepted_when_jobs_start_again(
    spark, tmp_path
):
    where = Locations(str(tmp_path / "lake"), str(tmp_path / "checkpoints"))
    lake_tables.ensure_tables(spark, where, *tables.ALL_TABLES)
    created = {name: DeltaTable(where.table(name)) for name in tables.ALL_TABLES}
    for name, table in created.items():
        layout = tables.TABLES[name]
        assert [f.name for f in table.schema().fields] == layout.column_names
        assert table.metadata().partition_columns == list(layout.partitioned_by)
        assert layout.properties.items() <= table.metadata().configuration.items(), name
        # Locally, a log checkpoint every 100 commits (jobs.session), not in the same batch
        # for every table every tenth one.
        assert table.metadata().configuration["delta.checkpointInterval"] == "100", name
    versions = {name: table.version() for name, table in created.items()}
    lake_tables.ensure_tables(spark, where, *tables.ALL_TABLES)
    assert {name: DeltaTable(where.table(name)).version() for name in versions} == versions

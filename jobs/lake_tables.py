"""Creating the lake's tables from the contract, and refusing tables that do not match it."""

from __future__ import annotations

from pyspark.sql import SparkSession

from contract import tables
from contract.tables import Locations
from environments import ConfigError
from jobs.delta_io import read, side_by_side
from jobs.storage import discard_uncommitted_table_log, has_commit


def ensure_tables(spark: SparkSession, where: Locations, *names: str) -> None:
    """Create the tables that are not there yet, empty, so readers never race a first write.

    Layout (columns, partitioning, statistics) comes from contract.tables. Missing tables are
    created side by side (a fresh lake needs six); existing ones must have the contract's
    columns, or the job stops before it writes anything.
    """
    present = {name: has_commit(spark, where.table(name)) for name in names}
    side_by_side(
        lambda name: (_check_columns if present[name] else _create_table)(
            spark, where.table(name), name
        ),
        names,
    )


def _check_columns(spark: SparkSession, path: str, name: str) -> None:
    """A table written under an older contract (a narrower type, say) fails here, not mid-batch."""
    found = {f.name: f.dataType.simpleString() for f in read(spark, path).schema}
    for column in _contract_schema(spark, name):
        if found.get(column.name) != column.dataType.simpleString():
            raise ConfigError(
                f"pipeline.lake_root: {name}.{column.name} is "
                f"{found.get(column.name, 'missing')} in {path}, the contract says "
                f"{column.dataType.simpleString()}; use a new lake_root or migrate the table"
            )


def _contract_schema(spark: SparkSession, name: str):
    """The table's columns as contract.tables defines them, parsed by Spark itself."""
    return spark.createDataFrame([], tables.TABLES[name].ddl).schema


def _create_table(spark: SparkSession, path: str, name: str) -> None:
    from delta.tables import DeltaTable

    discard_uncommitted_table_log(spark, path)
    builder = (
        DeltaTable.createIfNotExists(spark).location(path).addColumns(_contract_schema(spark, name))
    )
    table = tables.TABLES[name]
    if table.partitioned_by:
        builder = builder.partitionedBy(*table.partitioned_by)
    for key, value in table.properties.items():
        builder = builder.property(key, value)
    builder.execute()

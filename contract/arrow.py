"""Arrow schemas of the contract's tables: what delta-rs reads and writes, and what a small
DataFrame is built from without a Python worker (SparkSession.createDataFrame of an Arrow
table)."""

from __future__ import annotations

import re
from collections.abc import Iterable

import pyarrow as pa

from contract.tables import Column

_SIMPLE_TYPES: dict[str, pa.DataType] = {
    "STRING": pa.string(),
    "BIGINT": pa.int64(),
    "INT": pa.int32(),
    "DOUBLE": pa.float64(),
    "BOOLEAN": pa.bool_(),
    "BINARY": pa.binary(),
    "DATE": pa.date32(),
    # Delta stores timestamps as UTC microseconds; delta-rs wants them zone-aware.
    "TIMESTAMP": pa.timestamp("us", tz="UTC"),
}
_DECIMAL = re.compile(r"DECIMAL\((\d+),\s*(\d+)\)")
_MAP = re.compile(r"MAP<\s*(\w+)\s*,\s*(\w+)\s*>")


def arrow_type(spark_type: str) -> pa.DataType | None:
    """The Arrow type of a contract column's Spark type, or None for a type it has no use for."""
    spark_type = spark_type.upper()
    if match := _DECIMAL.fullmatch(spark_type):
        return pa.decimal128(int(match[1]), int(match[2]))
    if match := _MAP.fullmatch(spark_type):
        key, value = (_SIMPLE_TYPES.get(t) for t in match.groups())
        return pa.map_(key, value) if key and value else None
    return _SIMPLE_TYPES.get(spark_type)


def arrow_schema(columns: Iterable[Column]) -> pa.Schema:
    """The Arrow schema of a contract table's columns (`contract.tables.TABLES[...]`)."""
    fields = []
    for column in columns:
        found = arrow_type(column.type)
        if found is None:
            raise ValueError(f"column {column.name}: no Arrow type for Spark type {column.type}")
        fields.append(pa.field(column.name, found))
    return pa.schema(fields)

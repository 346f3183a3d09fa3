"""Reads the local lake without a JVM (delta-rs): layer counts, rejects, reconciliation.

Used by `make demo` for its live summary and by the tests to check the pipeline's invariants.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC
from decimal import Decimal

import pyarrow as pa
from deltalake import DeltaTable
from deltalake.exceptions import TableNotFoundError

from contract import tables
from contract.tables import Locations
from simulator.ledger import LedgerFile, Totals


def read(locations: Locations, table: str, columns: list[str] | None = None) -> pa.Table | None:
    try:
        return DeltaTable(locations.table(table)).to_pyarrow_table(columns=columns)
    except TableNotFoundError:
        return None


def count(locations: Locations, table: str) -> int:
    """Rows in the table's current version, from the log's file statistics when it has them."""
    try:
        table_ = DeltaTable(locations.table(table))
    except TableNotFoundError:
        return 0
    records = pa.table(table_.get_add_actions(flatten=True)).column("num_records").to_pylist()
    if all(n is not None for n in records):
        return int(sum(records))
    return table_.to_pyarrow_table(columns=[]).num_rows


@dataclass(frozen=True)
class LayerCounts:
    bronze: int
    silver: int
    quarantine: int
    duplicates: int
    gold_rows: int
    gold_orders: int

    @property
    def accounted(self) -> int:
        return self.silver + self.quarantine + self.duplicates


def layer_counts(locations: Locations) -> LayerCounts:
    gold = read(locations, tables.GOLD, columns=["orders"])
    return LayerCounts(
        bronze=count(locations, tables.BRONZE),
        silver=count(locations, tables.SILVER),
        quarantine=count(locations, tables.QUARANTINE),
        duplicates=count(locations, tables.DUPLICATES),
        gold_rows=0 if gold is None else gold.num_rows,
        gold_orders=0 if gold is None else int(sum(gold.column("orders").to_pylist())),
    )


def quarantine_by_reason(locations: Locations) -> Counter[str]:
    data = read(locations, tables.QUARANTINE, columns=["reason"])
    return Counter() if data is None else Counter(data.column("reason").to_pylist())


def gold_totals(locations: Locations) -> dict[tuple[str, str, str], Totals]:
    """Gold keyed like the ledger: (minute as ISO "YYYY-MM-DDTHH:MM", state, product)."""
    data = read(
        locations,
        tables.GOLD,
        columns=["window_start", "state", "product", "orders", "units", "revenue"],
    )
    if data is None:
        return {}
    totals = {}
    for row in data.to_pylist():
        minute = row["window_start"].astimezone(UTC).strftime("%Y-%m-%dT%H:%M")
        totals[(minute, row["state"], row["product"])] = Totals(
            row["orders"], row["units"], Decimal(row["revenue"])
        )
    return totals


def ledger_differences(gold: dict, ledger: LedgerFile) -> list[str]:
    """Human-readable differences between gold and the ledger; empty when they agree exactly."""
    expected = {(k[0][:16], k[1], k[2]): v for k, v in ledger.totals.items()}
    problems = []
    for key in sorted(expected.keys() | gold.keys()):
        if expected.get(key) != gold.get(key):
            problems.append(f"{key}: gold {gold.get(key)} != ledger {expected.get(key)}")
    return problems

"""The ledger: what gold must show for the events that were actually delivered.

Counts and totals are kept as records are handed to the transport; records the transport
later reports as not delivered are taken back out, so the written file only ever covers
delivered events, and says `complete: false` when some were not.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import orjson

from contract.rejects import Reason
from simulator.records import Kind, Record

LEDGER_VERSION = 1
TotalsKey = tuple[str, str, str]  # (window start or minute, state, product)


def cents(price: float) -> int:
    return round(price * 100)


def money(amount_cents: int) -> str:
    return str(Decimal(amount_cents).scaleb(-2))


def _count(totals: dict[TotalsKey, list[int]], event: dict, sign: int) -> None:
    """Add (sign 1) or take back (sign -1) one order in its (minute, state, product) row."""
    key = (event["timestamp"][:16], event["state"], event["product"])
    quantity = event["quantity"]
    row = totals.get(key)
    if row is None:
        row = totals[key] = [0, 0, 0]
    row[0] += sign
    row[1] += sign * quantity
    row[2] += sign * quantity * cents(event["price"])


class Ledger:
    """Counts every record sent; with `totals`, also orders, units and revenue per window."""

    def __init__(self, totals: bool = True) -> None:
        self._keep_totals = totals
        self.sent = 0
        self.valid = 0  # valid originals sent, late ones included
        self.late = 0
        self.duplicates = 0
        self.bad: Counter[Reason] = Counter()
        self._totals: dict[TotalsKey, list[int]] = {}
        self._copies: dict[str, int] = {}  # order_id -> copies sent, only for duplicated orders
        self._failed_copies: Counter[str] = Counter()
        self._failed_events: dict[str, dict] = {}
        self.failed = 0
        self._failed_bad: Counter[Reason] = Counter()
        self._failed_late = 0

    def add(self, record: Record) -> None:
        """Called for every record handed to the transport: the hot path."""
        self.sent += 1
        kind = record.kind
        if kind is Kind.VALID or kind is Kind.LATE:
            self.valid += 1
            if kind is Kind.LATE:
                self.late += 1
            if self._keep_totals:
                _count(self._totals, record.event, 1)
        elif kind is Kind.DUPLICATE:
            self.duplicates += 1
            order_id = record.event["order_id"]
            self._copies[order_id] = self._copies.get(order_id, 1) + 1
        else:
            self.bad[record.reason] += 1

    def fail(self, record: Record) -> None:
        """The transport gave up on `record`: it must not count as delivered."""
        self.failed += 1
        if record.kind is Kind.BAD:
            self._failed_bad[record.reason] += 1
            return
        order_id = record.event["order_id"]
        self._failed_copies[order_id] += 1
        self._failed_events[order_id] = record.event
        if record.kind is Kind.LATE:
            self._failed_late += 1

    @property
    def delivered(self) -> int:
        return self.sent - self.failed

    def _lost(self) -> tuple[int, list[dict]]:
        """(duplicates not delivered, orders of which no copy was delivered)."""
        lost_duplicates, lost_orders = 0, []
        for order_id, failed in self._failed_copies.items():
            copies = self._copies.get(order_id, 1)
            delivered = copies - failed
            lost_duplicates += (copies - 1) - max(delivered - 1, 0)
            if delivered == 0:
                lost_orders.append(self._failed_events[order_id])
        return lost_duplicates, lost_orders

    def counts(self) -> dict:
        """Delivered records by kind; an order counts once if any copy of it was delivered."""
        lost_duplicates, lost_orders = self._lost()
        return {
            "produced": self.delivered,
            "valid_unique": self.valid - len(lost_orders),
            "late": self.late - self._failed_late,
            "duplicates": self.duplicates - lost_duplicates,
            "bad": {r.value: n for r, n in sorted((self.bad - self._failed_bad).items())},
            "not_delivered": self.failed,
        }

    def totals(self) -> list[dict]:
        """Expected gold rows, sorted by window, state and product; revenue as an exact string."""
        totals = {key: list(row) for key, row in self._totals.items()}
        for event in self._lost()[1]:
            _count(totals, event, -1)
        return [
            {
                "window_start": f"{minute}:00Z",
                "state": state,
                "product": product,
                "orders": orders,
                "units": units,
                "revenue": money(revenue),
            }
            for (minute, state, product), (orders, units, revenue) in sorted(totals.items())
            if orders
        ]

    def report(self, **about) -> dict:
        """The ledger file's content; `about` records how the run was made (seed, env, ...)."""
        return {
            "version": LEDGER_VERSION,
            "complete": self.failed == 0,
            **about,
            "counts": self.counts(),
            "totals": self.totals() if self._keep_totals else [],
        }

    def write(self, path: Path, **about) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_bytes(orjson.dumps(self.report(**about), option=orjson.OPT_INDENT_2))
        tmp.replace(path)


@dataclass(frozen=True)
class Totals:
    orders: int
    units: int
    revenue: Decimal


@dataclass(frozen=True)
class LedgerFile:
    complete: bool
    counts: dict
    totals: dict[TotalsKey, Totals]
    about: dict


def load(path: str | Path) -> LedgerFile:
    """Read a ledger written by `--ledger`; totals keyed by (window_start, state, product)."""
    data = orjson.loads(Path(path).read_bytes())
    totals = {
        (row["window_start"], row["state"], row["product"]): Totals(
            row["orders"], row["units"], Decimal(row["revenue"])
        )
        for row in data.pop("totals")
    }
    return LedgerFile(data.pop("complete"), data.pop("counts"), totals, data)

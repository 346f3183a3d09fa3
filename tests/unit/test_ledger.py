"""The ledger: expected gold, recomputed here straight from what the simulator wrote."""

from __future__ import annotations

import json
from collections import Counter
from decimal import Decimal
from itertools import islice

import pytest
from typer.testing import CliRunner

from simulator import ledger as ledger_module
from simulator.cli import app
from simulator.clock import parse_instant
from simulator.ledger import Ledger
from simulator.records import Kind, Record
from simulator.stream import StreamSettings, records
from tests.unit.reference_check import parse_timestamp, violations

START = "2025-06-01T10:00:00Z"


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """60,000 records to stdout at the nominal 1 ms step: a minute and a bit of event time."""
    path = tmp_path_factory.mktemp("ledger") / "ledger.json"
    args = [
        "-t",
        "stdout",
        "--count",
        "60000",
        "--rate",
        "0",
        "--seed",
        "21",
        "--start-time",
        START,
    ]
    rates = ["--bad-rate", "0.05", "--duplicate-rate", "0.03", "--late-rate", "0.04"]
    result = CliRunner().invoke(app, [*args, *rates, "--ledger", str(path)])
    assert result.exit_code == 0, result.stderr
    lines = result.stdout_bytes.split(b"\n")
    assert lines.pop() == b""
    return lines, ledger_module.load(path)


def recompute(lines: list[bytes]) -> tuple[dict, Counter, int, int, int]:
    """Gold by hand: valid lines, first copy of each order, summed per minute, state, product."""
    totals: dict = {}
    bad: Counter = Counter()
    seen: set[str] = set()
    duplicates = late = 0
    newest = None
    for line in lines:
        broken = violations(line)
        if broken:
            bad[broken[0].value] += 1
            continue
        event = json.loads(line)
        if event["order_id"] in seen:
            duplicates += 1
            continue
        seen.add(event["order_id"])
        moment = parse_timestamp(event["timestamp"])
        if newest is not None and (newest - moment).total_seconds() >= 0.5:
            late += 1
        newest = max(newest or moment, moment)
        key = (moment.strftime("%Y-%m-%dT%H:%M:00Z"), event["state"], event["product"])
        orders, units, revenue = totals.get(key, (0, 0, Decimal(0)))
        quantity, price = event["quantity"], Decimal(repr(event["price"]))
        totals[key] = (orders + 1, units + quantity, revenue + quantity * price)
    return totals, bad, len(seen), duplicates, late


def test_totals_equal_a_recomputation_from_the_output(run):
    lines, ledger = run
    totals, *_ = recompute(lines)
    assert ledger.complete
    assert len(ledger.totals) == len(totals) > 100
    assert {k: (t.orders, t.units, t.revenue) for k, t in ledger.totals.items()} == totals
    assert len({k[0] for k in totals}) >= 2  # more than one minute window


def test_counts_equal_a_recomputation_from_the_output(run):
    lines, ledger = run
    _, bad, unique, duplicates, late = recompute(lines)
    assert ledger.counts == {
        "produced": len(lines),
        "valid_unique": unique,
        "late": late,
        "duplicates": duplicates,
        "bad": dict(sorted(bad.items())),
        "not_delivered": 0,
    }
    assert ledger.about["seed"] == 21 and ledger.about["start_time"] == START


def _records() -> list[Record]:
    settings = StreamSettings(
        seed=8, start_ms=parse_instant(START), bad_rate=0.1, duplicate_rate=0.1, late_rate=0.1
    )
    return list(islice(records(settings), 2000))


def test_records_not_delivered_are_taken_back_out():
    stream = _records()
    everything, partly = Ledger(), Ledger()
    for r in stream:
        everything.add(r)
        partly.add(r)
    duplicated = Counter(r.event["order_id"] for r in stream if r.kind is Kind.DUPLICATE)
    once = next(oid for oid, n in duplicated.items() if n == 1)
    copies = [r for r in stream if r.event and r.event["order_id"] == once]
    bad = next(r for r in stream if r.kind is Kind.BAD)
    late = next(r for r in stream if r.kind is Kind.LATE)
    plain = next(
        r for r in stream if r.kind is Kind.VALID and r.event["order_id"] not in duplicated
    )
    for r in (bad, late, plain, *copies):  # every copy of `once` lost too
        partly.fail(r)

    full, part = everything.counts(), partly.counts()
    assert part["not_delivered"] == 3 + len(copies) == partly.failed
    assert part["produced"] == full["produced"] - part["not_delivered"]
    assert part["valid_unique"] == full["valid_unique"] - 3  # late, plain and `once`
    assert part["late"] == full["late"] - 1
    assert part["duplicates"] == full["duplicates"] - 1
    assert sum(part["bad"].values()) == sum(full["bad"].values()) - 1
    lost = {r.event["order_id"] for r in (late, plain, copies[0])}
    expected = Ledger()
    for r in stream:
        if r.event is None or r.event["order_id"] not in lost:
            expected.add(r)
    assert partly.totals() == expected.totals()
    assert partly.report()["complete"] is False and everything.report()["complete"] is True


def test_a_resend_that_arrived_stands_in_for_a_lost_original():
    stream = _records()
    original = next(
        r
        for r in stream
        if r.kind is Kind.VALID
        and any(d.kind is Kind.DUPLICATE and d.payload == r.payload for d in stream)
    )
    everything, partly = Ledger(), Ledger()
    for r in stream:
        everything.add(r)
        partly.add(r)
    partly.fail(original)
    assert partly.totals() == everything.totals()
    assert partly.counts()["valid_unique"] == everything.counts()["valid_unique"]
    assert partly.counts()["duplicates"] == everything.counts()["duplicates"] - 1


def test_the_file_round_trips(tmp_path):
    ledger = Ledger()
    for r in _records():
        ledger.add(r)
    ledger.write(tmp_path / "l.json", seed=8)
    loaded = ledger_module.load(tmp_path / "l.json")
    assert loaded.counts == ledger.counts() and loaded.complete
    assert sum(t.orders for t in loaded.totals.values()) == ledger.counts()["valid_unique"]
    assert all(t.revenue == t.revenue.quantize(Decimal("0.01")) for t in loaded.totals.values())

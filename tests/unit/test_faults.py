"""Faults on purpose: each at its rate, each bad record with exactly one fault and its label."""

from __future__ import annotations

import math
from collections import Counter
from datetime import timedelta
from itertools import islice

import orjson
import pytest

from contract.rejects import Reason
from simulator.clock import parse_instant
from simulator.faults import RECENT
from simulator.records import Kind
from simulator.stream import StreamSettings, records
from tests.unit.reference_check import parse_timestamp, violations

N = 100_000
START = parse_instant("2025-06-01T10:00:00Z")
RATES = {Kind.BAD: 0.05, Kind.DUPLICATE: 0.03, Kind.LATE: 0.04}
GENERATED_REASONS = {
    Reason.NOT_JSON,
    Reason.NOT_UTF8,
    Reason.MISSING_FIELD,
    Reason.WRONG_TYPE,
    Reason.BAD_QUANTITY,
    Reason.BAD_PRICE,
    Reason.UNKNOWN_STATE,
    Reason.CITY_NOT_IN_STATE,
    Reason.BAD_TIMESTAMP,
    Reason.FUTURE_TIMESTAMP,
}


@pytest.fixture(scope="module", params=["virtual clock", "wall clock"])
def stream(request):
    settings = StreamSettings(
        seed=17,
        rate=1000,
        start_ms=START if request.param == "virtual clock" else None,
        bad_rate=RATES[Kind.BAD],
        duplicate_rate=RATES[Kind.DUPLICATE],
        late_rate=RATES[Kind.LATE],
        max_lateness_seconds=60,
    )
    return list(islice(records(settings), N))


def test_each_fault_appears_at_its_rate(stream):
    kinds = Counter(r.kind for r in stream)
    for kind, rate in RATES.items():
        sd = math.sqrt(N * rate * (1 - rate))
        assert abs(kinds[kind] - N * rate) <= 5 * sd, (kind, kinds[kind])


def test_every_bad_record_breaks_exactly_the_rule_it_is_labelled_with(stream):
    bad = [r for r in stream if r.kind is Kind.BAD]
    mislabelled = [
        (r.reason, violations(r.payload), r.payload)
        for r in bad
        if violations(r.payload) != [r.reason]
    ]
    assert not mislabelled, mislabelled[:5]


def test_every_kind_of_bad_record_appears(stream):
    reasons = Counter(r.reason for r in stream if r.kind is Kind.BAD)
    assert set(reasons) == GENERATED_REASONS
    payloads = [r.payload for r in stream if r.kind is Kind.BAD]
    assert any(p.startswith(b"{") and not p.endswith(b"}") for p in payloads)  # truncated
    assert any(not p.startswith(b"{") for p in payloads)  # not JSON at all
    assert any(b'"price":1e999' in p for p in payloads)
    assert any(b'"price":-1e999' in p for p in payloads)
    assert any(b'"quantity":"' in p for p in payloads)
    assert any(b'"price":"' in p for p in payloads)
    assert any(b'"quantity":0' in p for p in payloads)


def test_no_record_contains_a_newline(stream):
    assert not [r for r in stream if b"\n" in r.payload]


def test_valid_and_late_events_break_no_rule(stream):
    late = [r for r in stream if r.kind is Kind.LATE]
    valid = [r for r in stream if r.kind is Kind.VALID][::10]  # a sample keeps this fast
    assert not [r.payload for r in late + valid if violations(r.payload)]


def test_duplicates_resend_a_recent_valid_event_byte_for_byte(stream):
    last_seen: dict[bytes, int] = {}
    for i, r in enumerate(stream):
        if r.kind is Kind.DUPLICATE:
            original = last_seen.get(r.payload)
            assert original is not None, "a duplicate of something never sent"
            assert stream[original].kind is Kind.VALID
            assert i - original <= RECENT * 2
        elif r.kind is Kind.VALID:
            last_seen[r.payload] = i
    bad_payloads = {r.payload for r in stream if r.kind is Kind.BAD}
    assert not bad_payloads & {r.payload for r in stream if r.kind is Kind.DUPLICATE}


def test_late_events_go_back_between_one_second_and_the_maximum(stream):
    newest = None
    setbacks = []
    for r in stream:
        if r.kind is Kind.VALID:
            newest = parse_timestamp(orjson.loads(r.payload)["timestamp"])
        elif r.kind is Kind.LATE and newest is not None:
            moment = parse_timestamp(orjson.loads(r.payload)["timestamp"])
            setbacks.append(newest - moment)
    assert setbacks
    # The newest valid event can be a few ms older than the late one's own unshifted time.
    assert min(setbacks) >= timedelta(seconds=1) - timedelta(milliseconds=100)
    assert max(setbacks) <= timedelta(seconds=60)
    assert max(setbacks) > timedelta(seconds=50)


def test_no_faults_at_zero_rates():
    settings = StreamSettings(seed=2, start_ms=START)
    assert {r.kind for r in islice(records(settings), 20_000)} == {Kind.VALID}

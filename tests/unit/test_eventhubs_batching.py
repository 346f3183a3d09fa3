"""Event Hubs batching against the SDK's real EventDataBatch, with no network."""

from __future__ import annotations

from itertools import islice

import pytest
from azure.eventhub import EventData, EventDataBatch

from simulator.clock import parse_instant
from simulator.records import Kind, Record
from simulator.stream import StreamSettings, records
from simulator.transports.eventhubs import KeyedBatcher

LIMIT = 4096


class Hub:
    """Stands in for the client: real batches, sends collected instead of going over AMQP."""

    def __init__(self, limit: int = LIMIT) -> None:
        self.limit = limit
        self.key_of: dict[int, str] = {}
        self.sent: list[tuple[EventDataBatch, list[Record]]] = []
        self.oversized: list[Record] = []

    def new_batch(self, key: str) -> EventDataBatch:
        batch = EventDataBatch(max_size_in_bytes=self.limit, partition_key=key)
        self.key_of[id(batch)] = key
        return batch

    def send(self, batch: EventDataBatch, batch_records: list[Record]) -> None:
        self.sent.append((batch, batch_records))

    def batcher(self) -> KeyedBatcher:
        return KeyedBatcher(self.new_batch, self.send, self.oversized.append)


@pytest.fixture(scope="module")
def stream() -> list[Record]:
    settings = StreamSettings(
        seed=9, rate=1000, start_ms=parse_instant("2025-06-01T10:00:00Z"), bad_rate=0.05
    )
    return list(islice(records(settings), 3000))


@pytest.fixture(scope="module")
def hub(stream) -> Hub:
    hub = Hub()
    batcher = hub.batcher()
    for record in stream:
        batcher.add(record)
    assert batcher.pending() > 0
    batcher.flush()
    assert batcher.pending() == 0
    return hub


def test_nothing_is_lost_or_sent_twice(hub, stream):
    sent = [r for _, batch_records in hub.sent for r in batch_records]
    assert sorted(sent) == sorted(stream)
    assert not hub.oversized


def test_each_batch_holds_one_state_under_that_partition_key(hub):
    for batch, batch_records in hub.sent:
        assert {r.key for r in batch_records} == {hub.key_of[id(batch)]}
        assert len(batch) == len(batch_records)


def test_batches_are_filled_to_the_size_limit(hub):
    """A batch is sent only when the next event of its state did not fit in it."""
    following: dict[str, list[Record]] = {}
    for _, batch_records in hub.sent:
        following.setdefault(batch_records[0].key, []).append(batch_records)
    full = 0
    for batches in following.values():
        for current, nxt in zip(batches, batches[1:], strict=False):
            replay = EventDataBatch(max_size_in_bytes=LIMIT, partition_key=current[0].key)
            for r in current:
                replay.add(EventData(r.payload))
            assert replay.size_in_bytes <= LIMIT
            with pytest.raises(ValueError):
                replay.add(EventData(nxt[0].payload))
            full += 1
    assert full > 20  # the run was long enough that many batches filled up


def test_an_oversized_event_is_reported_and_the_rest_go_on():
    hub = Hub(limit=2000)
    batcher = hub.batcher()
    small = Record(b'{"order":1}', "CA", Kind.VALID, None, None)
    huge = Record(b"x" * 5000, "CA", Kind.VALID, None, None)
    for record in (small, huge, small._replace(payload=b'{"order":2}')):
        batcher.add(record)
    batcher.flush()
    assert hub.oversized == [huge]
    assert [r.payload for _, rs in hub.sent for r in rs] == [b'{"order":1}', b'{"order":2}']


def test_an_oversized_event_into_an_empty_batch():
    hub = Hub(limit=1000)
    batcher = hub.batcher()
    batcher.add(Record(b"y" * 3000, "NY", Kind.BAD, None, None))
    batcher.flush()
    assert len(hub.oversized) == 1 and hub.sent == []

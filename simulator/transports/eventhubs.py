"""Event Hubs over AMQP with the azure-eventhub SDK: one batch per state, filled to the size limit.

The state is the partition key, so one batch holds one state's events; a batch is sent when
the next event no longer fits, and every open batch is sent at least once a second.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from azure.eventhub import EventData, EventDataBatch, EventHubProducerClient
from azure.eventhub.exceptions import EventHubError

from simulator.records import Record
from simulator.transports import OnFailed, SendAborted

MAX_WAIT_SECONDS = 1.0
OVERSIZED = "event larger than the Event Hubs batch size limit"


def _first_line(exc: Exception) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


class KeyedBatcher:
    """Fills one batch per partition key; `send(batch, records)` must report the outcome."""

    def __init__(
        self,
        new_batch: Callable[[str], EventDataBatch],
        send: Callable[[EventDataBatch, list[Record]], None],
        oversized: Callable[[Record], None],
    ) -> None:
        self._new_batch = new_batch
        self._send = send
        self._oversized = oversized
        self._open: dict[str, tuple[EventDataBatch, list[Record]]] = {}

    def add(self, record: Record) -> None:
        batch, records = self._open_batch(record.key)
        try:
            batch.add(EventData(record.payload))
        except ValueError:
            if not records:  # it does not fit even in an empty batch
                self._oversized(record)
                return
            self._send_key(record.key)
            batch, records = self._open_batch(record.key)
            try:
                # A fresh EventData: a failed add() leaves the first one marked up by the SDK.
                batch.add(EventData(record.payload))
            except ValueError:
                self._oversized(record)
                return
        records.append(record)

    def _open_batch(self, key: str) -> tuple[EventDataBatch, list[Record]]:
        entry = self._open.get(key)
        if entry is None:
            entry = self._open[key] = (self._new_batch(key), [])
        return entry

    def _send_key(self, key: str) -> None:
        batch, records = self._open.pop(key)
        if records:
            self._send(batch, records)

    def flush(self) -> None:
        for key in list(self._open):
            self._send_key(key)

    def pending(self) -> int:
        return sum(len(records) for _, records in self._open.values())


class EventHubsTransport:
    def __init__(self, conn: str, eventhub: str, on_failed: OnFailed) -> None:
        # A connection string scoped to one hub names it itself (EntityPath) and must not repeat it.
        named = {} if "entitypath=" in conn.lower() else {"eventhub_name": eventhub}
        self._client = EventHubProducerClient.from_connection_string(conn, retry_total=3, **named)
        self.destination = f"event hub {eventhub}"
        self.broken: str | None = None
        self._on_failed = on_failed
        self._batcher = KeyedBatcher(self._new_batch, self._send, self._oversized)
        self._last_flush = time.monotonic()

    def _new_batch(self, key: str) -> EventDataBatch:
        try:
            return self._client.create_batch(partition_key=key)
        except EventHubError as exc:
            self.broken = f"event hubs: {_first_line(exc)}"
            raise SendAborted from None

    def _send(self, batch: EventDataBatch, records: list[Record]) -> None:
        if not self.broken:
            try:
                self._client.send_batch(batch)
                return
            except EventHubError as exc:  # after the SDK's own retries
                self.broken = f"event hubs: {_first_line(exc)}"
        for record in records:
            self._on_failed(record, self.broken)

    def _oversized(self, record: Record) -> None:
        self._on_failed(record, OVERSIZED)

    def send(self, record: Record) -> None:
        self._batcher.add(record)

    def poll(self) -> None:
        if time.monotonic() - self._last_flush >= MAX_WAIT_SECONDS:
            self._batcher.flush()
            self._last_flush = time.monotonic()

    def in_flight(self) -> int:
        return self._batcher.pending()

    def close(self, timeout: float, give_up: Callable[[], bool]) -> None:
        try:
            self._batcher.flush()
        finally:
            self._client.close()

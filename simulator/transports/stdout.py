"""JSON lines on standard output; bad non-UTF-8 records go out as their raw bytes."""

from __future__ import annotations

from collections.abc import Callable
from typing import BinaryIO

from simulator.records import Record
from simulator.transports import OnFailed


class StdoutTransport:
    def __init__(self, out: BinaryIO, on_failed: OnFailed) -> None:
        self.destination = "stdout"
        self.broken: str | None = None
        self._out = out
        self._on_failed = on_failed
        self._pending: list[Record] = []
        self.send = self._pending.append

    def poll(self) -> None:
        if not self._pending:
            return
        pending = self._pending.copy()
        self._pending.clear()
        if self.broken:
            self._fail(pending, self.broken)
            return
        try:
            self._out.write(b"\n".join([r.payload for r in pending]) + b"\n")
            self._out.flush()
        except OSError as exc:  # BrokenPipeError when the reader went away (`| head`)
            self.broken = f"output closed: {exc.strerror or exc}"
            self._fail(pending, self.broken)

    def _fail(self, records: list[Record], why: str) -> None:
        for record in records:
            self._on_failed(record, why)

    def in_flight(self) -> int:
        return len(self._pending)

    def close(self, timeout: float, give_up: Callable[[], bool]) -> None:
        self.poll()

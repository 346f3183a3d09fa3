"""Event timestamps: the wall clock by default, or a virtual clock for byte-identical replays."""

from __future__ import annotations

import time
from datetime import UTC, datetime

# With --rate 0 there is no natural spacing; the virtual clock then advances this much per event.
NOMINAL_STEP_MS = 1.0


def parse_instant(text: str) -> int:
    """An ISO-8601 instant as epoch milliseconds; a time without a zone is taken as UTC."""
    moment = datetime.fromisoformat(text.strip())
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return round(moment.timestamp() * 1000)


class TimestampFormatter:
    """Epoch milliseconds -> `2026-11-27T10:00:00.123Z`, formatting each second only once."""

    def __init__(self) -> None:
        self._second = None
        self._prefix = ""

    def __call__(self, ms: int) -> str:
        second, millis = divmod(ms, 1000)
        if second != self._second:
            self._second = second
            self._prefix = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
        return f"{self._prefix}.{millis:03d}Z"


def wall_clock(_index: int) -> int:
    return time.time_ns() // 1_000_000


class VirtualClock:
    """Event i happens at start + i / rate: the output depends only on seed and start time."""

    def __init__(self, start_ms: int, rate: float) -> None:
        self._start = start_ms
        self._step = 1000.0 / rate if rate > 0 else NOMINAL_STEP_MS

    def __call__(self, index: int) -> int:
        return self._start + int(index * self._step)

"""The send loop: paces records, stops on a count, a duration or Ctrl-C, then flushes."""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import islice

from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
)

from simulator.ledger import Ledger
from simulator.records import Record
from simulator.transports import SendAborted, Transport

# After Ctrl-C, wait at most this long for outstanding deliveries (a second Ctrl-C: not at all).
INTERRUPTED_FLUSH_SECONDS = 10.0
PROGRESS_AFTER_SECONDS = 2.0
MAX_CHUNK = 2000


class StopSignal:
    """SIGINT/SIGTERM: the first stops generating; the second also stops waiting for deliveries."""

    def __init__(self) -> None:
        self.count = 0
        self.first_at: float | None = None  # time.monotonic() of the first signal
        self.deadline: float | None = None  # time.monotonic() at which a --duration run ends
        self._event = threading.Event()
        self._previous: dict[int, object] = {}

    def __enter__(self) -> StopSignal:
        for sig in (signal.SIGINT, signal.SIGTERM):
            self._previous[sig] = signal.signal(sig, self._handle)
        return self

    def __exit__(self, *_exc) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)

    def _handle(self, _signum, _frame) -> None:
        self.count += 1
        self.first_at = self.first_at or time.monotonic()
        self._event.set()

    @property
    def requested(self) -> bool:
        return self.count > 0

    @property
    def due(self) -> bool:
        """Stop requested or the run's duration is over."""
        return self.count > 0 or (self.deadline is not None and time.monotonic() >= self.deadline)

    @property
    def hurried(self) -> bool:
        """Stop waiting for deliveries: a second signal, or the first one was a while ago."""
        return self.count > 1 or (
            self.first_at is not None
            and time.monotonic() - self.first_at > INTERRUPTED_FLUSH_SECONDS
        )

    def wait(self, seconds: float) -> None:
        self._event.wait(seconds)


class LiveProgress:
    """A progress bar on stderr, only on a terminal and only once a run has lasted a while."""

    def __init__(self, console: Console, count: int | None, duration: float | None) -> None:
        self._enabled = console.is_terminal
        self._console = console
        self._count, self._duration = count, duration
        self._bar: Progress | None = None
        self._task = None
        self._next_update = 0.0

    def update(self, sent: int, in_flight: int, elapsed: float) -> None:
        if not self._enabled or elapsed < PROGRESS_AFTER_SECONDS:
            return
        now = time.monotonic()
        if now < self._next_update:
            return
        self._next_update = now + 0.25
        if self._bar is None:
            self._bar = Progress(
                TextColumn("[bold]simulator"),
                BarColumn(),
                TaskProgressColumn(),
                TextColumn("{task.fields[sent]:,} sent, {task.fields[in_flight]:,} in flight"),
                TextColumn("{task.fields[rate]:,.0f} events/s, {task.fields[elapsed]:.0f} s"),
                console=self._console,
                transient=True,
            )
            self._bar.start()
            self._task = self._bar.add_task(
                "send",
                total=self._count or self._duration,
                sent=0,
                in_flight=0,
                rate=0.0,
                elapsed=0.0,
            )
        self._bar.update(
            self._task,
            completed=sent if self._count else elapsed,
            sent=sent,
            in_flight=in_flight,
            rate=sent / elapsed,
            elapsed=elapsed,
        )

    def stop(self) -> None:
        if self._bar is not None:
            self._bar.stop()


@dataclass(frozen=True)
class Outcome:
    elapsed: float  # from the first send until every record was delivered or given up on
    interrupted: bool
    stopped_because: str | None  # why the transport could not go on, if it could not


def chunk_size(rate: float) -> int:
    """Records between pacing checks: about 50 checks a second, or big chunks when unpaced."""
    return MAX_CHUNK if rate <= 0 else max(1, min(MAX_CHUNK, int(rate / 50)))


def run(
    records: Iterator[Record],
    transport: Transport,
    ledger: Ledger,
    *,
    count: int | None,
    duration: float | None,
    rate: float,
    stop: StopSignal,
    progress: LiveProgress,
    flush_timeout: float,
    notice: Callable[[str], None],
) -> Outcome:
    started = time.monotonic()
    deadline = stop.deadline = started + duration if duration is not None else None
    step = chunk_size(rate)
    send, note = transport.send, ledger.add
    try:
        while not (stop.due or transport.broken):
            n = step if count is None else min(step, count - ledger.sent)
            if n <= 0:
                break
            for record in islice(records, n):
                send(record)
                note(record)
            transport.poll()
            now = time.monotonic()
            if rate > 0:
                ahead = started + ledger.sent / rate - now
                if deadline is not None:
                    ahead = min(ahead, deadline - now)
                if ahead > 0:
                    stop.wait(ahead)
            progress.update(ledger.sent, transport.in_flight(), time.monotonic() - started)
    except SendAborted:
        pass
    finally:
        progress.stop()
    if stop.requested and transport.in_flight():
        notice(
            f"stopping: waiting up to {INTERRUPTED_FLUSH_SECONDS:.0f} s for "
            f"{transport.in_flight():,} outstanding deliveries (Ctrl-C again to give up)"
        )
    # A Ctrl-C while waiting here cuts the wait short too (see StopSignal.hurried).
    transport.close(flush_timeout, give_up=lambda: stop.hurried)
    return Outcome(time.monotonic() - started, stop.requested, transport.broken)

"""Bin-packing the small files streaming appends leave behind, beside the micro-batches."""

from __future__ import annotations

import sys
from concurrent.futures import Future, ThreadPoolExecutor, wait

from pyspark.sql import SparkSession

from contract.tables import Locations
from jobs.delta_io import side_by_side
from jobs.errors import first_line


def compact(spark: SparkSession, where: Locations, *names: str) -> None:
    """Bin-pack the tables' small files (data unchanged: streaming readers skip the commit)."""
    from delta.tables import DeltaTable

    side_by_side(
        lambda name: DeltaTable.forPath(spark, where.table(name)).optimize().executeCompaction(),
        names,
    )


class Compactor:
    """Compacts one query's tables in a thread of its own, one table a run, in turn.

    A micro-batch never waits for it: run inside the batch, compacting all the tables stalled
    the batch it followed by several seconds, and run beside it, slowed that batch as much.
    One table at a time spreads the same work over the batches. Delta commits a compaction
    beside appends (it only rearranges files, dataChange=false). A request while a run is
    under way is dropped. A failed run is said on stderr and the files stay as they were,
    so nothing is lost; the table is tried again on its next turn.
    """

    def __init__(self, spark: SparkSession, where: Locations, names: tuple[str, ...]) -> None:
        self._spark, self._where, self._names = spark, where, names
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="compaction")
        self._running: Future | None = None
        self._turns = 0

    def request(self) -> None:
        if self._running is None or self._running.done():
            name = self._names[self._turns % len(self._names)]
            self._turns += 1
            self._running = self._pool.submit(self._run, name)

    def _run(self, name: str) -> None:
        try:
            compact(self._spark, self._where, name)
        except Exception as exc:  # noqa: BLE001 - a compaction is retried, never fatal
            print(f"compaction of {name} failed, tried again on its next turn: "
                  f"{first_line(exc)}", file=sys.stderr)  # fmt: skip

    def settle(self) -> None:
        """Wait for the run under way, so that a process ending does not cut it off."""
        if self._running is not None:
            wait([self._running])


_COMPACTORS: dict[str, Compactor] = {}


def compactor(spark: SparkSession, query: str, where: Locations, names: tuple[str, ...]):
    """The query's compactor (a restarted query in the same process gets a new one)."""
    _COMPACTORS[query] = found = Compactor(spark, where, names)
    return found


def settle(query: str) -> None:
    found = _COMPACTORS.get(query)
    if found is not None:
        found.settle()

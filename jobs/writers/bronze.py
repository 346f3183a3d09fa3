"""Bronze's foreachBatch body: Kafka records, untouched, appended to bronze exactly once."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial

from pyspark import StorageLevel
from pyspark.sql import DataFrame

from contract import tables
from jobs import delta_io
from jobs.exactly_once import ExactlyOnce
from jobs.settings import StageSettings
from jobs.transforms.bronze import to_bronze

# The writer's name in its commits' tags (with the checkpoint of the query that calls it).
NAME = "bronze"


@dataclass
class BronzeBatchWriter:
    """foreachBatch body: a batch of Kafka records appended to bronze.

    `query` is the streaming query that calls the writer (its checkpoint names the writes);
    `downstream`, when given, receives the batch's bronze rows while they are appended (the
    batch fails unless both succeed). They are cached for both, so that Kafka is read once.
    A replay after a crash in between is safe: each table's writes are tagged with the
    batch, and the writer that had committed skips its own.
    """

    settings: StageSettings
    query: str = NAME
    downstream: Callable[[DataFrame, int], None] | None = None

    def __post_init__(self) -> None:
        self._writes = ExactlyOnce(NAME, self.settings.locations.checkpoint(self.query))

    def __call__(self, records: DataFrame, batch_id: int) -> None:
        rows = to_bronze(records, datetime.now(UTC))
        if self.downstream is not None:
            rows = rows.persist(StorageLevel.MEMORY_AND_DISK)
        try:
            with self._writes.batch(batch_id) as writes:
                append = partial(writes.append, rows, self.settings.locations.table(tables.BRONZE))
                if self.downstream is None:
                    append()
                else:
                    with delta_io.alongside(append):
                        self.downstream(rows, batch_id)
        finally:
            rows.unpersist()

"""Gold's foreachBatch body: a batch of new silver rows merged into their 1-minute windows.

The current minute is visible while it fills; a late event (within silver's lateness horizon)
adds to the window it belongs to.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from contract import tables
from jobs import compaction, delta_io
from jobs.exactly_once import ExactlyOnce
from jobs.settings import StageSettings
from jobs.transforms.gold import average_order_value, minute_totals
from jobs.transforms.per_batch import per_batch

# The writer's name in its commits' tags (with the checkpoint of the query that calls it).
NAME = "gold"
# A batch touching more days than this (a backlog of old events) MERGEs without naming them:
# the partition list stays a short literal, and the join on window_date still prunes files.
PRUNED_DAYS = 31
# Each MERGE leaves a small file, and the next one reads them all: gold is compacted this many
# times as often as the other tables (every compact_every_batches / 5 batches).
GOLD_COMPACTIONS_PER_TURN = 5
# A gold file this big (about half an hour of windows at 2,000 events/s) is left alone by
# compaction, and a MERGE skips it once its windows are older than the batch's.
GOLD_FROZEN_FILE_BYTES = 1024 * 1024
_INSTANT = "yyyy-MM-dd HH:mm:ss"
_SUMS = ("orders", "units", "revenue")


def merge_actions() -> dict:
    """Increments add to what the window already has; the average follows the sums."""
    update = {c: F.col(f"t.{c}") + F.col(f"s.{c}") for c in _SUMS}
    update["avg_order_value"] = average_order_value(update["revenue"], update["orders"])
    update["updated_at"] = F.col("s.updated_at")
    insert = {c: F.col(f"s.{c}") for c in tables.TABLES[tables.GOLD].column_names
              if c not in ("avg_order_value", "updated_at")}  # fmt: skip
    insert["avg_order_value"] = average_order_value(F.col("s.revenue"), F.col("s.orders"))
    insert["updated_at"] = F.col("s.updated_at")
    return {"update": update, "insert": insert}


@dataclass
class GoldBatchWriter:
    """foreachBatch body: a batch of new silver rows merged into their windows.

    `query` is the streaming query that calls the writer (its checkpoint names the writes).
    Each MERGE leaves a small file and deletion vectors (contract.tables: gold is updated in
    place), so with pipeline.compact_every_batches = N the writer compacts gold every
    N / GOLD_COMPACTIONS_PER_TURN batches, after its MERGE: a compaction beside a MERGE would
    make one of them fail.
    """

    settings: StageSettings
    query: str = NAME
    _compaction_session: SparkSession | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self._writes = ExactlyOnce(NAME, self.settings.locations.checkpoint(self.query))

    def __call__(self, batch: DataFrame, batch_id: int) -> None:
        with self._writes.batch(batch_id) as writes:
            # Materialized once: MERGE reads its source twice, and a cached plan does not
            # match inside MERGE, which would recompute the whole batch each time.
            # The time is a column of the source, not a literal in the MERGE's generated code:
            # that code is then the same each batch and compiled once.
            increments = (
                minute_totals(batch)
                .withColumn("updated_at", per_batch(datetime.now(UTC), "timestamp"))
                .localCheckpoint()
            )
            try:
                # The touched days, as text (no driver-side date conversion can fail), and the
                # hour the oldest touched window starts in.
                touched = increments.agg(
                    F.sort_array(F.collect_set(F.date_format("window_date", "yyyy-MM-dd"))),
                    F.date_format(F.date_trunc("hour", F.min("window_start")), _INSTANT),
                ).first()
                days, since = touched[0], touched[1]
                if not days:
                    return
                # Literal filters let the MERGE read only the touched days, and in them only
                # the files (by their statistics) with windows from that hour on: the files
                # compaction made of the hours before are never read again.
                pruned = (
                    f"t.window_date IN ({', '.join(f'DATE{d!r}' for d in days)}) AND "
                    if len(days) <= PRUNED_DAYS
                    else ""
                )
                on = (
                    f"{pruned}t.window_start >= TIMESTAMP'{since}' AND "
                    "t.window_date = s.window_date AND "
                    + " AND ".join(f"t.{k} = s.{k}" for k in tables.GOLD_KEY)
                )
                writes.merge(
                    batch.sparkSession,
                    self.settings.locations.table(tables.GOLD),
                    increments,
                    on,
                    merge_actions(),
                )
            finally:
                delta_io.release(increments)
        every = self.settings.pipeline.compact_every_batches
        if every and (batch_id + 1) % max(1, every // GOLD_COMPACTIONS_PER_TURN) == 0:
            compaction.compact_quietly(
                self._compacting(batch.sparkSession), self.settings.locations, tables.GOLD
            )

    def _compacting(self, spark: SparkSession) -> SparkSession:
        """A session of its own for gold's compactions: files of GOLD_FROZEN_FILE_BYTES are
        left alone (the other tables' compactions keep the session's threshold)."""
        if self._compaction_session is None:
            self._compaction_session = spark.newSession()
            self._compaction_session.conf.set(
                "spark.databricks.delta.optimize.minFileSize", str(GOLD_FROZEN_FILE_BYTES)
            )
        return self._compaction_session

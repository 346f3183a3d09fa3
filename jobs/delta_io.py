"""Delta Lake reads and plain writes shared by the stages (no JVM-side state of their own)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, wait
from contextlib import contextmanager

from pyspark.sql import DataFrame, SparkSession

from contract import tables
from jobs.transforms.per_batch import per_batch


def side_by_side(action, names) -> None:
    """One table per thread, three at a time: each Delta command's commit mostly waits on the
    driver while another one computes. The first failure is raised."""
    with ThreadPoolExecutor(max_workers=3) as pool:
        list(pool.map(action, names))


@contextmanager
def alongside(action: Callable[[], None]) -> Iterator[None]:
    """Run `action` in a thread of its own while the body runs: most of a Delta command's time
    is the driver planning and committing, which leaves the two cores to the other. Both are
    finished before the block is left; the body's failure is raised first, then the action's."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        done = pool.submit(action)
        try:
            yield
        except BaseException:
            wait([done])
            raise
        done.result()


def read(spark: SparkSession, path: str) -> DataFrame:
    return spark.read.format("delta").load(path)


def read_stream(spark: SparkSession, path: str, settings) -> DataFrame:
    reader = spark.readStream.format("delta")
    if settings.pipeline.max_files_per_trigger:
        reader = reader.option("maxFilesPerTrigger", settings.pipeline.max_files_per_trigger)
    return reader.load(path)


def release(checkpointed: DataFrame) -> None:
    """Free a local checkpoint's blocks now, not at the JVM's next full collection: a
    continuous run makes one or two per micro-batch."""
    checkpointed._jdf.queryExecution().logical().rdd().unpersist(False)


def literal_row(spark: SparkSession, table: tables.Table, values: tuple) -> DataFrame:
    """One row built on the JVM side (createDataFrame from Python rows runs a Python task),
    with code that is the same whatever the values."""
    return spark.range(1).select(
        *(
            per_batch(v, column.type).alias(column.name)
            for column, v in zip(table.columns, values, strict=True)
        )
    )

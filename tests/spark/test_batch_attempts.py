"""A micro-batch that keeps failing stops the query with a message naming its records."""

from __future__ import annotations

import pytest

from jobs.runner import BatchFailed, bounded, failure


def writer(failures: int):
    """A batch writer failing its first `failures` calls."""
    calls = []

    def write(batch, batch_id):
        calls.append(batch_id)
        if len(calls) <= failures:
            raise ValueError(f"boom {len(calls)}\nsecond line")

    return write, calls


def records(spark):
    rows = [("orders", 0, offset) for offset in range(5, 10)] + [("orders", 3, 42)]
    return spark.createDataFrame(rows, "topic string, partition int, offset long")


def test_a_batch_that_fails_once_is_written_on_its_next_attempt(spark):
    write, calls = writer(failures=1)
    pauses = []
    bounded(write, "pipeline", 3, pauses.append)(records(spark), 7)
    assert calls == [7, 7] and pauses == [1]


def test_a_batch_that_always_fails_stops_with_its_offsets_and_error(spark):
    write, calls = writer(failures=99)
    pauses = []
    with pytest.raises(BatchFailed) as failed:
        bounded(write, "pipeline", 3, pauses.append)(records(spark), 7)
    assert calls == [7, 7, 7] and pauses == [1, 2]
    assert str(failed.value) == (
        "batch 7 of query pipeline failed 3 times; its records: "
        "orders/0 offsets 5-9, orders/3 offsets 42-42; last error: boom 3"
    )


def test_a_batch_without_kafka_coordinates_still_fails_clearly(spark):
    write, _ = writer(failures=99)
    batch = spark.createDataFrame([(1,)], "x int")
    with pytest.raises(BatchFailed, match=r"its records: \(no Kafka coordinates\)"):
        bounded(write, "gold", 1, lambda _: None)(batch, 0)


def test_the_stop_message_is_the_batch_s_own_out_of_spark_s_traceback():
    wrapped = (
        "An exception was raised by the Python Proxy. Return Message: Traceback (most recent "
        "call last):\n  File ...\njobs.runner.BatchFailed: batch 7 of query pipeline failed 3 "
        "times; its records: orders/0 offsets 5-9; last error: boom\n"
    )
    assert failure(Exception(wrapped)) == (
        "batch 7 of query pipeline failed 3 times; its records: orders/0 offsets 5-9; "
        "last error: boom"
    )
    assert failure(Exception("something else")) == "something else"

"""Silver streams bronze, and gold silver, across the compactions of the table they read.

A compaction commit rewrites files without changing data; a stream that read it as new data
would see rows twice, and silver would count them as duplicates of themselves.
"""

from __future__ import annotations

import pytest

from contract import tables
from jobs import bronze, gold, silver
from jobs.runner import await_all
from jobs.settings import parse
from scripts import lake
from tests.integration.pipeline_env import compactions, locations, simulate, write_env

pytestmark = [pytest.mark.broker, pytest.mark.spark]

PER_ROUND = 3000


def test_layers_read_across_the_compactions_of_the_layer_before(broker, spark, tmp_path):
    env_path, topic = write_env(
        tmp_path, broker.bootstrap, max_offsets_per_trigger=1000, max_files_per_trigger=2,
        compact_every_batches=2,
    )  # fmt: skip
    broker.ensure_topic(topic, 4)
    where = locations(env_path)
    for round_ in range(2):
        simulate(
            env_path, tmp_path / f"ledger-{round_}.json",
            "--count", str(PER_ROUND), "--rate", "0", "--seed", str(round_),
            "--bad-rate", "0", "--duplicate-rate", "0", "--late-rate", "0",
        )  # fmt: skip
        for stage in (bronze, silver, gold):
            settings = parse(stage.STAGE, ["--env", str(env_path)])
            await_all([stage.start(spark.newSession(), settings)])
        if round_ == 0:
            before = {n: compactions(where, n) for n in (tables.BRONZE, tables.SILVER)}

    # Bronze and silver were compacted after the next layer had read them once.
    after = {n: compactions(where, n) for n in (tables.BRONZE, tables.SILVER)}
    assert all(after[n] > before[n] for n in after), (before, after)
    counts = lake.layer_counts(where)
    audit = lake.read(where, tables.SILVER_BATCHES).to_pylist()
    assert sum(b["bronze_rows"] for b in audit) == counts.bronze == 2 * PER_ROUND
    assert (counts.silver, counts.duplicates) == (2 * PER_ROUND, 0)
    assert counts.gold_orders == 2 * PER_ROUND

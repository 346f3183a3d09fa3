"""The whole pipeline on a real broker, real Spark and real Delta: nothing lost, nothing twice.

The simulator sends every kind of bad record, duplicates and late events, and writes a ledger
of what gold must show; the pipeline runs; the invariants must hold exactly. The separate stages
(one query per layer, as a scheduler runs them) must then produce the same tables.
"""

from __future__ import annotations

from collections import Counter

import pyarrow.parquet as pq
import pytest
from deltalake import DeltaTable

from contract import tables
from environments import ConfigError, load_environment
from jobs import bronze, gold, pipeline, silver
from jobs.runner import await_all
from jobs.settings import parse
from jobs.writers.silver import SILVER_TABLES
from scripts import lake
from simulator.ledger import load
from tests.integration.pipeline_env import compactions, locations, simulate, write_env

pytestmark = [pytest.mark.broker, pytest.mark.spark]

EVENTS = 30_000
SMALL_BATCHES = {
    "max_offsets_per_trigger": 4000,
    "max_files_per_trigger": 4,
    "compact_every_batches": 3,
}


@pytest.fixture(scope="module")
def run(broker, spark, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("e2e")
    # Small micro-batches, so de-duplication (and compaction) also works across batches.
    env_path, topic = write_env(tmp, broker.bootstrap, **SMALL_BATCHES)
    broker.ensure_topic(topic, 4)
    simulate(
        env_path, tmp / "ledger.json",
        "--count", str(EVENTS), "--rate", "0", "--seed", "2026",
        "--bad-rate", "0.05", "--duplicate-rate", "0.04", "--late-rate", "0.05",
        "--max-lateness", "60",
    )  # fmt: skip
    settings = parse("pipeline", ["--env", str(env_path), "--trigger", "available-now"])
    pipeline.run(spark, settings)
    return locations(env_path), load(tmp / "ledger.json"), env_path, spark


@pytest.fixture(scope="module")
def stages_run(run, broker, tmp_path_factory):
    """The same topic through bronze, then silver, then gold, each its own query and lake."""
    _, _, env_path, spark = run
    tmp = tmp_path_factory.mktemp("stages")
    topic = load_environment(env_path).kafka.topic
    stage_env, _ = write_env(tmp, broker.bootstrap, topic, **SMALL_BATCHES)
    for stage in (bronze, silver, gold):
        settings = parse(stage.STAGE, ["--env", str(stage_env), "--trigger", "available-now"])
        await_all([stage.start(spark.newSession(), settings)])
    return locations(stage_env), stage_env


def test_every_produced_message_is_in_bronze_once(run):
    where, ledger, _, _ = run
    bronze = lake.read(where, tables.BRONZE, columns=["partition", "offset"])
    coordinates = set(
        zip(
            bronze.column("partition").to_pylist(), bronze.column("offset").to_pylist(), strict=True
        )
    )
    assert ledger.complete
    assert bronze.num_rows == len(coordinates) == ledger.counts["produced"] == EVENTS


def test_bronze_equals_silver_plus_quarantine_plus_duplicates(run):
    where, ledger, _, _ = run
    counts = lake.layer_counts(where)
    assert counts.bronze == counts.silver + counts.quarantine + counts.duplicates
    assert counts.silver == ledger.counts["valid_unique"]
    assert counts.duplicates == ledger.counts["duplicates"]
    assert lake.quarantine_by_reason(where) == Counter(ledger.counts["bad"])


def test_batch_audit_adds_up_to_the_tables(run):
    where, _, _, _ = run
    audit = lake.read(where, tables.SILVER_BATCHES).to_pylist()
    counts = lake.layer_counts(where)
    assert len(audit) > 1, "expected several micro-batches"
    assert sum(b["bronze_rows"] for b in audit) == counts.bronze
    assert sum(b["silver_rows"] for b in audit) == counts.silver
    assert sum(b["quarantined"] for b in audit) == counts.quarantine
    assert sum(b["duplicates"] for b in audit) == counts.duplicates


def test_every_batch_reports_its_progress_once(run):
    """One pipeline_progress row per batch, adding up to bronze, quarantine and the topic."""
    where, ledger, _, _ = run
    reported = sorted(
        lake.read(where, tables.PIPELINE_PROGRESS).to_pylist(), key=lambda r: r["batch_id"]
    )
    audit = lake.read(where, tables.SILVER_BATCHES, columns=["batch_id"]).column(0).to_pylist()
    assert [r["batch_id"] for r in reported] == sorted(audit)
    assert {r["query"] for r in reported} == {"pipeline"}
    assert sum(r["records_in"] for r in reported) == lake.layer_counts(where).bronze
    rejects = Counter()
    for r in reported:
        rejects.update(dict(r["rejects"]))
    assert +rejects == Counter(ledger.counts["bad"])
    # The topic held every event before the pipeline started: what each batch left behind, by
    # Kafka's own offsets, is what the batches after it read.
    read = 0
    for r in reported:
        read += r["records_in"]
        assert r["records_behind"] == EVENTS - read
    assert all(r["event_time_lag_seconds"] > 0 for r in reported)
    assert all(r["watermark"] is not None for r in reported[1:])


def test_gold_equals_the_simulator_ledger(run):
    where, ledger, _, _ = run
    gold = lake.gold_totals(where)
    assert gold, "gold is empty"
    assert lake.ledger_differences(gold, ledger) == []
    assert lake.layer_counts(where).gold_orders == ledger.counts["valid_unique"]


def test_every_table_appended_to_is_compacted_every_few_batches(run):
    where, _, _, _ = run
    appended = (tables.BRONZE, *SILVER_TABLES)
    assert [name for name in appended if not compactions(where, name)] == []
    # Gold is left alone: each batch replaces the files of its ten-minute block, so they do
    # not pile up.
    gold = DeltaTable(where.table(tables.GOLD))
    days = {uri.rsplit("/", 2)[-2] for uri in gold.file_uris()}
    assert len(gold.file_uris()) <= 2 * len(days)


def test_distinct_valued_columns_are_written_without_a_dictionary(run):
    where, _, _, _ = run
    dictionary = {"PLAIN_DICTIONARY", "RLE_DICTIONARY"}
    for name in (tables.BRONZE, tables.SILVER, tables.DUPLICATES):
        for uri in DeltaTable(where.table(name)).file_uris():
            chunks = pq.ParquetFile(uri.removeprefix("file://")).metadata.row_group(0)
            encoded = {
                chunks.column(i).path_in_schema: dictionary & set(chunks.column(i).encodings)
                for i in range(chunks.num_columns)
            }
            assert not any(encoded[c] for c in tables.DISTINCT_COLUMNS if c in encoded), encoded
            assert encoded["topic"], "the other columns keep their dictionaries"


def test_running_again_with_nothing_new_changes_nothing(run):
    where, _, env_path, spark = run
    before = (lake.layer_counts(where), lake.gold_totals(where))
    pipeline.run(spark, parse("pipeline", ["--env", str(env_path)]))
    assert (lake.layer_counts(where), lake.gold_totals(where)) == before


def test_the_separate_stages_write_the_same_tables(run, stages_run):
    where, ledger, _, _ = run
    stage_where, _ = stages_run
    assert lake.layer_counts(stage_where) == lake.layer_counts(where)
    assert lake.quarantine_by_reason(stage_where) == lake.quarantine_by_reason(where)
    assert lake.gold_totals(stage_where) == lake.gold_totals(where)
    # The stages compacted their tables too, and silver and gold read them afterwards.
    assert compactions(stage_where, tables.BRONZE) and compactions(stage_where, tables.SILVER)
    assert lake.ledger_differences(lake.gold_totals(stage_where), ledger) == []
    # Each stage reports its own batches; only bronze reads Kafka, only silver rejects.
    reported = lake.read(stage_where, tables.PIPELINE_PROGRESS).to_pylist()
    by_query = {q: [r for r in reported if r["query"] == q] for q in ("bronze", "silver", "gold")}
    assert all(by_query.values()), {q: len(rows) for q, rows in by_query.items()}
    assert sum(r["records_in"] for r in by_query["bronze"]) == ledger.counts["produced"]
    assert max(by_query["bronze"], key=lambda r: r["batch_id"])["records_behind"] == 0
    assert all(r["records_behind"] is None for r in by_query["silver"] + by_query["gold"])
    assert sum(sum(dict(r["rejects"]).values()) for r in by_query["silver"]) == sum(
        ledger.counts["bad"].values()
    )


def test_a_lake_run_by_the_stages_is_refused_by_the_pipeline(run, stages_run):
    _, _, _, spark = run
    _, stage_env = stages_run
    with pytest.raises(ConfigError, match="checkpoint_root"):
        pipeline.start(spark, parse("pipeline", ["--env", str(stage_env)]))

"""pipeline_progress commits: a failed one keeps its rows, a retried one never doubles them."""

from __future__ import annotations

from datetime import UTC, datetime

from contract import tables
from jobs.progress import ProgressRecorder, _Target
from jobs.settings import parse
from scripts import lake
from tests.integration.pipeline_env import write_env


def row(batch_id: int) -> tuple:
    at = datetime.now(UTC)
    return ("pipeline", "run", batch_id, at, 10, 1.0, 1.0, 100, 0, None, None, None, None,
            None, {"not_json": 1}, at)  # fmt: skip


def target_for(tmp_path) -> _Target:
    env_path, _ = write_env(tmp_path, "127.0.0.1:1")
    target = _Target(parse("pipeline", ["--env", str(env_path)]))
    target.run_id = "run"
    return target


def test_a_failed_commit_keeps_its_rows_and_the_next_writes_them_once(spark, tmp_path, capsys):
    recorder, target = ProgressRecorder(spark), target_for(tmp_path)
    where = target.settings.locations
    blocker = tmp_path / "lake"
    blocker.write_text("a file where the lake folder should be")
    target.pending = [row(0), row(1)]
    assert recorder._flush("pipeline", target) is False
    assert len(target.pending) == 2
    assert target.failed
    assert "pipeline_progress not written, kept for the next try" in capsys.readouterr().err

    blocker.unlink()
    assert recorder._flush("pipeline", target) is True
    assert target.pending == [] and not target.failed
    written = lake.read(where, tables.PIPELINE_PROGRESS)
    assert sorted(written.column("batch_id").to_pylist()) == [0, 1]
    assert [dict(r) for r in written.column("rejects").to_pylist()] == [{"not_json": 1}] * 2


def test_a_retry_after_a_commit_that_landed_writes_nothing_twice(spark, tmp_path):
    recorder, target = ProgressRecorder(spark), target_for(tmp_path)
    where = target.settings.locations
    target.pending = [row(0), row(1)]
    assert recorder._flush("pipeline", target)
    # The commit landed, but the recorder saw an error (a lost answer): the rows come again.
    target.pending, target.failed = [row(0), row(1)], True
    assert recorder._flush("pipeline", target)
    assert target.pending == []
    assert lake.count(where, tables.PIPELINE_PROGRESS) == 2
    # Without a failure before it, a new batch's rows are appended without looking.
    target.pending = [row(2)]
    assert recorder._flush("pipeline", target)
    assert lake.count(where, tables.PIPELINE_PROGRESS) == 3

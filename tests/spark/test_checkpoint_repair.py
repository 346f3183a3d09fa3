"""A kill between a temp write and its rename must not block the restart."""

from __future__ import annotations

from jobs.storage import discard_incomplete_checkpoint_files, discard_uncommitted_table_log


def test_only_unfinished_log_entries_are_removed(spark, tmp_path):
    offsets = tmp_path / "offsets"
    offsets.mkdir()
    (offsets / "0").write_text("v1\n{}")
    (offsets / ".1.2f1e.tmp").write_text("")
    (tmp_path / "metadata").write_text('{"id": "x"}')

    assert discard_incomplete_checkpoint_files(spark, str(tmp_path)) == 1
    assert sorted(p.name for p in offsets.iterdir()) == ["0"]
    assert (tmp_path / "metadata").exists()


def test_a_checkpoint_that_does_not_exist_yet_is_fine(spark, tmp_path):
    assert discard_incomplete_checkpoint_files(spark, str(tmp_path / "new")) == 0


def test_a_table_log_without_any_commit_is_cleared_so_the_table_can_be_created(spark, tmp_path):
    log = tmp_path / "table" / "_delta_log"
    (log / "_staged_commits").mkdir(parents=True)
    (log / ".00000000000000000000.json.6c1f.tmp").write_text("{")

    assert discard_uncommitted_table_log(spark, str(tmp_path / "table"))
    assert not log.exists()


def test_a_table_with_a_commit_is_never_touched(spark, tmp_path):
    table = str(tmp_path / "table")
    spark.range(3).write.format("delta").save(table)
    (tmp_path / "table" / "_delta_log" / ".00000000000000000001.json.9a.tmp").write_text("")

    assert not discard_uncommitted_table_log(spark, table)
    assert spark.read.format("delta").load(table).count() == 3

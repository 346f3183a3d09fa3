"""A kill between Spark's temp write and rename must not block the restart."""

from __future__ import annotations

import pytest

from jobs.runner import discard_incomplete_checkpoint_files

pytestmark = pytest.mark.spark


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

"""The simulator's command line refuses bad input: exit 2, a short message naming the flag or
the field, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import yaml
from typer.testing import CliRunner

from environments.loader import ENVIRONMENTS_DIR
from simulator.cli import app
from tests.unit.environment_files import changed

ROOT = ENVIRONMENTS_DIR.parent


def simulate(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "simulator", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--env", "nope", "--count", "1"], "unknown environment 'nope'"),
        (["--bad-rate", "2", "--count", "1"], "--bad-rate"),
        (["--count", "-1"], "--count"),
        (["--count", "1", "--duration", "1"], "--duration"),
    ],
)
def test_bad_command_lines_exit_2_with_a_short_message(args, named):
    result = simulate(*args)
    assert result.returncode == 2, result.stderr
    assert named in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.splitlines()) <= 8
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--late-rate", "-0.1", "--count", "1"], "--late-rate"),
        (["--transport", "stdout"], "--count"),
        (["--duration", "0", "-t", "stdout"], "--duration"),
        (["--rate", "-5", "--count", "1"], "--rate"),
        (["--count", "1", "--start-time", "tomorrow"], "--start-time"),
        (["--count", "1", "--start-time", "2999-01-01T00:00:00Z"], "--start-time"),
        (["--count", "1", "--max-lateness", "0", "--late-rate", "0.1"], "--max-lateness"),
        (["--count", "1", "--max-lateness", "300"], "--max-lateness"),
        (
            ["--count", "1", "--bad-rate", "0.5", "--late-rate", "0.5", "--duplicate-rate", "0.5"],
            "--bad-rate",
        ),
        (["--count", "1", "--topic", "no spaces allowed"], "--topic"),
        (["--count", "1", "--transport", "carrier-pigeon"], "--transport"),
        (["--count", "1", "-X", "no-equals-sign"], "--producer-option"),
    ],
)
def test_more_bad_command_lines(args, named):
    """The same checks in-process (typer's runner), which is much faster than a subprocess."""
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2, result.output
    assert named in result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert len(result.stderr.splitlines()) <= 8
    assert result.stdout == ""


def test_a_broken_environment_file_on_the_command_line(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text(yaml.safe_dump(changed(("kafka", "partitions"), 99)))
    result = simulate("--env", str(path), "--count", "1", "-t", "stdout")
    assert result.returncode == 2
    assert str(path) in result.stderr and "kafka.partitions" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_missing_connection_string_names_the_variable():
    result = subprocess.run(
        [sys.executable, "-m", "simulator", "--env", "dev", "--count", "1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={k: v for k, v in os.environ.items() if k != "EVENTHUB_CONNECTION_STRING"},
    )
    assert result.returncode == 2
    assert "EVENTHUB_CONNECTION_STRING is not set" in result.stderr
    assert "Traceback" not in result.stderr

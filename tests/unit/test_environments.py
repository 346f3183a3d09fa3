"""Environment files: each bad case fails with one short line naming the file and the field."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from environments import ConfigError, available, load_environment, parse_environment
from environments.loader import ENVIRONMENTS_DIR
from simulator.cli import app

ROOT = Path(__file__).resolve().parents[2]
LOCAL = yaml.safe_load((ENVIRONMENTS_DIR / "local.yaml").read_text())


def changed(path: tuple[str, ...], value) -> dict:
    data = yaml.safe_load((ENVIRONMENTS_DIR / "local.yaml").read_text())
    node = data
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return data


def error_for(tmp_path: Path, content: dict | str) -> str:
    path = tmp_path / "broken.yaml"
    path.write_text(content if isinstance(content, str) else yaml.safe_dump(content))
    with pytest.raises(ConfigError) as caught:
        parse_environment(path)
    message = str(caught.value)
    assert message.startswith(str(path)), message
    assert "\n" not in message and len(message) < 400, message
    return message


@pytest.mark.parametrize("name", available())
def test_every_shipped_environment_is_valid(name):
    assert load_environment(name).name == name


def test_shipped_files_name_secrets_but_never_hold_them():
    for name in available():
        text = (ENVIRONMENTS_DIR / f"{name}.yaml").read_text()
        assert "SharedAccessKey" not in text and "password" not in text.lower()
        env = load_environment(name)
        if env.kafka.security_protocol == "SASL_SSL":
            assert env.kafka.connection_string_env


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        (("kafka", "partiton"), 4, "kafka.partiton: unknown key"),
        (("simulatr",), {"rate": 1}, "simulatr: unknown key"),
        (("kafka", "partitions"), "four", "kafka.partitions"),
        (("simulator", "rate"), [100], "simulator.rate"),
        (("spark", "driver_memory"), 2, "spark.driver_memory"),
        (("kafka", "partitions"), 0, "kafka.partitions"),
        (("kafka", "partitions"), 33, "kafka.partitions"),
        (("simulator", "bad_rate"), 0.9, "simulator.bad_rate"),
        (("simulator", "duplicate_rate"), -0.1, "simulator.duplicate_rate"),
        (("simulator", "max_lateness_seconds"), 7200, "simulator.max_lateness_seconds"),
        (("name",), "a" * 13, "name"),
        (("app",), "x", "app"),
        (("kafka", "topic"), "orders and more", "kafka.topic"),
        (("kafka", "consumer_group"), "g" * 51, "kafka.consumer_group"),
        (("kafka", "security_protocol"), "SSL", "kafka.security_protocol"),
    ],
)
def test_a_bad_value_names_its_field(tmp_path, path, value, field):
    assert field in error_for(tmp_path, changed(path, value))


def test_late_events_must_fit_inside_the_pipeline_lateness(tmp_path):
    message = error_for(tmp_path, changed(("pipeline", "lateness_seconds"), 60))
    assert "pipeline.lateness_seconds" in message


def test_sasl_needs_the_name_of_a_secret_variable(tmp_path):
    message = error_for(tmp_path, changed(("kafka", "security_protocol"), "SASL_SSL"))
    assert "kafka" in message and "connection_string_env" in message


def test_an_empty_file(tmp_path):
    assert "the file is empty" in error_for(tmp_path, "")


def test_broken_yaml_says_where(tmp_path):
    message = error_for(tmp_path, "name: local\nkafka:\n  topic: orders\n bad: indent\n")
    assert "not valid YAML (line 4, column 2)" in message


def test_a_file_that_is_not_a_mapping(tmp_path):
    assert "expected a mapping" in error_for(tmp_path, "- local\n- dev\n")


def test_an_unknown_environment_name_lists_the_known_ones():
    with pytest.raises(ConfigError, match=r"unknown environment 'nope': choose one of .*local"):
        load_environment("nope")


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
        env={
            k: v for k, v in __import__("os").environ.items() if k != "EVENTHUB_CONNECTION_STRING"
        },
    )
    assert result.returncode == 2
    assert "EVENTHUB_CONNECTION_STRING is not set" in result.stderr
    assert "Traceback" not in result.stderr

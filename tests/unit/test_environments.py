"""Environment files: each bad case fails with one short line naming the file and the field."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from environments import ConfigError, available, load_environment, parse_environment
from environments.loader import ENVIRONMENTS_DIR
from tests.unit.environment_files import changed


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

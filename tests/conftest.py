"""Shared fixtures: a real Kafka broker and a real Spark session with Delta, started once."""

from __future__ import annotations

import pytest

from scripts.broker import Broker, spare_port


@pytest.fixture(scope="session")
def broker(tmp_path_factory):
    """A fresh single-node broker on spare ports, separate from any `make up` broker."""
    b = Broker(port=spare_port(), data_dir=tmp_path_factory.mktemp("broker"))
    with b:
        yield b


@pytest.fixture(scope="session")
def spark():
    """One local Spark with Delta for the whole run: a JVM start costs seconds."""
    from environments import load_environment
    from jobs.session import spark_session

    session = spark_session(load_environment("local"), "tests")
    yield session
    session.stop()

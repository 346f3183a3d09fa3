"""Shared fixtures: a real Kafka broker and a real Spark session with Delta, started once.

The tiers are folders, and their markers follow from them: unit/ runs without a JVM (seconds),
spark/ runs transformations and Delta I/O on small data in real local Spark, integration/ adds
the real broker (and Chromium), infra/ synthesizes and scans the stacks.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from scripts.broker import Broker, spare_port

TIER_MARKERS = {"spark": "spark", "infra": "infra"}


def pytest_collection_modifyitems(items) -> None:
    for item in items:
        tier = Path(str(item.fspath)).parent.name
        if tier in TIER_MARKERS:
            item.add_marker(TIER_MARKERS[tier])


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

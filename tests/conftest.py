"""Shared fixtures: a real Kafka broker and a real Spark session with Delta, started once."""

from __future__ import annotations

import socket

import pytest

from scripts.broker import Broker


def free_port_pair() -> int:
    """A port p such that p and p+1 (the controller) are both free."""
    for _ in range(50):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        with socket.socket() as s2:
            try:
                s2.bind(("127.0.0.1", port + 1))
                return port
            except OSError:
                continue
    raise RuntimeError("no free port pair")


@pytest.fixture(scope="session")
def broker(tmp_path_factory):
    """A fresh single-node broker on spare ports, separate from any `make up` broker."""
    b = Broker(port=free_port_pair(), data_dir=tmp_path_factory.mktemp("broker"))
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

"""Unit tests run without a JVM: a test that needs Spark belongs in tests/spark."""

from __future__ import annotations

import pytest


@pytest.fixture
def spark():
    pytest.fail("unit tests run without Spark: move this test to tests/spark")

"""Lag as a person sees it: stop the pipeline while orders keep coming, watch the page.

The simulator sends at a steady rate; the pipeline runs, then stops. The page (headless
Chromium on the real dashboard) must show the records behind growing, between what the
broker's own offsets minus what bronze holds said just before and just after the page was
read, and "stalled" once the wait passes the environment's threshold. Then the simulator
stops and the pipeline starts again: the page must come back to zero behind.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime

import orjson
import pyarrow.compute as pc
import pytest
import yaml

from contract import tables
from jobs import pipeline
from jobs.runner import await_all
from jobs.settings import parse
from scripts import lake
from tests.integration.browser import REPO, chromium_path, rendered, run_chromium, serve, text_of
from tests.integration.pipeline_env import locations, write_env

pytestmark = [pytest.mark.broker, pytest.mark.spark]

RATE = 400
STALLED_AFTER = 10


def produced(broker, topic: str) -> int:
    """Every record in the topic, by the broker's end offsets."""
    return broker.topic_sizes()[topic]


def read_by_pipeline(where) -> int:
    """What the pipeline took from the topic: bronze's rows (the topic starts empty)."""
    table = lake.read(where, tables.BRONZE, columns=["offset"])
    return 0 if table is None else table.num_rows


def newest_read_at(where) -> datetime:
    stamps = lake.read(where, tables.BRONZE, columns=["kafka_timestamp"]).column(0)
    return pc.max(stamps).as_py().replace(tzinfo=UTC)


def api(url: str) -> dict:
    with urllib.request.urlopen(url + "api/summary", timeout=30) as response:
        return orjson.loads(response.read())["lag"]


def wait_for(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(1)
    pytest.fail(f"not within {timeout:.0f} s: {what}")


def number(text: str) -> int:
    return int(text.replace(",", ""))


@pytest.fixture(scope="module")
def setup(broker, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("lag")
    env_path, topic = write_env(tmp, broker.bootstrap, compact_every_batches=0)
    data = yaml.safe_load(env_path.read_text())
    data["observability"] = {"stalled_after_seconds": STALLED_AFTER, "progress_flush_seconds": 2}
    env_path.write_text(yaml.safe_dump(data))
    broker.ensure_topic(topic, 4)
    return env_path, topic, tmp


def test_the_page_shows_lag_grow_while_stopped_and_return_to_zero(
    broker, spark, setup, tmp_path_factory
):
    env_path, topic, tmp = setup
    where = locations(env_path)
    chromium = chromium_path()
    settings = parse("pipeline", ["--env", str(env_path), "--trigger", "continuous"])
    simulator = subprocess.Popen(
        [sys.executable, "-m", "simulator", "--env", str(env_path), "--rate", str(RATE),
         "--count", "10000000", "--seed", "7"],
        cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        with serve("--env", str(env_path)) as url:
            query = pipeline.start(spark, settings)
            wait_for(lambda: read_by_pipeline(where) > RATE * 5, 180, "the pipeline reads")
            query.stop()
            await_all([query])

            seen = []
            for shot in ("lag-growing-1", "lag-growing-2"):
                time.sleep(STALLED_AFTER / 2 + 1)
                before = produced(broker, topic) - read_by_pipeline(where)
                rendering = datetime.now(UTC)
                dom = rendered(chromium, url, tmp_path_factory.mktemp(shot))
                rendered_at = datetime.now(UTC)
                after = produced(broker, topic) - read_by_pipeline(where)
                shown = number(text_of(dom, id="lag-records"))
                assert before <= shown <= after, (before, shown, after)
                # The records waiting came in after the newest one bronze holds (at 400/s, a
                # few milliseconds after it): they have waited about as long as it has.
                seconds = float(text_of(dom, id="lag-seconds").removesuffix(" s"))
                newest_read = newest_read_at(where)
                waited = ((rendering - newest_read).total_seconds(),
                          (rendered_at - newest_read).total_seconds())  # fmt: skip
                assert waited[0] - 2 <= seconds <= waited[1] + 1, (seconds, waited)
                seen.append((shown, seconds, text_of(dom, id="lag-state")))
            assert seen[1][0] > seen[0][0] > 0 and seen[1][1] > seen[0][1], seen
            assert seen[1][2] == "stalled", seen
            screenshot = REPO / "artifacts" / "dashboard" / "lag-stalled.png"
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            run_chromium(
                chromium, tmp_path_factory.mktemp("shot"), "--window-size=1400,1000",
                f"--screenshot={screenshot}", url,
            )  # fmt: skip

            simulator.send_signal(signal.SIGINT)
            simulator.wait(timeout=60)
            query = pipeline.start(spark, settings)
            try:
                wait_for(lambda: api(url)["records_behind"] == 0, 300, "the lag returns to zero")
            finally:
                query.stop()
                await_all([query])
            dom = rendered(chromium, url, tmp_path_factory.mktemp("caught-up"))
            assert text_of(dom, id="lag-records") == "0"
            assert text_of(dom, id="lag-state") == "keeping up"
            assert read_by_pipeline(where) == produced(broker, topic)
            # The progress rows show the restart's first batch taking the backlog.
            rows = sorted(
                lake.read(where, tables.PIPELINE_PROGRESS).to_pylist(), key=lambda r: r["batch_id"]
            )
            first_run = rows[0]["run_id"]
            restart = next(r for r in rows if r["run_id"] != first_run)
            assert restart["records_in"] >= seen[1][0], (restart, seen)
            assert rows[-1]["records_behind"] == 0
    finally:
        if simulator.poll() is None:
            simulator.kill()
        simulator.wait()

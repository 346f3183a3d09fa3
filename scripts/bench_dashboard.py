"""How long the dashboard's data endpoint takes over a full day of gold (1,440 minutes x 51
states x every product): a real Delta table in a temporary folder, the real HTTP server on a
free port, timed from request to the last byte of the answer.

Three figures: cold (a fresh server, nothing cached), after a new commit (what each refresh
costs while `make demo` runs: gold changed, so it is re-read) and unchanged (no new commit).
"""

from __future__ import annotations

import json
import tempfile
import threading
import time
import urllib.request
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from contract.tables import GOLD
from dashboard.lake import Lake
from dashboard.sample import full_day_gold, gold_rows, write_gold
from dashboard.server import SUMMARY_PATH, make_server

DAY = date(2025, 6, 2)


def _timed(url: str) -> tuple[float, dict]:
    start = time.perf_counter()
    with urllib.request.urlopen(url, timeout=60) as response:
        body = response.read()
    return time.perf_counter() - start, json.loads(body)


def measure() -> dict[str, float | int]:
    with tempfile.TemporaryDirectory(prefix="bench-dashboard-") as tmp:
        gold = full_day_gold(DAY)
        write_gold(Path(tmp) / GOLD, gold)
        server = make_server(Lake(tmp), "127.0.0.1", 0)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        url = f"http://127.0.0.1:{server.server_address[1]}{SUMMARY_PATH}"
        try:
            cold, answer, after_commit, unchanged = _three_requests(url, Path(tmp))
        finally:
            server.shutdown()
            server.server_close()
    return {
        "rows": gold.num_rows,
        "cold_s": cold,
        "after_commit_s": after_commit,
        "unchanged_s": unchanged,
    }


def _three_requests(url: str, lake_root: Path) -> tuple[float, dict, float, float]:
    cold, answer = _timed(url)
    if answer.get("status") != "ok":
        raise RuntimeError(f"the dashboard did not read the day of gold: {answer}")
    newest = datetime(DAY.year, DAY.month, DAY.day, 23, 59, tzinfo=UTC)
    late_row = {"window_start": newest - timedelta(minutes=1), "state": "CA"}
    write_gold(
        lake_root / GOLD,
        gold_rows([late_row | {"product": "Laptop", "orders": 1, "revenue": "999.00"}]),
    )
    after_commit, _ = _timed(url)
    unchanged, _ = _timed(url)
    return cold, answer, after_commit, unchanged


def main() -> dict[str, float | int]:
    """Print the figures (the project's `make bench` calls this) and return them."""
    figures = measure()
    print(
        f"dashboard data, a full day of gold ({figures['rows']:,} rows): "
        f"cold {figures['cold_s']:.2f} s, after a new commit {figures['after_commit_s']:.2f} s, "
        f"unchanged {figures['unchanged_s'] * 1000:.1f} ms"
    )
    return figures


if __name__ == "__main__":
    main()

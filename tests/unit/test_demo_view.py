"""The demo's live summary keeps every number whole, however narrow the terminal."""

import io
from collections import Counter
from types import SimpleNamespace

import pytest
from rich.console import Console
from rich.live import Live

from scripts.demo import summary_view

COUNTS = SimpleNamespace(
    bronze=1_200_000, silver=1_163_500, quarantine=24_830, duplicates=11_670,
    gold_orders=1_163_500, gold_rows=22_230,
)  # fmt: skip
REJECTS = Counter(
    not_json=4_610, missing_field=2_340, bad_timestamp=2_341, wrong_type=2_342,
    city_not_in_state=2_320, future_timestamp=2_310, not_utf8=2_250, bad_quantity=2_200,
    unknown_state=2_200, bad_price=1_920,
).most_common()  # fmt: skip
REVENUE = [("CA", 34_809_640.06), ("TX", 24_292_604.47), ("NY", 18_520_448.84)]


@pytest.mark.parametrize("width", [80, 100, 160])
def test_every_number_is_shown_whole(width):
    console = Console(width=width, record=True, color_system=None)
    console.print(summary_view(COUNTS, REJECTS, REVENUE, 87, "catching up"))
    text = console.export_text()
    numbers = [f"{v:,}" for v in vars(COUNTS).values()] + [f"{n:,}" for _, n in REJECTS]
    numbers += [f"${v:,.2f}" for _, v in REVENUE]
    for number in numbers:
        assert number in text, (width, number)
    assert all(reason in text for reason, _ in REJECTS)
    assert max(len(line) for line in text.splitlines()) <= width


def test_what_follows_the_summary_starts_on_a_line_of_its_own():
    """Piped to a file, the live summary's last frame must not swallow the next line."""
    out = io.StringIO()
    console = Console(file=out, width=80, color_system=None)
    with Live(summary_view(COUNTS, REJECTS, REVENUE, 87, "catching up"), console=console):
        pass
    console.print("Stopping the pipeline")
    assert "\nStopping the pipeline\n" in out.getvalue()

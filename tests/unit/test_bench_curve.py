"""The scale curve's chart and options: what `make bench-curve` draws and accepts."""

from __future__ import annotations

import re

import pytest

from scripts.bench_curve import SUSTAINED_P95_S, chart, main


def test_the_chart_draws_one_line_per_mode_and_the_goal(tmp_path):
    curve = [
        {"mode": "pipeline", "rate": 1000, "p95_s": 4.0},
        {"mode": "pipeline", "rate": 20000, "p95_s": 12.0},
        {"mode": "stages", "rate": 1000, "p95_s": 8.0},
    ]
    path = tmp_path / "curve.svg"
    chart(curve, path)
    svg = path.read_text()
    lines = re.findall(r'<polyline points="([^"]+)"', svg)
    assert len(lines) == 2
    assert len(lines[0].split()) == 2 and len(lines[1].split()) == 1
    assert f"p95 goal {SUSTAINED_P95_S:.0f} s" in svg
    # A slower p95 is drawn higher up (a smaller y: SVG counts from the top).
    (first, second) = (float(p.split(",")[1]) for p in lines[0].split())
    assert second < first


@pytest.mark.parametrize("args", [["--rates", "1000,x"], ["--rates", "0"], ["--modes", "fast"]])
def test_bad_options_exit_2(args, capsys):
    with pytest.raises(SystemExit) as stopped:
        main(args)
    assert stopped.value.code == 2
    assert "usage:" in capsys.readouterr().err

"""How the pipeline behaves as the load grows: the scale curve the README shows.

- Sustained input rate against freshness: at each rate, a fresh lake and topic, the simulator
  at that rate for a warm-up and then the measured minutes. Freshness per event (production to
  visible in gold) as p50, p95 and p99; the micro-batch durations (from pipeline_progress); and
  the drain: how long after the producer's last event gold shows it. A drain of a batch or two
  means the lag stayed bounded. A drain that keeps growing with the rate means it did not.
- Backlog size against drain time and the driver's peak heap: N events queued, then one
  available-now run.

Each measurement runs for `jobs.pipeline` (one query) and for the separate stages (`--modes`).
Takes long (about 40 minutes with the defaults): `make bench-curve`, not part of `make bench`.

python -m scripts.bench_curve [--rates 1000,2000,...] [--seconds 180] [--backlogs 1000000,...]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from environments import load_environment
from jobs.session import spark_session
from scripts.bench_pipeline import backlog, freshness
from scripts.broker import Broker, spare_port

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "artifacts" / "bench"
RATES = (1000, 2000, 5000, 10000, 20000, 30000)
BACKLOGS = (1_000_000, 5_000_000, 10_000_000)
# A rate is sustained when its p95 stays within this (the project's freshness goal).
SUSTAINED_P95_S = 10.0


def _numbers(text: str) -> tuple[int, ...]:
    try:
        found = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a comma-separated list") from None
    if not found or min(found) <= 0:
        raise argparse.ArgumentTypeError(f"{text!r}: every number must be positive")
    return found


def _modes(text: str) -> tuple[str, ...]:
    found = tuple(text.split(","))
    if not set(found) <= {"pipeline", "stages"}:
        raise argparse.ArgumentTypeError(f"{text!r}: choose from pipeline, stages")
    return found


def chart(curve: list[dict], path: Path) -> None:
    """p95 freshness against the input rate, one line per mode, as a self-contained SVG."""
    width, height, left, bottom, top, right = 640, 360, 60, 40, 20, 120
    rates = sorted({c["rate"] for c in curve})
    # The axis ends at four times the goal: a rate the pipeline cannot sustain is drawn at the
    # top with its value written next to it, so the rates that matter keep their resolution.
    top_s = SUSTAINED_P95_S * 4
    x = {r: left + i * (width - left - right) / max(1, len(rates) - 1) for i, r in enumerate(rates)}

    def y(seconds: float) -> float:
        return top + (height - top - bottom) * (1 - min(seconds, top_s) / top_s)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        'font-family="DejaVu Sans, sans-serif" font-size="11">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<line x1="{left}" x2="{width - right}" y1="{y(SUSTAINED_P95_S):.1f}" '
        f'y2="{y(SUSTAINED_P95_S):.1f}" stroke="#c0392b" stroke-dasharray="4 3"/>',
        f'<text x="{width - right + 4}" y="{y(SUSTAINED_P95_S) + 4:.1f}" fill="#c0392b">'
        f"p95 goal {SUSTAINED_P95_S:.0f} s</text>",
    ]
    for k in range(6):
        s = top_s * k / 5
        parts.append(f'<text x="{left - 6}" y="{y(s) + 4:.1f}" text-anchor="end">{s:.0f} s</text>')
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y(s):.1f}" y2="{y(s):.1f}" '
                     'stroke="#e3e8ec"/>')  # fmt: skip
    for r in rates:
        parts.append(f'<text x="{x[r]:.1f}" y="{height - bottom + 16}" text-anchor="middle">'
                     f"{r // 1000}k/s</text>")  # fmt: skip
    for mode, color in (("pipeline", "#0b7a9d"), ("stages", "#b26a00")):
        points = sorted((c["rate"], c["p95_s"]) for c in curve if c["mode"] == mode)
        if not points:
            continue
        line = " ".join(f"{x[r]:.1f},{y(s):.1f}" for r, s in points)
        parts.append(f'<polyline points="{line}" fill="none" stroke="{color}" stroke-width="2"/>')
        for r, s in points:
            parts.append(f'<circle cx="{x[r]:.1f}" cy="{y(s):.1f}" r="3" fill="{color}"/>')
            if s > top_s:
                parts.append(f'<text x="{x[r] - 6:.1f}" y="{y(s) + 14:.1f}" text-anchor="end" '
                             f'fill="{color}">{s:.0f} s</text>')  # fmt: skip
        last_r, last_s = points[-1]
        parts.append(f'<text x="{x[last_r] + 6:.1f}" y="{y(last_s) - 6:.1f}" fill="{color}">'
                     f"{mode}</text>")  # fmt: skip
    parts.append(f'<text x="{left}" y="{height - 4}">input rate (events/s); '
                 "p95 seconds from production to gold</text></svg>")  # fmt: skip
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(parts) + "\n")


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m scripts.bench_curve")
    parser.add_argument("--rates", type=_numbers, default=RATES, help="events/s, comma-separated")
    parser.add_argument("--seconds", type=int, default=180, help="measured seconds per rate")
    parser.add_argument("--warmup", type=int, default=30, help="seconds before measuring")
    parser.add_argument("--backlogs", type=_numbers, default=BACKLOGS, help="queued events")
    parser.add_argument("--modes", type=_modes, default=("pipeline", "stages"))
    args = parser.parse_args(argv)
    env = load_environment("local")
    curve, backlogs = [], []
    with (
        tempfile.TemporaryDirectory(prefix="bench-curve-") as tmp,
        Broker(port=spare_port(), data_dir=Path(tmp) / "broker") as broker,
    ):
        for mode in args.modes:
            for rate in args.rates:
                spark = spark_session(env, "bench-curve")
                try:
                    found = freshness(spark, env, broker, Path(tmp), args.seconds, rate,
                                      args.warmup, mode)  # fmt: skip
                finally:
                    spark.stop()
                batch = found["batch_seconds"]
                curve.append({"mode": mode, "rate": rate} | found)
                print(
                    f"curve  {mode:8} {rate:>6,}/s  p50 {found['p50_s']:5.1f} s  "
                    f"p95 {found['p95_s']:5.1f} s  p99 {found['p99_s']:5.1f} s  "
                    f"batch p50 {batch['p50'] or 0:4.1f} s p95 {batch['p95'] or 0:4.1f} s  "
                    f"drain {found['drain_s']:5.1f} s",
                    flush=True,
                )
            for events in args.backlogs:
                spark = spark_session(env, "bench-curve")
                try:
                    found = backlog(spark, env, broker, Path(tmp), events, mode)
                finally:
                    spark.stop()
                backlogs.append({"mode": mode} | found)
                print(
                    f"backlog {mode:8} {events:>10,} events  {found['events_per_s']:>8,.0f}/s  "
                    f"{found['seconds']:6.1f} s  peak heap {found['peak_heap_mib']:,.0f} MiB",
                    flush=True,
                )
    for mode in args.modes:
        kept = [c["rate"] for c in curve if c["mode"] == mode and c["p95_s"] <= SUSTAINED_P95_S]
        best = max(kept, default=None)
        print(f"sustained {mode}: highest rate with p95 <= {SUSTAINED_P95_S:.0f} s: "
              + (f"{best:,}/s" if best else "none measured"))  # fmt: skip
    OUT.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    result = {"curve": curve, "backlogs": backlogs}
    (OUT / f"curve-{stamp}.json").write_text(json.dumps(result, indent=2, default=str))
    chart(curve, OUT / "scale-curve.svg")
    print(f"written: {OUT / f'curve-{stamp}.json'}, {OUT / 'scale-curve.svg'}")
    return result


if __name__ == "__main__":
    main()

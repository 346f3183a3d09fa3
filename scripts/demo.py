"""`make demo`: the whole pipeline on this machine for about a minute, with a live summary.

Starts the local broker, the pipeline (`jobs.pipeline`: bronze, silver and gold in one
streaming query, continuous triggers) and the dashboard; runs the simulator with bad,
duplicate and late events; shows counts per layer, rejects by reason and revenue by state as
they change; waits for the pipeline to catch up; reconciles gold with the simulator's ledger;
stops everything.

Each run starts from an empty lake and a fresh topic, so its reconciliation is exact.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Annotated

import pyarrow as pa
import pyarrow.compute as pc
import typer
from rich.columns import Columns
from rich.console import Console, Group
from rich.live import Live
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

import dashboard
from contract import tables
from contract.tables import PIPELINE_QUERY, Locations
from environments import ConfigError, load_environment
from scripts import lake
from scripts.broker import BrokerError, broker_for
from simulator.ledger import load

ROOT = Path(__file__).resolve().parent.parent
LOGS = ROOT / "data" / "logs"
LEDGER = ROOT / "data" / "demo-ledger.json"
console = Console()


def _spawn(name: str, *args: str) -> subprocess.Popen:
    LOGS.mkdir(parents=True, exist_ok=True)
    log = open(LOGS / f"{name}.log", "wb")  # noqa: SIM115  (closed by the child's exit)
    return subprocess.Popen(
        [sys.executable, "-m", *args],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )


@contextmanager
def running(name: str, *args: str, grace: float = 60.0):
    """A child process that is asked to stop (SIGTERM) on the way out, and killed if it won't."""
    child = _spawn(name, *args)
    try:
        yield child
    finally:
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGTERM)
            try:
                child.wait(grace)
            except subprocess.TimeoutExpired:
                os.killpg(child.pid, signal.SIGKILL)
                child.wait()


def _tail(name: str, lines: int = 15) -> str:
    text = (LOGS / f"{name}.log").read_text(errors="replace").splitlines()
    return "\n".join(text[-lines:])


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


def revenue_by_state(where: Locations, minutes: int = 5, top: int = 8) -> list[tuple[str, float]]:
    gold = lake.read(where, tables.GOLD, columns=["window_start", "state", "revenue"])
    if gold is None or gold.num_rows == 0:
        return []
    since = pc.subtract(
        pc.max(gold["window_start"]), pa.scalar(minutes * 60_000_000, pa.duration("us"))
    )
    recent = gold.filter(pc.greater(gold["window_start"], since))
    sums = (
        recent.group_by("state")
        .aggregate([("revenue", "sum")])
        .sort_by([("revenue_sum", "descending")])
    )
    return [(r["state"], float(r["revenue_sum"])) for r in sums.slice(0, top).to_pylist()]


def summary(where: Locations, elapsed: float, phase: str) -> Group:
    return summary_view(
        lake.layer_counts(where),
        lake.quarantine_by_reason(where).most_common(),
        revenue_by_state(where),
        elapsed,
        phase,
    )


def summary_view(counts, rejects_by_reason, revenue, elapsed: float, phase: str) -> Group:
    """The three tables side by side where they fit, one under another where they do not:
    numbers are never cut, on an 80-column terminal or in a file."""
    layers = Table(title="Rows per layer", title_justify="left")
    layers.add_column("layer", no_wrap=True)
    layers.add_column("rows", justify="right", no_wrap=True)
    for name, value in (
        ("bronze", counts.bronze),
        ("silver", counts.silver),
        ("quarantine", counts.quarantine),
        ("duplicates", counts.duplicates),
        ("gold orders", counts.gold_orders),
        ("gold windows", counts.gold_rows),
    ):
        layers.add_row(name, f"{value:,}")
    rejects = Table(title="Quarantine by reason", title_justify="left")
    rejects.add_column("reason", no_wrap=True)
    rejects.add_column("rows", justify="right", no_wrap=True)
    for reason, n in rejects_by_reason:
        rejects.add_row(reason, f"{n:,}")
    states = Table(title="Revenue by state, last 5 min", title_justify="left")
    states.add_column("state", no_wrap=True)
    states.add_column("revenue", justify="right", no_wrap=True)
    for state, amount in revenue:
        states.add_row(state, f"${amount:,.2f}")
    tables_ = Columns([layers, rejects, states], padding=(0, 4))
    # The empty line ends the columns' last row: without it, what is printed next joins it.
    return Group(Panel(f"{phase} — {elapsed:,.0f}s", style="bold"), tables_, Text(""))


def caught_up(where: Locations, produced: int) -> bool:
    counts = lake.layer_counts(where)
    return (
        counts.bronze == produced
        and counts.accounted == produced
        and (counts.gold_orders == counts.silver)
    )


def demo(seconds: float) -> int:
    env = load_environment("local")
    where = Locations(env.pipeline.lake_root, env.pipeline.checkpoint_root)
    broker, topic, partitions = broker_for("local")
    console.print(f"[bold]Local broker[/] at {broker.bootstrap}")
    broker.start()
    try:
        fresh_start(broker, topic, partitions, where)
        code = run_pipeline(where, seconds)
    finally:
        broker.stop()
    return code or report(where)


def fresh_start(broker, topic: str, partitions: int, where: Locations) -> None:
    """An empty topic, lake and checkpoints: what makes this run's reconciliation exact."""
    admin = broker.admin()
    if topic in admin.list_topics(timeout=10).topics:
        admin.delete_topics([topic])[topic].result(30)
        time.sleep(1)
    broker.ensure_topic(topic, partitions)
    for folder in (where.lake_root, where.checkpoint_root):
        shutil.rmtree(folder, ignore_errors=True)
    LEDGER.unlink(missing_ok=True)


def run_pipeline(where: Locations, seconds: float) -> int:
    """Runs the pipeline, the dashboard and the simulator until gold has caught up; 0 if it did."""
    with ExitStack() as stack:
        console.print("[bold]Starting[/] bronze, silver and gold (one streaming query, continuous)")
        pipeline = stack.enter_context(
            running("pipeline", "jobs.pipeline", "--env", "local", "--trigger", "continuous")
        )
        port = dashboard.port_from_environment()
        if _port_free(port):
            stack.enter_context(running("dashboard", "dashboard", "--env", "local", grace=10))
            console.print(f"[bold]Dashboard[/], live while this runs: {dashboard.url(port)}")
        started = time.monotonic()
        while not Path(where.checkpoint(PIPELINE_QUERY), "metadata").exists():
            if pipeline.poll() is not None:
                console.print(f"[red]the pipeline stopped:[/]\n{_tail('pipeline')}")
                return 1
            time.sleep(0.5)

        console.print(
            f"[bold]Simulating[/] {seconds:.0f}s of orders with bad, duplicate and late events"
        )
        simulator = stack.enter_context(
            running(
                "simulator",
                "simulator",
                "--env",
                "local",
                "--duration",
                str(seconds),
                "--ledger",
                str(LEDGER),
                grace=30,
            )  # fmt: skip
        )
        phase = "simulating"
        produced = None
        with Live(summary(where, 0, phase), console=console, refresh_per_second=1) as live:
            while True:
                time.sleep(2)
                if pipeline.poll() is not None:
                    live.stop()
                    console.print(f"[red]the pipeline stopped:[/]\n{_tail('pipeline')}")
                    return 1
                if produced is None and simulator.poll() is not None:
                    if simulator.returncode != 0:
                        live.stop()
                        console.print(f"[red]the simulator failed:[/]\n{_tail('simulator')}")
                        return 1
                    produced = load(LEDGER).counts["produced"]
                    phase, catch_up_started = "catching up", time.monotonic()
                live.update(summary(where, time.monotonic() - started, phase))
                if produced is not None and caught_up(where, produced):
                    break
                if produced is not None and time.monotonic() - catch_up_started > 180:
                    live.stop()
                    console.print("[red]the pipeline did not catch up within 3 minutes[/]")
                    return 1
        console.print("[bold]Stopping[/] the pipeline, the dashboard and the broker")
    return 0


def report(where: Locations) -> int:
    ledger = load(LEDGER)
    counts = lake.layer_counts(where)
    differences = lake.ledger_differences(lake.gold_totals(where), ledger)
    ok = counts.bronze == counts.accounted and not differences
    mark = "[green]✓[/]" if ok else "[red]✗[/]"
    console.print(
        f"{mark} {ledger.counts['produced']:,} events sent; bronze {counts.bronze:,} = "
        f"silver {counts.silver:,} + quarantine {counts.quarantine:,} + "
        f"duplicates {counts.duplicates:,}",
        soft_wrap=True,
    )
    if differences:
        console.print(f"[red]✗ gold differs from the ledger in {len(differences)} windows[/]")
        for line in differences[:10]:
            console.print(f"  {line}")
    else:
        console.print(
            f"{mark} gold matches the simulator's ledger exactly ({counts.gold_rows:,} windows)",
            soft_wrap=True,
        )
    rel = (
        Path(where.lake_root).relative_to(ROOT)
        if where.lake_root.startswith(str(ROOT))
        else where.lake_root
    )
    console.print(f"\nDelta tables in {rel}/: {', '.join(tables.ALL_TABLES)}")
    console.print("Query them without a JVM:")
    console.print(
        f'  .venv/bin/python -c "from deltalake import DeltaTable; '
        f"print(DeltaTable('{rel}/{tables.GOLD}').to_pyarrow_table().slice(0, 5))\"",
        soft_wrap=True,
    )
    console.print(f"See them: make dashboard, then open {dashboard.url()}")
    return 0 if ok else 1


def main(
    seconds: Annotated[float, typer.Option(min=10, max=3600, help="How long to simulate.")] = 60,
) -> None:
    try:
        code = demo(seconds)
    except (ConfigError, BrokerError) as exc:
        console.print(f"[red]demo: {exc}[/]")
        code = 2 if isinstance(exc, ConfigError) else 1
    except KeyboardInterrupt:
        console.print("demo: interrupted; everything it started has been stopped")
        code = 130
    raise typer.Exit(code)


if __name__ == "__main__":
    typer.run(main)

"""`make status`: the local broker, and how far behind the pipeline is, on one screen.

The same figures as the dashboard's lag panel (dashboard.lag). Exit 0 when the broker is up
and the pipeline is not stalled, 1 otherwise, 2 for a bad environment.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from dashboard import lag
from dashboard.__main__ import lake_of
from environments import ConfigError
from scripts.broker import broker_for

RECENT_MINUTES = 15
app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)


def _ago(then: datetime | None, now: datetime) -> str:
    return f"{(now - then).total_seconds():,.0f} s ago" if then else "never"


@app.command()
def main(
    env: Annotated[str, typer.Option(help="Environment name (environments/<env>.yaml)")] = "local",
) -> None:
    """Print the broker's state, records and seconds behind, and recent rejects."""
    console = Console()
    try:
        broker, topic, _ = broker_for(env)
        lake = lake_of(env)
    except ConfigError as exc:
        typer.echo(f"status: {exc}", err=True)
        raise typer.Exit(2) from None
    now = datetime.now(UTC)
    up = broker.healthy()
    sizes = broker.topic_sizes() if up else {}
    console.print(
        f"broker  {'up' if up else '[red]down[/]'} at {broker.bootstrap}"
        + (f", topic {topic!r} holds {sizes.get(topic, 0):,} records" if up else "")
    )
    live = lake.lag(now)
    progress = lake.progress_hour()
    summary = lag.recent(progress, now, RECENT_MINUTES) if progress is not None else None
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column(style="bold")
    table.add_column()
    behind = live["records_behind"]
    table.add_row("records behind", "unknown" if behind is None else f"{behind:,}")
    table.add_row(
        "seconds behind", "unknown" if behind is None else f"{live['seconds_behind']:.1f} s"
    )
    state = "[red]STALLED[/]" if live["stalled"] else "keeping up" if not behind else "catching up"
    table.add_row("pipeline", state if behind is not None else "unknown (broker down)")
    if summary is not None:
        table.add_row("last batch", _ago(summary.last_batch_at, now))
        rate = summary.reject_rate
        table.add_row(
            f"last {RECENT_MINUTES} min",
            f"{summary.batches:,} batches, {summary.records:,} records read, "
            + ("no rejects" if not rate else f"{rate:.2%} rejected"),
        )
        for reason, n in summary.rejects.items():
            table.add_row("", f"{reason}: {n:,}")
    else:
        table.add_row("last batch", "never (no pipeline_progress table yet: run `make demo`)")
    console.print(table)
    if not up or live["stalled"]:
        raise typer.Exit(1)


if __name__ == "__main__":
    app()

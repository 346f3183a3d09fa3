"""`python -m simulator`: send realistic orders, with faults on purpose, and say what was delivered.

Exit codes: 0 every record delivered; 1 some were not; 2 bad arguments or environment file.
"""

from __future__ import annotations

import os
import random
import sys
import time
from collections import Counter
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.console import Console

from contract.rejects import MAX_CLOCK_SKEW_SECONDS
from environments import ConfigError, Environment, load_environment
from environments.loader import describe
from environments.model import KafkaSettings
from simulator.clock import parse_instant
from simulator.ledger import Ledger
from simulator.records import Record
from simulator.runner import LiveProgress, Outcome, StopSignal, run
from simulator.stream import StreamSettings, records
from simulator.transports import Transport, TransportConfigError

app = typer.Typer(
    add_completion=False,
    # Tracebacks with local variables could show a connection string.
    pretty_exceptions_enable=False,
    help=__doc__,
)


class TransportName(StrEnum):
    kafka = "kafka"
    eventhubs = "eventhubs"
    stdout = "stdout"


class Compression(StrEnum):
    none = "none"
    gzip = "gzip"
    snappy = "snappy"
    lz4 = "lz4"
    zstd = "zstd"


Rate = Annotated[float | None, typer.Option(min=0.0, max=0.5, show_default="from --env")]


@app.command()
def send(
    env: Annotated[str, typer.Option("--env", "-e", help="environments/NAME.yaml")] = "local",
    transport: Annotated[TransportName, typer.Option("--transport", "-t")] = TransportName.kafka,
    rate: Annotated[
        float | None,
        typer.Option(
            min=0.0,
            max=1_000_000.0,
            help="Events/s; 0 = as fast as possible.",
            show_default="from --env",
        ),
    ] = None,
    count: Annotated[int | None, typer.Option(min=1, help="Records to send.")] = None,
    duration: Annotated[float | None, typer.Option(min=0.0, help="Seconds to run.")] = None,
    seed: Annotated[
        int | None, typer.Option(help="Same seed, same events.", show_default="random")
    ] = None,
    bad_rate: Rate = None,
    duplicate_rate: Rate = None,
    late_rate: Rate = None,
    max_lateness: Annotated[
        int | None,
        typer.Option(
            min=0,
            max=3600,
            help="Seconds a late event goes back, at most.",
            show_default="from --env",
        ),
    ] = None,
    ledger: Annotated[
        Path | None, typer.Option(help="Write expected gold totals here (JSON).")
    ] = None,
    start_time: Annotated[
        str | None,
        typer.Option(
            help="ISO-8601 instant: a virtual clock from here, for byte-identical replays."
        ),
    ] = None,
    bootstrap_servers: Annotated[
        str | None, typer.Option(help="Overrides kafka.bootstrap_servers.")
    ] = None,
    topic: Annotated[
        str | None, typer.Option(help="Overrides kafka.topic (the event hub).")
    ] = None,
    compression: Annotated[
        Compression | None,
        typer.Option(help="Event Hubs takes none or gzip.", show_default="lz4; none on Event Hubs"),
    ] = None,
    delivery_timeout: Annotated[
        float, typer.Option(min=1.0, max=3600.0, help="Seconds to keep retrying a delivery.")
    ] = 120.0,
    producer_option: Annotated[
        list[str] | None, typer.Option("--producer-option", "-X", help="librdkafka KEY=VALUE.")
    ] = None,
) -> None:
    if (count is None) == (duration is None):
        raise typer.BadParameter("give exactly one of them", param_hint="'--count' / '--duration'")
    if duration is not None and duration <= 0:
        raise typer.BadParameter("must be more than 0 seconds", param_hint="'--duration'")
    environment = _with_topic(_load(env), topic)
    sim = environment.simulator
    settings = StreamSettings(
        seed=seed if seed is not None else random.SystemRandom().randrange(2**31),
        rate=sim.rate if rate is None else rate,
        start_ms=_start_ms(start_time),
        bad_rate=sim.bad_rate if bad_rate is None else bad_rate,
        duplicate_rate=sim.duplicate_rate if duplicate_rate is None else duplicate_rate,
        late_rate=sim.late_rate if late_rate is None else late_rate,
        max_lateness_seconds=sim.max_lateness_seconds if max_lateness is None else max_lateness,
    )
    if settings.bad_rate + settings.duplicate_rate + settings.late_rate > 1:
        raise typer.BadParameter(
            "together they must be at most 1",
            param_hint="'--bad-rate' + '--duplicate-rate' + '--late-rate'",
        )
    if settings.late_rate > 0 and settings.max_lateness_seconds < 1:
        raise typer.BadParameter(
            "late events need at least 1 second", param_hint="'--max-lateness'"
        )
    if settings.max_lateness_seconds >= environment.pipeline.lateness_seconds:
        raise typer.BadParameter(
            f"must stay below pipeline.lateness_seconds ({environment.pipeline.lateness_seconds}) "
            "or silver would quarantine the late events",
            param_hint="'--max-lateness'",
        )

    console = Console(stderr=True, highlight=False)
    ledger_ = Ledger(totals=ledger is not None)
    errors: Counter[str] = Counter()

    def failed(record: Record, why: str) -> None:
        ledger_.fail(record)
        errors[why] += 1

    with StopSignal() as stop:
        try:
            sink = _open_transport(
                transport, environment, failed, stop, console,
                bootstrap_servers=bootstrap_servers, compression=compression and compression.value,
                delivery_timeout=delivery_timeout, producer_options=producer_option or [],
            )  # fmt: skip
        except TransportConfigError as exc:
            _exit(str(exc))
        outcome = run(
            records(settings),
            sink,
            ledger_,
            count=count,
            duration=duration,
            rate=settings.rate,
            stop=stop,
            progress=LiveProgress(console, count, duration),
            flush_timeout=delivery_timeout + 5,
            notice=lambda text: console.print(text, markup=False, soft_wrap=True),
        )
    if transport is TransportName.stdout and sink.broken:
        # The reader went away: keep Python from complaining when it flushes stdout at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    _summary(console, sink, ledger_, outcome, errors, settings.seed)
    if ledger is not None:
        ledger_.write(
            ledger,
            env=environment.name,
            transport=transport.value,
            topic=environment.kafka.topic,
            seed=settings.seed,
            start_time=start_time,
            interrupted=outcome.interrupted,
        )
    if ledger_.failed or outcome.stopped_because:
        raise typer.Exit(1)


def _load(env: str) -> Environment:
    try:
        return load_environment(env)
    except ConfigError as exc:
        _exit(str(exc))


def _with_topic(environment: Environment, topic: str | None) -> Environment:
    if topic is None:
        return environment
    try:
        kafka = KafkaSettings.model_validate(environment.kafka.model_dump() | {"topic": topic})
    except ValidationError as exc:
        raise typer.BadParameter(describe(exc), param_hint="'--topic'") from None
    return environment.model_copy(update={"kafka": kafka})


def _start_ms(start_time: str | None) -> int | None:
    if start_time is None:
        return None
    try:
        ms = parse_instant(start_time)
    except ValueError:
        raise typer.BadParameter(
            "expected an ISO-8601 instant such as 2026-11-27T10:00:00Z", param_hint="'--start-time'"
        ) from None
    if ms > time.time() * 1000 + MAX_CLOCK_SKEW_SECONDS * 1000:
        raise typer.BadParameter(
            "must not be in the future: silver rejects events from the future",
            param_hint="'--start-time'",
        )
    return ms


def _open_transport(
    name: TransportName,
    environment: Environment,
    failed,
    stop: StopSignal,
    console: Console,
    *,
    bootstrap_servers: str | None,
    compression: str | None,
    delivery_timeout: float,
    producer_options: list[str],
) -> Transport:
    """Transports are imported only when used: the Event Hubs SDK is slow to import."""
    if name is TransportName.stdout:
        from simulator.transports.stdout import StdoutTransport

        return StdoutTransport(sys.stdout.buffer, failed)
    if name is TransportName.eventhubs:
        from simulator.transports import connection_string
        from simulator.transports.eventhubs import EventHubsTransport

        return EventHubsTransport(
            connection_string(environment.kafka), environment.kafka.topic, failed
        )
    from simulator.transports.kafka import KafkaTransport, parse_overrides, producer_config

    config = producer_config(
        environment.kafka,
        bootstrap_servers=bootstrap_servers,
        compression=compression,
        delivery_timeout_seconds=delivery_timeout,
        overrides=parse_overrides(producer_options),
    )
    return KafkaTransport(
        config,
        environment.kafka.topic,
        failed,
        should_stop=lambda: stop.due,
        warn=lambda text: console.print(text, markup=False, soft_wrap=True),
    )


def _summary(
    console: Console,
    sink: Transport,
    ledger: Ledger,
    outcome: Outcome,
    errors: Counter[str],
    seed: int,
) -> None:
    counts = ledger.counts()
    bad = counts["bad"]
    elapsed = max(outcome.elapsed, 1e-9)
    lines = [
        f"simulator: {ledger.sent:,} records to {sink.destination} in {outcome.elapsed:.2f} s "
        f"({ledger.delivered / elapsed:,.0f} delivered/s), seed {seed}"
        + (", interrupted" if outcome.interrupted else ""),
        f"  sent        {ledger.sent:>12,}",
        f"  delivered   {ledger.delivered:>12,}",
        f"  failed      {ledger.failed:>12,}",
        f"  valid       {counts['valid_unique']:>12,}  (late {counts['late']:,})",
        f"  duplicates  {counts['duplicates']:>12,}",
        (
            f"  bad         {sum(bad.values()):>12,}  "
            + ", ".join(f"{reason} {n:,}" for reason, n in bad.items())
        ).rstrip(),
    ]
    if outcome.stopped_because:
        lines.append(f"stopped early: {outcome.stopped_because}")
    if ledger.failed:
        why = "; ".join(f"{reason} ({n:,})" for reason, n in errors.most_common(3))
        lines.append(f"NOT DELIVERED: {ledger.failed:,} of {ledger.sent:,} records: {why}")
    elif outcome.stopped_because:
        lines.append(f"NOT FINISHED: {ledger.sent:,} records sent and delivered before it stopped")
    else:
        lines.append(f"all {ledger.sent:,} records delivered")
    console.print("\n".join(lines), markup=False, soft_wrap=True)


def _exit(message: str) -> None:
    typer.echo(f"simulator: {message}", err=True)
    raise typer.Exit(2)


def main() -> None:
    app()

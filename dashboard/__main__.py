"""`python -m dashboard`: serve the live dashboard over an environment's local lake."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Annotated

import typer

from dashboard import DEFAULT_PORT, HOST, port_from_environment, url
from environments import ConfigError, Environment, load_environment

REPO_ROOT = Path(__file__).resolve().parent.parent

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)


def _fail(message: str) -> typer.Exit:
    typer.echo(f"dashboard: {message}", err=True)
    return typer.Exit(code=2)


def lake_of(env_name: str, lake_root: Path | None = None):
    """The environment's lake (or the one given), with its topic for the live lag."""
    from dashboard import lag
    from dashboard.lake import Lake, Stream

    env = load_environment(env_name)
    root = lake_root or lake_root_of(env)
    stream = Stream(
        lag.Broker(env.kafka.bootstrap_servers, env.kafka.topic),
        env.pipeline.checkpoint_root,
        timedelta(seconds=env.observability.stalled_after_seconds),
    )
    return Lake(root, stream)


def lake_root_of(env: Environment) -> Path:
    """The environment's lake root; a relative one is taken from the repository root."""
    if not env.pipeline.lake_root:
        raise ConfigError(
            f"environment {env.name}: pipeline.lake_root is not set; the local dashboard reads "
            "local tables only (on Azure, use the Lakeview dashboard)"
        )
    root = Path(env.pipeline.lake_root)
    return root if root.is_absolute() else REPO_ROOT / root


@app.command()
def main(
    env: Annotated[str, typer.Option(help="Environment whose lake to read.")] = "local",
    port: Annotated[
        int | None,
        typer.Option(
            help=f"Port on {HOST} (default {DEFAULT_PORT}; or set PORT=).", min=1, max=65535
        ),
    ] = None,
    lake_root: Annotated[
        Path | None, typer.Option(help="Read this lake root instead of the environment's.")
    ] = None,
) -> None:
    """Serve the live order dashboard on 127.0.0.1 until Ctrl+C."""
    from dashboard.server import make_server

    try:
        port = port or port_from_environment()
        lake = lake_of(env, lake_root)
    except ConfigError as exc:
        raise _fail(str(exc)) from None
    try:
        server = make_server(lake, HOST, port)
    except OSError as exc:
        raise _fail(
            f"cannot listen on {HOST}:{port}: {exc.strerror} (set PORT= to another port)"
        ) from None
    root = lake.locations.lake_root
    typer.echo(f"Dashboard on {url(server.server_address[1])}  (lake: {root}; Ctrl+C to stop)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    app()

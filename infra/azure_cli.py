"""What every command against Azure shares: the `az` call, its refusals and its options.

A missing tool, a missing login or an environment that cannot be deployed is a person's to fix:
one short line and exit code 2, never a traceback.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable

import typer

from environments import ConfigError, Environment, load_environment, with_instance
from infra.naming import Names, violations


class Refused(Exception):
    """A precondition is not met: one short message, exit code 2."""


class Failed(Exception):
    """The command ran and found a problem: one short message, exit code 1."""


def az(*args: str, output: str = "tsv") -> str:
    """Run the Azure CLI and return its answer, tab-separated unless asked otherwise."""
    if not shutil.which("az"):
        raise Refused("the Azure CLI (az) is not on PATH: install it, then `az login`")
    result = subprocess.run(["az", *args, "-o", output], capture_output=True, text=True)
    if result.returncode != 0:
        message = (result.stderr.strip().splitlines() or ["failed"])[-1]
        raise Refused(f"az {' '.join(args[:3])}: {message} (did you run `az login`?)")
    return result.stdout.strip()


def az_json(*args: str):
    return json.loads(az(*args, output="json") or "null")


def azure_environment(name: str, instance: str | None) -> Environment:
    """The environment as deployed: its instance applied, every Azure name within the rules."""
    env = with_instance(load_environment(name), instance)
    if env.azure is None:
        raise ConfigError(f"environment {name!r} has no azure section: it runs locally")
    problems = violations(Names.of(env))
    if problems:
        raise ConfigError("; ".join(problems))
    return env


def guarded(action: Callable[[], int | None]) -> None:
    """Run a command body: a refusal or a failure becomes one line, exit code 2 or 1."""
    try:
        code = action()
    except (ConfigError, Refused, Failed) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1 if isinstance(exc, Failed) else 2) from None
    raise typer.Exit(code or 0)


EnvOption = typer.Option(..., "--env", help="Environment name (environments/<env>.yaml)")
InstanceOption = typer.Option(
    None, "--instance", envvar="INSTANCE", help="A named copy of a throwaway environment"
)

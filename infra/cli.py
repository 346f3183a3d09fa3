"""`make synth|plan|deploy|destroy ENV=...`: the stacks of one environment, in the right order.

synth runs in this process (no Node 22 or Terraform needed). plan/deploy/destroy drive the
project's cdktn CLI (.tools/bin/cdktn, from `make setup`) with Terraform or OpenTofu and the
Azure CLI login; anything missing is reported in one line with exit code 2.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import typer

from environments import ConfigError, Environment, load_environment
from infra.naming import Names, violations
from infra.platform_stack import DATABRICKS_APP_ID, DATABRICKS_SP_VARIABLE

ROOT = Path(__file__).resolve().parent.parent
CDKTN = ROOT / ".tools" / "bin" / "cdktn"
OUTDIR = ROOT / "cdktf.out"

app = typer.Typer(
    add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False, help=__doc__
)


class Refused(Exception):
    """A precondition is not met: one short message, exit code 2."""


def azure_environment(name: str, instance: str | None) -> Environment:
    from infra.app import with_instance

    env = with_instance(load_environment(name), instance)
    if env.azure is None:
        raise ConfigError(f"environment {name!r} has no azure section: it runs locally")
    problems = violations(Names.of(env))
    if problems:
        raise ConfigError("; ".join(problems))
    return env


def stack_order(names: Names, command: str) -> list[str]:
    """Platform first; the workspace stack needs the workspace. Destroy runs backwards."""
    stacks = [names.platform_stack(), names.workspace_stack()]
    return stacks[::-1] if command == "destroy" else stacks


def missing_tools(which=shutil.which, cdktn: Path = CDKTN) -> list[str]:
    problems = []
    if not cdktn.exists():
        problems.append(f"{cdktn.relative_to(ROOT)} is missing: run `make setup`")
    if not (which("terraform") or which("tofu")):
        problems.append("neither terraform nor tofu is on PATH: install Terraform or OpenTofu")
    if not which("az"):
        problems.append("the Azure CLI (az) is not on PATH: install it, then `az login`")
    return problems


def az(*args: str) -> str:
    result = subprocess.run(["az", *args, "-o", "tsv"], capture_output=True, text=True)
    if result.returncode != 0:
        message = (result.stderr.strip().splitlines() or ["failed"])[-1]
        raise Refused(f"az {' '.join(args[:3])}: {message} (did you run `az login`?)")
    return result.stdout.strip()


def deployment_environ(env: Environment, instance: str | None) -> dict[str, str]:
    """The variables cdktn, Terraform and our app need; looked up once from the Azure CLI."""
    environ = dict(os.environ)
    environ["PATH"] = f"{CDKTN.parent}{os.pathsep}{environ.get('PATH', '')}"
    environ["INFRA_ENVS"] = env.name
    environ["CHECKPOINT_DISABLE"] = "1"
    if instance:
        environ["INSTANCE"] = instance
    if not shutil.which("terraform", path=environ["PATH"]):
        environ["TERRAFORM_BINARY_NAME"] = "tofu"
    subscription_var = env.azure.subscription_id_env
    if not environ.get(subscription_var):
        environ[subscription_var] = az("account", "show", "--query", "id")
    environ.setdefault("ARM_SUBSCRIPTION_ID", environ[subscription_var])
    variable = f"TF_VAR_{DATABRICKS_SP_VARIABLE}"
    if not environ.get(variable):
        environ[variable] = az("ad", "sp", "show", "--id", DATABRICKS_APP_ID, "--query", "id")
    return environ


def synthesize(env: Environment, outdir: Path = OUTDIR) -> list[Path]:
    from infra.app import build

    build([env], outdir).synth()
    names = Names.of(env)
    return [outdir / "stacks" / s / "cdk.tf.json" for s in stack_order(names, "synth")]


def run_stacks(command: str, env_name: str, instance: str | None) -> None:
    env = azure_environment(env_name, instance)
    problems = missing_tools()
    if problems:
        raise Refused("; ".join(problems))
    environ = deployment_environ(env, instance)
    cdktn_command = {"plan": ["diff"], "deploy": ["deploy", "--auto-approve"]}.get(
        command, ["destroy", "--auto-approve"]
    )
    for stack in stack_order(Names.of(env), command):
        typer.echo(f"{command}: {stack}")
        result = subprocess.run([str(CDKTN), *cdktn_command, stack], cwd=ROOT, env=environ)
        if result.returncode != 0:
            raise typer.Exit(result.returncode)


def guarded(action) -> None:
    try:
        action()
    except (ConfigError, Refused) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None


EnvOption = typer.Option(..., "--env", help="Environment name (environments/<env>.yaml)")
InstanceOption = typer.Option(
    None, "--instance", envvar="INSTANCE", help="A named copy of a throwaway environment"
)


@app.command()
def synth(env: str = EnvOption, instance: str | None = InstanceOption) -> None:
    """Write the environment's two stacks to cdktf.out/stacks/."""

    def action() -> None:
        for path in synthesize(azure_environment(env, instance)):
            size = len(json.loads(path.read_text())["resource"])
            typer.echo(f"{path.relative_to(ROOT)}: {size} resource types")

    guarded(action)


@app.command()
def plan(env: str = EnvOption, instance: str | None = InstanceOption) -> None:
    """Show what deploy would change, stack by stack."""
    guarded(lambda: run_stacks("plan", env, instance))


@app.command()
def deploy(env: str = EnvOption, instance: str | None = InstanceOption) -> None:
    """Deploy the platform stack, then the workspace stack."""
    guarded(lambda: run_stacks("deploy", env, instance))


@app.command()
def destroy(env: str = EnvOption, instance: str | None = InstanceOption) -> None:
    """Destroy the workspace stack, then the platform stack."""
    guarded(lambda: run_stacks("destroy", env, instance))


if __name__ == "__main__":
    sys.exit(app())

"""`make simulate|run|smoke|powerbi ENV=...`: operate a deployed environment.

Everything is found by the names the config derives (infra.naming), so nothing deployed needs
to be written down. The Event Hubs send connection string comes from the deployment's Key Vault
through the Azure CLI, straight into the simulator's environment; it never touches a file.
Missing tools or credentials end with one short message and exit code 2.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path

import typer

from environments import ConfigError, Environment
from infra.cli import azure_environment
from infra.components.event_hubs import KAFKA_PORT
from infra.components.key_vault import SEND_SECRET
from infra.naming import Names

ROOT = Path(__file__).resolve().parent.parent
TERMINAL = {"TERMINATED", "SKIPPED", "INTERNAL_ERROR"}

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False)


class Refused(Exception):
    """Tools or credentials missing: one short message, exit code 2."""


def az(*args: str, which: Callable[[str], str | None] = shutil.which) -> str:
    if not which("az"):
        raise Refused("the Azure CLI (az) is not installed: install it and run `az login`")
    result = subprocess.run(["az", *args, "-o", "tsv"], capture_output=True, text=True)
    if result.returncode != 0:
        message = (result.stderr.strip().splitlines() or ["failed"])[-1]
        raise Refused(f"az {args[0]} {args[1]}: {message} (did you run `az login`?)")
    return result.stdout.strip()


def subscription_id(env: Environment) -> str:
    return os.environ.get(env.azure.subscription_id_env) or az("account", "show", "--query", "id")


def workspace_resource_id(subscription: str, names: Names) -> str:
    return (
        f"/subscriptions/{subscription}/resourceGroups/{names.resource_group}"
        f"/providers/Microsoft.Databricks/workspaces/{names.databricks_workspace}"
    )


def workspace_client(env: Environment):
    """databricks-sdk resolves the workspace URL from its Azure resource id."""
    from databricks.sdk import WorkspaceClient

    resource_id = workspace_resource_id(subscription_id(env), Names.of(env))
    try:
        return WorkspaceClient(azure_workspace_resource_id=resource_id)
    except ValueError as exc:
        raise Refused(f"no Databricks credentials: {str(exc).splitlines()[0]}") from None


def simulator_command(env: Environment, extra: list[str]) -> list[str]:
    servers = f"{Names.of(env).eventhub_namespace}.servicebus.windows.net:{KAFKA_PORT}"
    return [
        sys.executable,
        *("-m", "simulator", "--env", env.name, "--transport", "kafka"),
        *("--bootstrap-servers", servers),
        *extra,
    ]


def find_job(w, name: str):
    jobs = list(w.jobs.list(name=name))
    if not jobs:
        raise Refused(f"job {name!r} not found: run `make deploy` first")
    return jobs[0]


def find_warehouse(w, name: str):
    found = [wh for wh in w.warehouses.list() if wh.name == name]
    if not found:
        raise Refused(f"SQL warehouse {name!r} not found: run `make deploy` first")
    return found[0]


def state_line(run) -> str:
    state = run.state
    life = state.life_cycle_state.value if state and state.life_cycle_state else "?"
    result = state.result_state.value if state and state.result_state else ""
    return f"{life} {result}".strip()


def follow(get_run: Callable, run_id: int, sleep: Callable[[float], None], interval: float = 15):
    """Print each new state until the run ends; returns the final run."""
    last = None
    while True:
        run = get_run(run_id)
        line = state_line(run)
        if line != last:
            typer.echo(f"run {run_id}: {line}")
            last = line
        if run.state and run.state.life_cycle_state.value in TERMINAL:
            return run
        sleep(interval)


def gold_count(rows: Iterable[list[str]] | None) -> int:
    rows = list(rows or [])
    if len(rows) != 1:
        raise RuntimeError(f"expected one row from COUNT(*), got {len(rows)}")
    return int(rows[0][0])


def guarded(action: Callable[[], int | None]) -> None:
    try:
        code = action()
    except (ConfigError, Refused) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    raise typer.Exit(code or 0)


EnvOption = typer.Option(..., "--env", help="Environment name (environments/<env>.yaml)")
InstanceOption = typer.Option(None, "--instance", envvar="INSTANCE", help="A copy of dev")


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def simulate(ctx: typer.Context, env: str = EnvOption, instance: str | None = InstanceOption):
    """Send orders to the deployed Event Hubs (extra options go to the simulator)."""

    def action() -> int:
        e = azure_environment(env, instance)
        names = Names.of(e)
        secret = az(
            "keyvault", "secret", "show", "--vault-name", names.key_vault,
            "--name", SEND_SECRET, "--query", "value",
        )  # fmt: skip
        environ = {**os.environ, e.kafka.connection_string_env: secret}
        return subprocess.run(simulator_command(e, ctx.args), cwd=ROOT, env=environ).returncode

    guarded(action)


@app.command()
def run(env: str = EnvOption, instance: str | None = InstanceOption):
    """Trigger the pipeline job now and follow it to the end."""

    def action() -> int:
        e = azure_environment(env, instance)
        w = workspace_client(e)
        job = find_job(w, Names.of(e).job)
        run_id = w.jobs.run_now(job_id=job.job_id).run_id
        typer.echo(f"started run {run_id} of {Names.of(e).job}")
        final = follow(lambda i: w.jobs.get_run(run_id=i), run_id, time.sleep)
        return 0 if final.state.result_state and final.state.result_state.value == "SUCCESS" else 1

    guarded(action)


@app.command()
def smoke(env: str = EnvOption, instance: str | None = InstanceOption):
    """The job exists, its last runs, and gold's row count through the SQL warehouse."""

    def action() -> int:
        e = azure_environment(env, instance)
        names = Names.of(e)
        w = workspace_client(e)
        job = find_job(w, names.job)
        typer.echo(f"job {names.job}: id {job.job_id}")
        for past in w.jobs.list_runs(job_id=job.job_id, limit=3):
            typer.echo(f"  run {past.run_id}: {state_line(past)}")
        warehouse = find_warehouse(w, names.warehouse)
        table = f"{names.catalog}.{e.app}.gold_order_minutes"
        response = w.statement_execution.execute_statement(
            warehouse_id=warehouse.id, statement=f"SELECT COUNT(*) FROM {table}", wait_timeout="50s"
        )
        rows = response.result.data_array if response.result else None
        count = gold_count(rows)
        typer.echo(f"{table}: {count} rows")
        return 0 if count > 0 else 1

    guarded(action)


@app.command()
def powerbi(env: str = EnvOption, instance: str | None = InstanceOption):
    """Write artifacts/<deployment>.pbids: opens gold in Power BI Desktop via the warehouse."""

    def action() -> int:
        e = azure_environment(env, instance)
        names = Names.of(e)
        warehouse = find_warehouse(workspace_client(e), names.warehouse)
        from contract.tables import GOLD
        from dashboard.powerbi import pbids

        odbc = warehouse.odbc_params
        document = pbids(odbc.hostname, odbc.path, names.catalog, e.app, GOLD)
        out = ROOT / "artifacts" / f"{names.stem}.pbids"
        out.parent.mkdir(exist_ok=True)
        out.write_text(json.dumps(document, indent=2))
        typer.echo(f"wrote {out.relative_to(ROOT)}")
        return 0

    guarded(action)


if __name__ == "__main__":
    app()

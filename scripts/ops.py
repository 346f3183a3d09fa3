"""`make simulate|run|smoke|powerbi ENV=...`: operate a deployed environment.

Everything is found by the names the config derives (infra.naming), so nothing deployed needs
to be written down. The Event Hubs send connection string comes from the deployment's Key Vault
through the Azure CLI, straight into the simulator's environment; it never touches a file.
Missing tools or credentials end with one short message and exit code 2. DATABRICKS_HOST (with
the databricks-sdk's own credential variables), when set, names the workspace instead.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from itertools import islice
from pathlib import Path

import typer

from contract.eventhubs_kafka import kafka_endpoint
from contract.tables import GOLD
from environments import Environment
from infra.azure_cli import (
    EnvOption,
    Failed,
    InstanceOption,
    Refused,
    az,
    azure_environment,
    guarded,
)
from infra.components.key_vault import SEND_SECRET
from infra.naming import Names

ROOT = Path(__file__).resolve().parent.parent
TERMINAL = {"TERMINATED", "SKIPPED", "INTERNAL_ERROR"}
STATEMENT_DONE = {"SUCCEEDED", "FAILED", "CANCELED", "CLOSED"}
# A stopped classic warehouse can take 10+ minutes to start before it runs the statement.
STATEMENT_TIMEOUT_SECONDS = 20 * 60
POLL_SECONDS = 15.0
RECENT_RUNS = 3

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False)


def subscription_id(env: Environment) -> str:
    return os.environ.get(env.azure.subscription_id_env) or az("account", "show", "--query", "id")


def workspace_resource_id(subscription: str, names: Names) -> str:
    return (
        f"/subscriptions/{subscription}/resourceGroups/{names.resource_group}"
        f"/providers/Microsoft.Databricks/workspaces/{names.databricks_workspace}"
    )


def workspace_client(env: Environment):
    """DATABRICKS_HOST names the workspace directly (the SDK reads it and its credentials itself);
    otherwise databricks-sdk resolves the URL from the workspace's Azure resource id."""
    from databricks.sdk import WorkspaceClient

    try:
        if os.environ.get("DATABRICKS_HOST"):
            return WorkspaceClient()
        resource_id = workspace_resource_id(subscription_id(env), Names.of(env))
        return WorkspaceClient(azure_workspace_resource_id=resource_id)
    except ValueError as exc:
        raise Refused(f"no Databricks credentials: {str(exc).splitlines()[0]}") from None


def simulator_command(env: Environment, extra: list[str]) -> list[str]:
    servers = kafka_endpoint(Names.of(env).eventhub_namespace)
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


def await_statement(
    get_statement: Callable,
    response,
    sleep: Callable[[float], None],
    interval: float,
    timeout: float,
):
    """Poll a statement still queued or running when the execute call returned, printing each new
    state; returns the finished statement, or None when `timeout` seconds ran out."""
    deadline = time.monotonic() + timeout
    last = None
    while (state := response.status.state.value) not in STATEMENT_DONE:
        if state != last:
            typer.echo(f"statement {response.statement_id}: {state}")
            last = state
        if time.monotonic() >= deadline:
            return None
        sleep(interval)
        response = get_statement(response.statement_id)
    if last:
        typer.echo(f"statement {response.statement_id}: {state}")
    return response


def continuous_status(w, name: str, job_id: int, continuous) -> int:
    """A continuous job keeps its one run going itself: report that run instead of starting one."""
    active = next(iter(w.jobs.list_runs(job_id=job_id, active_only=True, limit=1)), None)
    if active:
        typer.echo(f"{name} is continuous: run {active.run_id}: {state_line(active)}")
        return 0 if state_line(active) == "RUNNING" else 1
    if continuous.pause_status and continuous.pause_status.value == "PAUSED":
        typer.echo(f"{name} is continuous and paused: resume it in the workspace (Jobs > Resume)")
    else:
        typer.echo(
            f"{name} is continuous and unpaused but no run is active: Databricks starts one "
            "shortly, with a growing delay after failed runs (see the job's run history)"
        )
    return 1


def gold_count(rows: Iterable[list[str]] | None) -> int:
    rows = list(rows or [])
    if len(rows) != 1:
        raise RuntimeError(f"expected one row from COUNT(*), got {len(rows)}")
    return int(rows[0][0])


def count_rows(sql, warehouse_id: str, table: str) -> int:
    """COUNT(*) through the warehouse, waiting while a stopped warehouse starts."""
    from databricks.sdk.service.sql import ExecuteStatementRequestOnWaitTimeout

    response = sql.execute_statement(
        warehouse_id=warehouse_id,
        statement=f"SELECT COUNT(*) FROM {table}",
        wait_timeout="50s",
        on_wait_timeout=ExecuteStatementRequestOnWaitTimeout.CONTINUE,
    )
    done = await_statement(
        sql.get_statement, response, time.sleep, POLL_SECONDS, STATEMENT_TIMEOUT_SECONDS
    )
    if done is None:
        sql.cancel_execution(response.statement_id)
        raise Failed(
            f"no count of {table} after {STATEMENT_TIMEOUT_SECONDS / 60:g} min (is the warehouse "
            "still starting?): the statement was cancelled"
        )
    state, error = done.status.state.value, done.status.error
    if state != "SUCCEEDED":
        raise Failed(
            f"counting {table}: statement {state}: {error.message if error else 'no message'}"
        )
    return gold_count(done.result.data_array if done.result else None)


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
    """Trigger the pipeline job now, follow it to the end: exit 0 on SUCCESS, else 1.

    A continuous job is never triggered (Databricks keeps its one run going).
    Instead: its active run's state, exit 0 if RUNNING, else 1; or, with no
    active run, whether the job is paused and how to resume it, exit 1.
    """

    def action() -> int:
        e = azure_environment(env, instance)
        w = workspace_client(e)
        name = Names.of(e).job
        job = find_job(w, name)
        continuous = w.jobs.get(job.job_id).settings.continuous
        if continuous:
            return continuous_status(w, name, job.job_id, continuous)
        run_id = w.jobs.run_now(job_id=job.job_id).run_id
        typer.echo(f"started run {run_id} of {name}")
        final = follow(lambda i: w.jobs.get_run(run_id=i), run_id, time.sleep, POLL_SECONDS)
        return 0 if final.state.result_state and final.state.result_state.value == "SUCCESS" else 1

    guarded(action)


@app.command()
def smoke(env: str = EnvOption, instance: str | None = InstanceOption):
    """The job exists, its last runs, and gold's row count through the SQL warehouse.

    An empty gold fails the check once a recent run has succeeded; a brand-new deployment
    whose job has not succeeded yet passes with a note.

    Waits up to 20 minutes for the count while a stopped warehouse starts,
    printing the statement's states; a failed statement or running out of
    time ends with one line and exit 1.
    """

    def action() -> int:
        e = azure_environment(env, instance)
        names = Names.of(e)
        w = workspace_client(e)
        job = find_job(w, names.job)
        typer.echo(f"job {names.job}: id {job.job_id}")
        # `limit` is only the page size: the SDK's iterator would follow every page.
        recent = list(islice(w.jobs.list_runs(job_id=job.job_id, limit=RECENT_RUNS), RECENT_RUNS))
        for past in recent:
            typer.echo(f"  run {past.run_id}: {state_line(past)}")
        warehouse = find_warehouse(w, names.warehouse)
        table = f"{names.catalog}.{e.app}.{GOLD}"
        count = count_rows(w.statement_execution, warehouse.id, table)
        typer.echo(f"{table}: {count} rows")
        if count == 0 and not any(state_line(r) == "TERMINATED SUCCESS" for r in recent):
            typer.echo("  (no recent run has succeeded yet: an empty gold is expected)")
            return 0
        return 0 if count > 0 else 1

    guarded(action)


@app.command()
def powerbi(env: str = EnvOption, instance: str | None = InstanceOption):
    """Write artifacts/<deployment>.pbids: opens gold in Power BI Desktop via the warehouse."""

    def action() -> int:
        e = azure_environment(env, instance)
        names = Names.of(e)
        warehouse = find_warehouse(workspace_client(e), names.warehouse)
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

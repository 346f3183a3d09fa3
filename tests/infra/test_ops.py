"""scripts.ops without Azure: its pure parts, its refusals (exit 2), and its commands against
a recording stand-in for the Databricks REST API (tests/infra/fake_databricks.py)."""

from types import SimpleNamespace as NS

import pytest
from typer.testing import CliRunner

from environments import load_environment
from infra import azure_cli
from infra.naming import Names
from scripts import ops

pytest_plugins = ["tests.infra.fake_databricks"]
DEV, PROD = Names.of(load_environment("dev")), Names.of(load_environment("prod"))
TABLE = f"{DEV.catalog}.{load_environment('dev').app}.gold_order_minutes"


def run_state(life, result=None):
    enum = lambda v: NS(value=v) if v else None  # noqa: E731
    return NS(state=NS(life_cycle_state=enum(life), result_state=enum(result)))


def test_follow_reports_each_state_once_until_the_run_ends(capsys):
    states = iter([run_state("PENDING"), run_state("RUNNING"), run_state("RUNNING"),
                   run_state("TERMINATED", "SUCCESS")])  # fmt: skip
    sleeps = []
    final = ops.follow(lambda _id: next(states), 7, sleeps.append, interval=1)
    assert final.state.result_state.value == "SUCCESS"
    assert capsys.readouterr().out.splitlines() == [
        "run 7: PENDING", "run 7: RUNNING", "run 7: TERMINATED SUCCESS"
    ]  # fmt: skip
    assert len(sleeps) == 3


def test_gold_count_reads_the_single_row():
    assert ops.gold_count([["42"]]) == 42
    with pytest.raises(RuntimeError):
        ops.gold_count([])


def test_simulator_targets_the_kafka_endpoint_of_the_deployed_namespace():
    env = load_environment("dev")
    command = ops.simulator_command(env, ["--duration", "5"])
    servers = command[command.index("--bootstrap-servers") + 1]
    assert servers == f"{Names.of(env).eventhub_namespace}.servicebus.windows.net:9093"
    assert command[-2:] == ["--duration", "5"]


def test_resource_id_names_the_workspace():
    rid = ops.workspace_resource_id("sub", Names.of(load_environment("dev")))
    assert rid.startswith("/subscriptions/sub/resourceGroups/rg-orders-devdemo/")


@pytest.mark.parametrize("command", ["simulate", "run", "smoke", "powerbi"])
def test_without_the_azure_cli_each_command_refuses_clearly(monkeypatch, command):
    monkeypatch.setattr(azure_cli.shutil, "which", lambda _name: None)
    monkeypatch.delenv("ARM_SUBSCRIPTION_ID", raising=False)
    monkeypatch.delenv("DATABRICKS_HOST", raising=False)
    result = CliRunner().invoke(ops.app, [command, "--env", "dev"])
    assert result.exit_code == 2
    assert "Azure CLI" in result.output and "Traceback" not in result.output


def test_a_local_environment_is_refused():
    result = CliRunner().invoke(ops.app, ["smoke", "--env", "local"])
    assert result.exit_code == 2 and "no azure section" in result.output


@pytest.fixture
def fake(fake_databricks, monkeypatch):
    """The stand-in workspace, polled without waiting; no Azure CLI or subscription to be found,
    since DATABRICKS_HOST alone must do."""
    monkeypatch.setattr(ops, "POLL_SECONDS", 0.001)
    monkeypatch.setattr(azure_cli.shutil, "which", lambda _name: None)
    for name in ("ARM_SUBSCRIPTION_ID", "INSTANCE"):
        monkeypatch.delenv(name, raising=False)
    return fake_databricks


def invoke(*args: str):
    """Through the Typer app; an uncaught exception fails the test instead of becoming exit 1."""
    return CliRunner().invoke(ops.app, list(args), catch_exceptions=False)


def smoke_workspace(fake, *states: str, **statement):
    fake.add_job(11, DEV.job)
    fake.add_run(11, "TERMINATED SUCCESS")
    fake.add_warehouse("wh-1", DEV.warehouse)
    fake.add_statement(*states, **statement)


def test_smoke_waits_for_a_cold_warehouse_and_prints_the_count(fake):
    smoke_workspace(fake, "PENDING", "PENDING", "RUNNING", "SUCCEEDED", rows=[["42"]])
    result = invoke("smoke", "--env", "dev")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-4:] == [
        "statement stmt-1: PENDING", "statement stmt-1: RUNNING", "statement stmt-1: SUCCEEDED",
        f"{TABLE}: 42 rows",
    ]  # fmt: skip
    (execute,) = fake.calls("POST", "/api/2.0/sql/statements")
    assert execute.body["warehouse_id"] == "wh-1"
    assert execute.body["on_wait_timeout"] == "CONTINUE"
    assert len(fake.calls("GET", "/api/2.0/sql/statements/stmt-1")) == 3


def test_an_empty_gold_fails_smoke_once_a_run_has_succeeded(fake):
    smoke_workspace(fake, "SUCCEEDED", rows=[["0"]])
    result = invoke("smoke", "--env", "dev")
    assert result.exit_code == 1 and f"{TABLE}: 0 rows" in result.stdout


def test_an_empty_gold_passes_smoke_while_no_run_has_succeeded(fake):
    fake.add_job(11, DEV.job)
    fake.add_run(11, "TERMINATED FAILED")
    fake.add_run(11, "RUNNING")
    fake.add_warehouse("wh-1", DEV.warehouse)
    fake.add_statement("SUCCEEDED", rows=[["0"]])
    result = invoke("smoke", "--env", "dev")
    assert result.exit_code == 0 and "no recent run has succeeded yet" in result.stdout


def test_smoke_reports_a_failed_statement_in_one_line(fake):
    error = f"[TABLE_OR_VIEW_NOT_FOUND] The table or view `{TABLE}` cannot be found."
    smoke_workspace(fake, "PENDING", "FAILED", error=error)
    result = invoke("smoke", "--env", "dev")
    assert result.exit_code == 1
    assert result.stderr == f"error: counting {TABLE}: statement FAILED: {error}\n"


def test_smoke_gives_up_on_a_warehouse_that_never_starts_and_cancels(fake, monkeypatch):
    monkeypatch.setattr(ops, "STATEMENT_TIMEOUT_SECONDS", 0.05)
    smoke_workspace(fake, "PENDING")
    result = invoke("smoke", "--env", "dev")
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: no count of {TABLE} after ")
    assert "cancelled" in result.stderr and result.stdout.count("PENDING") == 1
    assert fake.calls("POST", "/api/2.0/sql/statements/stmt-1/cancel")


def test_smoke_lists_only_the_newest_three_runs_of_many_pages(fake):
    smoke_workspace(fake, "SUCCEEDED", rows=[["7"]])
    newest = [fake.add_run(11, "TERMINATED SUCCESS") for _ in range(7)][::-1][:3]
    result = invoke("smoke", "--env", "dev")
    assert result.exit_code == 0, result.output
    assert [line for line in result.stdout.splitlines() if line.startswith("  run ")] == [
        f"  run {run_id}: TERMINATED SUCCESS" for run_id in newest
    ]
    assert len(fake.calls("GET", "/api/2.2/jobs/runs/list")) == 1
    assert "statement" not in result.stdout  # a warm warehouse answers at once: no states


@pytest.mark.parametrize(
    ("states", "code"),
    [
        (["PENDING", "RUNNING", "RUNNING", "TERMINATED SUCCESS"], 0),
        (["PENDING", "RUNNING", "TERMINATED FAILED"], 1),
    ],
)
def test_run_follows_a_scheduled_job_to_its_end(fake, states, code):
    fake.add_job(11, DEV.job, run_now=states)
    result = invoke("run", "--env", "dev")
    assert result.exit_code == code, result.output
    (run_now,) = fake.calls("POST", "/api/2.2/jobs/run-now")
    assert run_now.body == {"job_id": 11}
    assert result.stdout.splitlines() == [
        f"started run 1000 of {DEV.job}",
        *(f"run 1000: {state}" for state in dict.fromkeys(states)),
    ]


@pytest.mark.parametrize(
    ("pause", "runs", "code", "says"),
    [
        ("UNPAUSED", ["TERMINATED FAILED", "RUNNING"], 0, "is continuous: run 1001: RUNNING"),
        ("UNPAUSED", ["PENDING"], 1, "is continuous: run 1000: PENDING"),
        ("UNPAUSED", ["TERMINATED FAILED"], 1, "is continuous and unpaused but no run is active"),
        ("PAUSED", ["TERMINATED CANCELED"], 1, "is continuous and paused: resume it"),
    ],
)
def test_run_on_a_continuous_job_reports_its_run_and_never_starts_one(
    fake, pause, runs, code, says
):
    fake.add_job(21, PROD.job, continuous=pause)
    for state in runs:
        fake.add_run(21, state)
    result = invoke("run", "--env", "prod")
    assert result.exit_code == code, result.output
    (line,) = result.stdout.splitlines()
    assert line.startswith(f"{PROD.job} {says}")
    assert not fake.calls("POST", "/api/2.2/jobs/run-now")
    (listed,) = fake.calls("GET", "/api/2.2/jobs/runs/list")
    assert listed.query["active_only"] == "true"

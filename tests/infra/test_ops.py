"""scripts.ops without a network: its pure parts, and its refusals (exit 2) without Azure."""

from types import SimpleNamespace as NS

import pytest
from typer.testing import CliRunner

from environments import load_environment
from infra.naming import Names
from scripts import ops


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
    monkeypatch.setattr(ops.shutil, "which", lambda _name: None)
    monkeypatch.delenv("ARM_SUBSCRIPTION_ID", raising=False)
    result = CliRunner().invoke(ops.app, [command, "--env", "dev"])
    assert result.exit_code == 2
    assert "Azure CLI" in result.output and "Traceback" not in result.output


def test_a_local_environment_is_refused():
    result = CliRunner().invoke(ops.app, ["smoke", "--env", "local"])
    assert result.exit_code == 2 and "no azure section" in result.output

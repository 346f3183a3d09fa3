"""Rehearsal of an environment's whole life, offline, with recording stand-ins for terraform and az.

The real Makefile, infra/cli.py, scripts/ops.py and the real cdktn CLI run as a person runs them;
only the external programs are stand-ins (tests/infra/standins/: they are not Terraform and not
Azure) and the Databricks REST endpoints are a local fake. What Azure itself would do cannot be
shown here; what we send to it, in which order, with which names and which secrets, can.
The tests are the steps of one scenario and run in the order they are written.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
import yaml

from environments import load_environment, with_instance
from infra.naming import Names
from infra.synthesized import ROOT, stack_json

pytestmark = pytest.mark.infra
pytest_plugins = ["tests.infra.fake_databricks"]
STANDINS = Path(__file__).parent / "standins"
SECRET = "stand-in-secret-5f0c1d9e-never-to-be-seen"


class Rehearsal:
    def __init__(self, home: Path) -> None:
        self.home = home
        self.outdir = home / "cdktf.out"
        self.state = home / "state"
        self.outputs: list[str] = []
        self.forgotten: list[dict] = []
        self.environ = {
            **os.environ,
            "PATH": f"{STANDINS}{os.pathsep}{os.environ['PATH']}",
            "STANDIN_HOME": str(home / "standins"),
            "STANDIN_SECRET": SECRET,
            "CDKTF_OUTPUT": str(self.outdir),
            "CI": "true",
        }
        for variable in ("ARM_SUBSCRIPTION_ID", "TF_VAR_azure_databricks_sp_object_id"):
            self.environ.pop(variable, None)

    def make(self, *args: str, **extra_env: str) -> subprocess.CompletedProcess:
        done = subprocess.run(
            ["make", "--no-print-directory", *args],
            cwd=ROOT,
            env={**self.environ, **extra_env},
            capture_output=True,
            text=True,
            timeout=600,
        )
        self.outputs.append(done.stdout + done.stderr)
        return done

    def calls(self, tool: str | None = None) -> list[dict]:
        log = self.home / "standins" / "calls.jsonl"
        calls = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
        return [c for c in calls if tool in (None, c["tool"])]

    def forget_calls(self) -> None:
        """Start the next step's record; the calls so far stay in `forgotten`."""
        self.forgotten += self.calls()
        (self.home / "standins" / "calls.jsonl").unlink(missing_ok=True)

    def terraform(self, command: str) -> list[tuple[str, int]]:
        """(stack, cdktn process) of each `terraform <command>`, in the order they ran."""
        return [
            (Path(c["cwd"]).name, c["ppid"])
            for c in self.calls("terraform")
            if c["argv"][:1] == [command]
        ]

    def state_of(self, stack: str) -> Path | None:
        """The stack's state file, wherever its backend keeps it (remote: under the stand-in)."""
        found = [*self.state.glob(f"{stack}.tfstate"),
                 *(self.home / "standins" / "azurerm").rglob(f"{stack}.tfstate")]  # fmt: skip
        assert len(found) <= 1, found
        return found[0] if found else None

    def resources(self, stack: str) -> list[str]:
        path = self.state_of(stack)
        return json.loads(path.read_text())["resources"] if path else []


def stacks(instance: str) -> tuple[str, str]:
    return Names.of(with_instance(load_environment("dev"), instance)).stacks


def ok(done: subprocess.CompletedProcess) -> str:
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done.stdout + done.stderr


@pytest.fixture(scope="module")
def rehearsal(tmp_path_factory) -> Rehearsal:
    return Rehearsal(tmp_path_factory.mktemp("rehearsal"))


def test_deploy_applies_platform_then_workspace_in_one_cdktn_command(rehearsal):
    platform, workspace = stacks("rha")
    ok(rehearsal.make("backend", "ENV=dev"))
    rehearsal.forget_calls()
    ok(rehearsal.make("deploy", "ENV=dev", "INSTANCE=rha"))
    applies = rehearsal.terraform("apply")
    assert [stack for stack, _ in applies] == [platform, workspace]
    assert len({process for _, process in applies}) == 1, "one cdktn command for both stacks"
    assert rehearsal.resources(platform) and rehearsal.resources(workspace)


def test_plan_of_a_deployed_environment_plans_both_stacks(rehearsal):
    rehearsal.forget_calls()
    out = ok(rehearsal.make("plan", "ENV=dev", "INSTANCE=rha"))
    assert [stack for stack, _ in rehearsal.terraform("plan")] == list(stacks("rha"))
    assert not rehearsal.terraform("apply") and "not planned" not in out


def test_run_and_smoke_operate_the_deployed_copy(rehearsal, fake_databricks):
    names = Names.of(with_instance(load_environment("dev"), "rha"))
    fake_databricks.add_job(7, names.job, run_now=("TERMINATED SUCCESS",))
    fake_databricks.add_warehouse("wh1", names.warehouse)
    fake_databricks.add_statement("SUCCEEDED", rows=[["42"]])
    workspace = {"DATABRICKS_HOST": fake_databricks.url, "DATABRICKS_TOKEN": SECRET}
    out = ok(rehearsal.make("run", "ENV=dev", "INSTANCE=rha", **workspace))
    assert "TERMINATED SUCCESS" in out
    assert len(fake_databricks.calls("POST", "/api/2.2/jobs/run-now")) == 1
    out = ok(rehearsal.make("smoke", "ENV=dev", "INSTANCE=rha", **workspace))
    assert f"{names.catalog}.orders.gold_order_minutes: 42 rows" in out


def test_simulate_hands_the_send_key_from_key_vault_to_the_simulator_and_nowhere_else(rehearsal):
    names = Names.of(with_instance(load_environment("dev"), "rha"))
    rehearsal.forget_calls()
    # The stand-in's Key Vault secret is no connection string: the simulator must refuse it
    # before any connection, in one line that names the variable and not the value.
    done = rehearsal.make("simulate", "ENV=dev", "INSTANCE=rha")
    (lookup,) = [
        c["argv"] for c in rehearsal.calls("az") if c["argv"][:2] == ["keyvault", "secret"]
    ]
    assert lookup[lookup.index("--vault-name") + 1] == names.key_vault
    assert lookup[lookup.index("--name") + 1] == "eventhub-send"
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "EVENTHUB_CONNECTION_STRING" in done.stderr


def test_destroy_removes_workspace_then_platform_in_one_cdktn_command(rehearsal):
    platform, workspace = stacks("rha")
    rehearsal.forget_calls()
    ok(rehearsal.make("destroy", "ENV=dev", "INSTANCE=rha"))
    destroys = rehearsal.terraform("destroy")
    assert [stack for stack, _ in destroys] == [workspace, platform]
    assert len({process for _, process in destroys}) == 1
    assert rehearsal.resources(platform) == [] and rehearsal.resources(workspace) == []


def test_plan_of_an_environment_with_no_platform_plans_the_platform_and_says_so(rehearsal):
    platform, workspace = stacks("rha")
    rehearsal.forget_calls()
    out = ok(rehearsal.make("plan", "ENV=dev", "INSTANCE=rha"))
    assert [stack for stack, _ in rehearsal.terraform("plan")] == [platform]
    assert f"{workspace} not planned" in out


def test_recreate_after_destroy_deploys_again(rehearsal):
    platform, workspace = stacks("rha")
    rehearsal.forget_calls()
    ok(rehearsal.make("deploy", "ENV=dev", "INSTANCE=rha"))
    assert [stack for stack, _ in rehearsal.terraform("apply")] == [platform, workspace]
    assert rehearsal.resources(workspace)


def test_a_second_copy_shares_no_name_and_no_state_with_the_first(rehearsal):
    ok(rehearsal.make("deploy", "ENV=dev", "INSTANCE=rhb"))
    first = Names.of(with_instance(load_environment("dev"), "rha"))
    second = Names.of(with_instance(load_environment("dev"), "rhb"))
    names = lambda n: {*n.checked().values(), *n.stacks, n.job, n.warehouse, n.workspace_root}  # noqa: E731
    assert not names(first) & names(second)
    for a, b in zip(first.stacks, second.stacks, strict=True):
        assert rehearsal.resources(a) and rehearsal.resources(b)
    for stack in second.stacks:  # cdktn keeps only the stacks of its last synth
        backend = stack_json(stack, rehearsal.outdir)["terraform"]["backend"]
        assert backend["azurerm"]["key"] == f"{stack}.tfstate"
    states = {rehearsal.state_of(s) for s in (*first.stacks, *second.stacks)}
    assert len(states) == 4 and None not in states
    ok(rehearsal.make("destroy", "ENV=dev", "INSTANCE=rhb"))
    assert all(rehearsal.resources(s) == [] for s in second.stacks)
    assert all(rehearsal.resources(s) for s in first.stacks), "the other copy is untouched"


def test_prod_refuses_to_deploy_without_remote_state_storage_then_deploys_after_bootstrap(
    rehearsal, tmp_path
):
    data = yaml.safe_load((ROOT / "environments" / "prod.yaml").read_text())
    data["azure"]["network"]["deployer_cidrs"] = ["20.42.0.0/28"]  # a public runner range
    env_file = tmp_path / "prod.yaml"
    env_file.write_text(yaml.safe_dump(data))
    rehearsal.forget_calls()
    before = rehearsal.make("deploy", f"ENV={env_file}")
    assert before.returncode == 2 and "Traceback" not in before.stderr
    assert "storage account stordersprodtfstate" in before.stderr
    assert "make backend ENV=" in before.stderr
    assert not rehearsal.calls("terraform")
    ok(rehearsal.make("backend", f"ENV={env_file}"))
    az = [" ".join(c["argv"]) for c in rehearsal.calls("az")]
    assert any(
        "--assignee-principal-type User --role Storage Blob Data Contributor" in a for a in az
    )
    assert any(a.startswith("storage blob list") and "--auth-mode login" in a for a in az)
    ok(rehearsal.make("deploy", f"ENV={env_file}"))
    prod = Names.of(load_environment(env_file))
    assert [s for s, _ in rehearsal.terraform("apply")][-2:] == list(prod.stacks)


def test_a_private_environment_whose_deployer_is_not_public_is_refused_before_anything_runs(
    rehearsal,
):
    rehearsal.forget_calls()
    done = rehearsal.make("deploy", "ENV=prod")
    assert done.returncode == 2, done.stderr
    assert "azure.network.deployer_cidrs" in done.stderr and "Traceback" not in done.stderr
    assert not rehearsal.calls("terraform")


def test_no_secret_reaches_an_argument_a_file_or_a_log(rehearsal):
    calls = rehearsal.forgotten + rehearsal.calls()
    assert len(calls) > 50 and len(rehearsal.outputs) >= 10, "the rehearsal ran"
    seen = [json.dumps(c) for c in calls] + rehearsal.outputs
    for text in seen:
        assert SECRET not in text
    for path in rehearsal.home.rglob("*"):
        if path.is_file() and path.name != "calls.jsonl":
            assert SECRET not in path.read_text(errors="replace"), path


def copy_of_dev(tmp_path: Path, expires_on: str) -> Path:
    """dev.yaml with another expiry date: copies made from it are tagged with that date."""
    data = yaml.safe_load((ROOT / "environments" / "dev.yaml").read_text())
    data["azure"]["expires_on"] = expires_on
    path = tmp_path / f"dev-{expires_on}.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_reap_destroys_expired_copies_through_their_stacks_and_reports_the_one_that_fails(
    rehearsal, tmp_path
):
    ok(rehearsal.make("deploy", f"ENV={copy_of_dev(tmp_path, '2099-01-01')}", "INSTANCE=keep"))
    expired = copy_of_dev(tmp_path, "2026-01-01")
    ok(rehearsal.make("deploy", f"ENV={expired}", "INSTANCE=gone"))
    ok(rehearsal.make("deploy", f"ENV={expired}", "INSTANCE=stuck"))
    rehearsal.forget_calls()

    listed = ok(rehearsal.make("reap", "DRY_RUN=1"))
    assert "dev gone" in listed and "dev stuck" in listed and "keep" not in listed
    assert "expired on 2026-01-01" in listed and not rehearsal.terraform("destroy")

    done = rehearsal.make("reap", STANDIN_FAIL_DESTROY=stacks("stuck")[1])
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert "dev stuck (rg-orders-devstuck) NOT destroyed" in done.stderr
    assert all(rehearsal.resources(s) == [] for s in stacks("gone"))
    assert [s for s, _ in rehearsal.terraform("destroy")][:2] == list(stacks("gone"))[::-1]
    assert rehearsal.resources(stacks("stuck")[0]), "a failed copy is left as it was"
    assert all(rehearsal.resources(s) for s in stacks("keep")), "not expired: kept"

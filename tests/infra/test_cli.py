from pathlib import Path

import pytest
from tenacity import Retrying, stop_after_attempt, wait_none
from typer.testing import CliRunner

from environments import load_environment
from infra import cli
from infra.naming import Names


def test_stacks_are_listed_platform_first():
    names = Names(app="orders", deployment="dev", suffix="abc123")
    assert names.stacks == ("orders-dev-platform", "orders-dev-workspace")


def test_missing_tools_are_named(tmp_path):
    problems = cli.missing_tools(which=lambda _n: None, cdktn=cli.ROOT / "nope" / "cdktn")
    assert len(problems) == 3
    assert any("make setup" in p for p in problems) and any("OpenTofu" in p for p in problems)


def test_deploy_refuses_without_tools(monkeypatch):
    monkeypatch.setattr(cli.shutil, "which", lambda _n: None)
    result = CliRunner().invoke(cli.app, ["deploy", "--env", "dev"])
    assert result.exit_code == 2 and "Azure CLI" in result.output


def test_unknown_environment_is_a_short_error():
    result = CliRunner().invoke(cli.app, ["synth", "--env", "nope"])
    assert result.exit_code == 2 and "unknown environment" in result.output


def test_a_private_environment_must_name_a_public_deployer_address():
    prod = load_environment("prod")
    assert cli.unreachable_deployers(load_environment("dev")) == []
    (problem,) = cli.unreachable_deployers(prod)  # the file ships a documentation address
    assert problem.startswith("azure.network.deployer_cidrs: 203.0.113.10/32 is not a public")
    public = prod.model_copy(
        update={"azure": prod.azure.model_copy(
            update={"network": prod.azure.network.model_copy(
                update={"deployer_cidrs": ("20.42.0.0/28",)})})}
    )  # fmt: skip
    assert cli.unreachable_deployers(public) == []


def test_cdktf_json_runs_our_app():
    assert "infra.app" in (Path(cli.ROOT) / "cdktf.json").read_text()


def test_backend_grants_the_data_role_to_a_ci_identity_as_well_as_to_a_person(monkeypatch):
    answers = {
        ("account", "show", "--query", "user.type"): "servicePrincipal",
        ("account", "show", "--query", "user.name"): "client-id",
        ("ad", "sp", "show", "--id", "client-id", "--query", "id"): "sp-object-id",
    }
    monkeypatch.setattr(cli, "az", lambda *args: answers[args])
    assert cli.signed_in_principal() == ("sp-object-id", "ServicePrincipal")


def role_that_works_after(monkeypatch, failures: int) -> list[tuple]:
    """`az` refusing the data-plane call `failures` times (403 while the role propagates)."""
    calls = []

    def az(*args):
        calls.append(args)
        if len(calls) <= failures:
            raise cli.Refused("AuthorizationPermissionMismatch")
        return ""

    monkeypatch.setattr(cli, "az", az)
    return calls


def test_backend_waits_until_the_data_role_works(monkeypatch):
    calls = role_that_works_after(monkeypatch, failures=2)
    cli.wait_for_data_role("st", "tfstate", Retrying(stop=stop_after_attempt(5), wait=wait_none()))
    assert len(calls) == 3 and calls[0][:3] == ("storage", "blob", "list")


def test_backend_gives_up_on_a_data_role_that_never_works(monkeypatch):
    calls = role_that_works_after(monkeypatch, failures=99)
    never = Retrying(stop=stop_after_attempt(2), wait=wait_none(), reraise=True)
    with pytest.raises(cli.Refused):
        cli.wait_for_data_role("st", "tfstate", never)
    assert len(calls) == 2


def test_synth_writes_into_an_output_folder_that_does_not_exist_yet(tmp_path, monkeypatch):
    """The ci workflow synthesizes each environment into synthesized/<env>/, made by nobody."""
    out = tmp_path / "synthesized" / "dev"
    monkeypatch.setenv("CDKTF_OUTPUT", str(out))
    result = CliRunner().invoke(cli.app, ["synth", "--env", "dev"])
    assert result.exit_code == 0, result.output
    assert len(list(out.glob("stacks/*/cdk.tf.json"))) == 2

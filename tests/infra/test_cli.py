from pathlib import Path

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

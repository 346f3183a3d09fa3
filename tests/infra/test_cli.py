from pathlib import Path

from typer.testing import CliRunner

from infra import cli
from infra.naming import Names


def test_deploy_goes_platform_first_destroy_goes_backwards():
    names = Names(app="orders", deployment="dev", suffix="abc123")
    assert cli.stack_order(names, "deploy") == ["orders-dev-platform", "orders-dev-workspace"]
    assert cli.stack_order(names, "destroy") == ["orders-dev-workspace", "orders-dev-platform"]


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


def test_cdktf_json_runs_our_app():
    assert "infra.app" in (Path(cli.ROOT) / "cdktf.json").read_text()

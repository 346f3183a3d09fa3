"""The policy scan and the secret scan, run for real (checkov in .tools/checkov)."""

import json

import pytest

from infra import scan
from infra.secret_scan import find_secrets

pytestmark = pytest.mark.infra
needs_checkov = pytest.mark.skipif(not scan.CHECKOV.exists(), reason="run make setup")


def test_secret_scanner_finds_values_and_ignores_references():
    key = "A1b2C3d4" * 5 + "=="
    leaked = (
        "Endpoint=sb://x.servicebus.windows.net/;SharedAccessKeyName=send;SharedAccessKey=" + key
    )
    assert [f.kind for f in find_secrets(leaked, "x")] == ["connection string key"]
    assert find_secrets('"dapi' + "0123456789abcdef" * 2 + '"', "x")[0].kind == "Databricks token"
    assert find_secrets('"pass' + 'word": "hunter2hunter2"', "x")[0].kind == "password value"
    references = (
        "value = ${azurerm_eventhub_authorization_rule.send.primary_connection_string}\n"
        "EVENTHUB_CONNECTION_STRING: {{secrets/orders-dev/eventhub-listen}}\n"
        "connection_string_env: EVENTHUB_CONNECTION_STRING\n"
    )
    assert find_secrets(references, "x") == []


def test_suppressions_have_reasons_and_prod_needs_fewer():
    suppressions = scan.load_suppressions()
    assert all(len(s.reason) >= 20 for s in suppressions.suppressions)
    assert len(suppressions.for_env("prod")) < len(suppressions.for_env("dev"))
    assert set(suppressions.for_env("prod")) < set(suppressions.for_env("dev"))


def test_report_reading_fails_on_parse_errors_and_empty_scans(tmp_path):
    a, b = tmp_path / "a" / "cdk.tf.json", tmp_path / "b" / "cdk.tf.json"
    report = {
        "results": {
            "passed_checks": [{"check_id": "CKV_1", "resource": "r", "file_abs_path": str(a)}],
            "failed_checks": [],
            "parsing_errors": [str(b)],
        }
    }
    results = {r.stack: r for r in scan.read_report(report, {"a": a, "b": b})}
    assert results["a"].problems == []
    assert results["b"].problems == [f"could not parse {b}", "no check ran"]


@needs_checkov
def test_own_policy_fails_a_violating_job(synth, tmp_path):
    stack = synth.stack("dev", "workspace")
    job = next(iter(stack["resource"]["databricks_job"].values()))
    job["max_concurrent_runs"] = 3
    job["job_cluster"][0]["new_cluster"]["data_security_mode"] = "NONE"
    path = tmp_path / "bad" / "cdk.tf.json"
    path.parent.mkdir()
    path.write_text(json.dumps(stack))
    (result,) = scan.read_report(scan.checkov([path], [], tmp_path), {"bad": path})
    failed = {f.split()[0] for f in result.failed}
    assert {"CKV_ORDERS_2", "CKV_ORDERS_3"} <= failed


@needs_checkov
def test_make_scan_passes_and_writes_sarif_for_code_scanning(capsys, tmp_path):
    assert scan.main(["--sarif", str(tmp_path)]) == 0, capsys.readouterr().out
    for env in ("dev", "prod"):
        report = json.loads((tmp_path / env / "results_sarif.sarif").read_text())
        assert report["version"] == "2.1.0"
        (run,) = report["runs"]
        assert run["tool"]["driver"]["name"] == "Checkov" and run["results"] == []

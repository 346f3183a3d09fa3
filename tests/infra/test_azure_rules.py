"""Azure's and Databricks' rules that no offline run can show, held against the synthesized JSON.

Each rule is encoded once in the code (a table, a constant, a validator) with its source; these
tests check that what would be sent to Azure obeys it.
"""

import json
import re

import pytest
import yaml

from environments import load_environment
from infra.components.key_vault import RBAC_PROPAGATION
from infra.components.monitoring import DIAGNOSTICS
from infra.naming import Names
from infra.synthesized import ROOT

pytestmark = pytest.mark.infra
ENVS = ("dev", "prod")
# azurerm resource type (and a sub-resource path after its id) -> Azure resource type.
AZURE_TYPES = {
    ("azurerm_eventhub_namespace", ""): "Microsoft.EventHub/namespaces",
    ("azurerm_storage_account", ""): "Microsoft.Storage/storageAccounts",
    ("azurerm_storage_account", "/blobServices/default"): (
        "Microsoft.Storage/storageAccounts/blobServices"
    ),
    ("azurerm_key_vault", ""): "Microsoft.KeyVault/vaults",
    ("azurerm_databricks_workspace", ""): "Microsoft.Databricks/workspaces",
}


def target_type(target: str) -> str:
    match = re.fullmatch(r"\$\{(azurerm_[a-z_]+)\.[^}]+\.id\}(.*)", target)
    return AZURE_TYPES[(match.group(1), match.group(2))]


@pytest.mark.parametrize("env", ENVS)
def test_every_diagnostic_setting_enables_exactly_the_documented_categories(synth, env):
    settings = synth.resources(env, "platform", "azurerm_monitor_diagnostic_setting")
    covered = set()
    for setting in settings:
        kind = target_type(setting["target_resource_id"])
        covered.add(kind)
        documented = DIAGNOSTICS[kind]
        logs = setting.get("enabled_log", [])
        assert sorted(x["category_group"] for x in logs if "category_group" in x) == sorted(
            documented.log_groups
        )
        assert sorted(x["category"] for x in logs if "category" in x) == sorted(documented.logs)
        metrics = [m["category"] for m in setting.get("enabled_metric", [])]
        assert sorted(metrics) == sorted(documented.metrics), kind
    assert covered == set(DIAGNOSTICS)


def test_the_table_holds_azures_documented_categories():
    """Pinned from the Azure Monitor reference pages, independently of the code's table."""
    expected = {
        "Microsoft.EventHub/namespaces": ((("allLogs",), ()), ("AllMetrics",)),
        "Microsoft.Storage/storageAccounts": (((), ()), ("Transaction", "Capacity")),
        "Microsoft.Storage/storageAccounts/blobServices": (
            ((), ("StorageRead", "StorageWrite", "StorageDelete")),
            ("Transaction",),
        ),
        "Microsoft.KeyVault/vaults": ((("allLogs",), ()), ("AllMetrics",)),
        "Microsoft.Databricks/workspaces": ((("allLogs",), ()), ()),
    }
    actual = {k: ((v.log_groups, v.logs), v.metrics) for k, v in DIAGNOSTICS.items()}
    assert actual == expected


def test_storage_never_asks_for_all_metrics():
    for kind in (
        "Microsoft.Storage/storageAccounts",
        "Microsoft.Storage/storageAccounts/blobServices",
    ):
        assert "AllMetrics" not in DIAGNOSTICS[kind].metrics
        assert "Transaction" in DIAGNOSTICS[kind].metrics


@pytest.mark.parametrize("env", ENVS)
def test_no_lake_url_has_a_doubled_slash(synth, env):
    text = json.dumps(synth.stack(env, "workspace"))
    urls = re.findall(r"abfss://[^\"]+", text)
    assert urls
    for url in urls:
        assert "//" not in url.removeprefix("abfss://"), url
    catalog = synth.one(env, "workspace", "databricks_catalog")
    assert catalog["storage_root"].endswith(".dfs.core.windows.net/_catalog")


@pytest.mark.parametrize("env", ENVS)
def test_secrets_are_written_after_the_deployer_role_has_propagated(synth, env):
    (sleep,) = synth.resources(env, "platform", "time_sleep")
    assert sleep["create_duration"] == RBAC_PROPAGATION
    officer = [
        key
        for key, r in synth.stack(env, "platform")["resource"]["azurerm_role_assignment"].items()
        if r["role_definition_name"] == "Key Vault Secrets Officer"
    ]
    assert sleep["depends_on"] == [f"azurerm_role_assignment.{officer[0]}"]
    for secret in synth.resources(env, "platform", "azurerm_key_vault_secret"):
        assert any(d.startswith("time_sleep.") for d in secret["depends_on"])


def test_prod_secrets_can_be_written_on_a_first_apply(synth):
    vault = synth.one("prod", "platform", "azurerm_key_vault")
    acls = vault["network_acls"]
    assert acls["default_action"] == "Deny" and vault["public_network_access_enabled"] is True
    assert acls["ip_rules"] == list(load_environment("prod").azure.network.deployer_cidrs)
    for secret in synth.resources("prod", "platform", "azurerm_key_vault_secret"):
        needs = " ".join(secret["depends_on"])
        assert "azurerm_private_endpoint.network_endpoint-vault" in needs
        assert "azurerm_private_dns_zone_virtual_network_link.network_link-vault" in needs


def test_prod_clusters_have_an_explicit_way_out(synth):
    subnets = synth.stack("prod", "platform")["resource"]["azurerm_subnet"]
    delegated = {
        f"${{azurerm_subnet.{key}.id}}"
        for key, s in subnets.items()
        if s.get("delegation") and s["default_outbound_access_enabled"] is False
    }
    assert len(delegated) == 2
    (nat,) = synth.stack("prod", "platform")["resource"]["azurerm_nat_gateway"]
    associations = synth.resources("prod", "platform", "azurerm_subnet_nat_gateway_association")
    assert {a["subnet_id"] for a in associations} == delegated
    assert all(nat in a["nat_gateway_id"] for a in associations)
    (address,) = synth.resources("prod", "platform", "azurerm_nat_gateway_public_ip_association")
    assert nat in address["nat_gateway_id"]
    assert not synth.resources("dev", "platform", "azurerm_nat_gateway")


@pytest.mark.parametrize("env", ENVS)
def test_readers_group_is_a_real_principal_and_reads_only_gold(synth, env):
    group = load_environment(env).azure.databricks.users_group
    (assignment,) = synth.resources(env, "workspace", "databricks_permission_assignment")
    assert assignment["group_name"] == group and assignment["permissions"] == ["USER"]
    ((key, lookup),) = synth.stack(env, "workspace")["data"]["databricks_group"].items()
    assert lookup["display_name"] == group
    assert lookup["depends_on"][0].startswith("databricks_permission_assignment.")
    reader = f"${{data.databricks_group.{key}.display_name}}"
    granted = {}
    for grants in synth.resources(env, "workspace", "databricks_grants"):
        securable = next(
            k for k in grants if k in ("catalog", "schema", "table", "external_location")
        )
        for grant in grants["grant"]:
            assert grant["principal"] != group, "grants name the group through the lookup"
            if grant["principal"] == reader:
                granted[securable] = grant["privileges"]
    assert granted == {"catalog": ["USE_CATALOG"], "schema": ["USE_SCHEMA"], "table": ["SELECT"]}


@pytest.mark.parametrize("env", ENVS)
def test_job_runs_as_its_own_principal_with_the_grants_it_needs(synth, env):
    job = synth.one(env, "workspace", "databricks_job")
    ((key, principal),) = synth.stack(env, "workspace")["resource"][
        "databricks_service_principal"
    ].items()
    assert "application_id" not in principal  # Databricks-managed: no secret exists
    me = f"${{databricks_service_principal.{key}.application_id}}"
    assert job["run_as"] == {"service_principal_name": me}
    (acl,) = synth.resources(env, "workspace", "databricks_secret_acl")
    assert (acl["principal"], acl["permission"]) == (me, "READ")
    mine = {}
    for grants in synth.resources(env, "workspace", "databricks_grants"):
        for grant in grants["grant"]:
            if grant["principal"] == me:
                mine.setdefault(
                    next(iter(k for k in grants if k != "grant" and k != "//")), []
                ).append(sorted(grant["privileges"]))
    assert mine["external_location"] == [["READ_FILES", "WRITE_FILES"]] * 2
    assert mine["schema"] == [["CREATE_TABLE", "MODIFY", "SELECT", "USE_SCHEMA"]]


@pytest.mark.parametrize("env", ENVS)
def test_the_job_runs_the_lts_runtime_of_the_local_spark(synth, env):
    import importlib.metadata

    job = synth.one(env, "workspace", "databricks_job")
    runtime = synth.stack(env, "workspace")["data"]["databricks_spark_version"]["runtime"]
    assert runtime["long_term_support"] is True and runtime["scala"] == "2.13"
    assert importlib.metadata.version("pyspark").startswith(runtime["spark_version"] + ".")
    assert job["job_cluster"][0]["new_cluster"]["spark_version"] == (
        "${data.databricks_spark_version.runtime.id}"
    )


@pytest.mark.parametrize("env", ENVS)
def test_the_databricks_provider_authenticates_through_entra_id_only(synth, env):
    (provider,) = synth.stack(env, "workspace")["provider"]["databricks"]
    assert provider["auth_type"] == load_environment(env).azure.databricks.auth_type
    assert provider["auth_type"].startswith(("azure-", "github-oidc-azure"))


@pytest.mark.parametrize("env", ENVS)
def test_no_event_hubs_consumer_group_that_nothing_uses(synth, env):
    assert not synth.resources(env, "platform", "azurerm_eventhub_consumer_group")


@pytest.mark.parametrize("env", ENVS)
def test_warehouse_auto_stop_is_what_the_api_accepts(synth, env):
    minutes = synth.one(env, "workspace", "databricks_sql_endpoint")["auto_stop_mins"]
    assert minutes >= 10  # "Must be == 0 or >= 10 mins"; 0 (never) is refused by our policy


@pytest.mark.parametrize("env", ENVS)
def test_state_is_remote_and_never_an_absolute_path(synth, env):
    backend = load_environment(env).azure.backend
    for kind in ("platform", "workspace"):
        stack = synth.stack(env, kind)
        (azurerm,) = stack["terraform"]["backend"].values()
        assert azurerm["storage_account_name"] == backend.storage_account
        assert azurerm["use_azuread_auth"] is True
        text = json.dumps(stack)
        assert str(synth.outdir) not in text and str(ROOT) not in text


def test_a_copy_without_remote_state_keeps_it_beside_the_checkout_by_a_relative_path(tmp_path):
    from cdktn import App

    from environments import parse_environment
    from infra.platform_stack import PlatformStack
    from infra.synthesized import local_state_path, stack_json
    from infra.workspace_stack import WorkspaceStack

    data = yaml.safe_load((ROOT / "environments" / "dev.yaml").read_text())
    del data["azure"]["backend"]
    path = tmp_path / "dev.yaml"
    path.write_text(yaml.safe_dump(data))
    env = parse_environment(path)
    app = App(outdir=str(tmp_path / "out"))
    WorkspaceStack(app, env, PlatformStack(app, env))
    app.synth()
    platform, workspace = Names.of(env).stacks
    for stack in (platform, workspace):
        assert stack_json(stack, tmp_path / "out")["terraform"]["backend"] == {
            "local": {"path": local_state_path(stack)}
        }
    (remote,) = stack_json(workspace, tmp_path / "out")["data"]["terraform_remote_state"].values()
    assert remote["config"]["path"] == local_state_path(platform)
    assert str(tmp_path) not in json.dumps(stack_json(workspace, tmp_path / "out"))


@pytest.mark.parametrize("env", ENVS)
def test_the_job_is_created_after_everything_its_first_run_reads(synth, env):
    """A continuous job starts the moment it exists."""
    needs = synth.one(env, "workspace", "databricks_job")["depends_on"]
    for kind in ("databricks_secret_acl.", "databricks_sql_table.", "databricks_workspace_file."):
        assert any(d.startswith(kind) for d in needs), kind
    grants = synth.stack(env, "workspace")["resource"]["databricks_grants"]
    assert {f"databricks_grants.{key}" for key in grants} <= set(needs)


@pytest.mark.parametrize("env", ENVS)
def test_readers_may_view_the_job_but_not_run_it_as_its_principal(synth, env):
    levels = {
        acl["permission_level"]
        for p in synth.resources(env, "workspace", "databricks_permissions")
        if "job_id" in p
        for acl in p["access_control"]
    }
    assert levels == {"CAN_VIEW"}


def test_prod_workspace_waits_for_its_subnets_egress(synth):
    workspace = synth.one("prod", "platform", "azurerm_databricks_workspace")
    assert (
        sum(
            d.startswith("azurerm_subnet_nat_gateway_association.") for d in workspace["depends_on"]
        )
        == 2
    )

"""Security- and cost-relevant properties of the synthesized stacks, and prod vs dev."""

import hashlib

import pytest

from contract import tables
from environments import load_environment
from infra.closure import ROOT, closure
from infra.components.base import tags

pytestmark = pytest.mark.infra
ENVS = ("dev", "prod")


@pytest.mark.parametrize("env", ENVS)
def test_event_hubs_is_kafka_capable_tls12_and_least_privilege(synth, env):
    namespace = synth.one(env, "platform", "azurerm_eventhub_namespace")
    assert namespace["sku"] in ("Standard", "Premium")
    assert namespace["minimum_tls_version"] == "1.2"
    rules = {
        r["name"]: r
        for r in synth.resources(env, "platform", "azurerm_eventhub_authorization_rule")
    }
    assert (rules["simulator-send"]["send"], rules["simulator-send"]["listen"]) == (True, False)
    assert (rules["pipeline-listen"]["send"], rules["pipeline-listen"]["listen"]) == (False, True)
    assert all(r["manage"] is False for r in rules.values())
    platform = synth.stack(env, "platform")["resource"]
    assert "azurerm_eventhub_namespace_authorization_rule" not in platform


@pytest.mark.parametrize("env", ENVS)
def test_lake_storage_is_locked_down(synth, env):
    account = synth.one(env, "platform", "azurerm_storage_account")
    assert account["is_hns_enabled"] is True
    assert account["min_tls_version"] == "TLS1_2"
    assert account["allow_nested_items_to_be_public"] is False
    assert account["shared_access_key_enabled"] is False
    assert account["infrastructure_encryption_enabled"] is True
    assert account["blob_properties"]["delete_retention_policy"]["days"] >= 1
    containers = synth.resources(env, "platform", "azurerm_storage_container")
    assert {c["name"] for c in containers} == {"lake", "checkpoints"}
    assert all(c["container_access_type"] == "private" for c in containers)


@pytest.mark.parametrize("env", ENVS)
def test_access_connector_gets_data_rights_on_containers_only(synth, env):
    roles = synth.resources(env, "platform", "azurerm_role_assignment")
    blob = [r for r in roles if r["role_definition_name"].startswith("Storage Blob")]
    assert {r["role_definition_name"] for r in blob} == {"Storage Blob Data Contributor"}
    assert all("azurerm_storage_container" in r["scope"] for r in blob)
    assert not any(r["role_definition_name"] in ("Owner", "Contributor") for r in roles)


@pytest.mark.parametrize("env", ENVS)
def test_every_taggable_resource_carries_the_tags(synth, env):
    expected = tags(load_environment(env))
    for rtype, resources in synth.stack(env, "platform")["resource"].items():
        for resource in resources.values():
            if "location" in resource:
                assert resource.get("tags") == expected, rtype


def test_demo_copies_expire_and_prod_does_not(synth):
    dev = synth.one("dev", "platform", "azurerm_resource_group")["tags"]
    prod = synth.one("prod", "platform", "azurerm_resource_group")["tags"]
    assert dev["expires-on"] == load_environment("dev").azure.expires_on.isoformat()
    assert "expires-on" not in prod


def test_throwaway_vault_is_purged_on_destroy_prod_is_protected(synth):
    def feature(env):
        return synth.stack(env, "platform")["provider"]["azurerm"][0]["features"][0]["key_vault"][0]

    assert synth.one("dev", "platform", "azurerm_key_vault")["purge_protection_enabled"] is False
    assert feature("dev")["purge_soft_delete_on_destroy"] is True
    assert synth.one("prod", "platform", "azurerm_key_vault")["purge_protection_enabled"] is True
    assert feature("prod")["purge_soft_delete_on_destroy"] is False
    for env in ENVS:
        assert synth.one(env, "platform", "azurerm_key_vault")["rbac_authorization_enabled"] is True


def test_prod_is_private_and_dev_is_not(synth):
    for rtype in ("azurerm_virtual_network", "azurerm_private_endpoint", "azurerm_subnet"):
        assert synth.resources("prod", "platform", rtype)
        assert not synth.resources("dev", "platform", rtype)
    endpoints = synth.resources("prod", "platform", "azurerm_private_endpoint")
    subresources = {e["private_service_connection"]["subresource_names"][0] for e in endpoints}
    assert subresources == {"dfs", "blob", "vault", "namespace"}
    prod_storage = synth.one("prod", "platform", "azurerm_storage_account")
    assert prod_storage["public_network_access_enabled"] is False
    assert (
        synth.one("prod", "platform", "azurerm_eventhub_namespace")["public_network_access_enabled"]
        is False
    )
    assert (
        synth.one("prod", "platform", "azurerm_key_vault")["network_acls"]["default_action"]
        == "Deny"
    )
    workspace = synth.one("prod", "platform", "azurerm_databricks_workspace")
    assert "virtual_network_id" in workspace["custom_parameters"]


@pytest.mark.parametrize("env", ENVS)
def test_workspace_is_premium_without_public_ips_and_logged(synth, env):
    workspace = synth.one(env, "platform", "azurerm_databricks_workspace")
    assert workspace["sku"] == "premium"
    assert workspace["custom_parameters"]["no_public_ip"] is True
    assert workspace["managed_resource_group_name"] != workspace["resource_group_name"]
    targets = " ".join(
        d["target_resource_id"]
        for d in synth.resources(env, "platform", "azurerm_monitor_diagnostic_setting")
    )
    for rtype in ("eventhub_namespace", "storage_account", "key_vault", "databricks_workspace"):
        assert f"azurerm_{rtype}." in targets


@pytest.mark.parametrize("env", ENVS)
def test_no_required_version_that_would_blind_checkov(synth, env):
    for kind in ("platform", "workspace"):
        assert "required_version" not in synth.stack(env, kind)["terraform"]


@pytest.mark.parametrize("env", ENVS)
def test_job_reads_the_listen_secret_by_reference(synth, env):
    job = synth.one(env, "workspace", "databricks_job")
    env_vars = job["job_cluster"][0]["new_cluster"]["spark_env_vars"]
    assert env_vars["EVENTHUB_CONNECTION_STRING"].startswith("{{secrets/")
    assert env_vars["EVENTHUB_CONNECTION_STRING"].endswith("/eventhub-listen}}")
    assert job["max_concurrent_runs"] == 1
    (task,) = job["task"]
    params = task["spark_python_task"]["parameters"]
    assert params[params.index("--lake-root") + 1].startswith("abfss://lake@")
    assert params[params.index("--bootstrap-servers") + 1].endswith(".servicebus.windows.net:9093")
    packages = {lib["pypi"]["package"].split("==")[0] for lib in task["library"]}
    assert {"pydantic", "pyyaml"} <= packages


@pytest.mark.parametrize("env", ENVS)
def test_one_task_runs_the_one_query_pipeline_so_one_process_creates_every_table(synth, env):
    (task,) = synth.one(env, "workspace", "databricks_job")["task"]
    assert task["spark_python_task"]["python_file"].endswith("/jobs/pipeline.py")
    assert "depends_on" not in task


def test_dev_is_scheduled_prod_runs_continuously(synth):
    dev = synth.one("dev", "workspace", "databricks_job")
    assert (
        dev["schedule"]["quartz_cron_expression"]
        == load_environment("dev").azure.databricks.schedule
    )
    assert "available-now" in dev["task"][0]["spark_python_task"]["parameters"]
    assert all(t["max_retries"] >= 1 and t["timeout_seconds"] > 0 for t in dev["task"])
    prod = synth.one("prod", "workspace", "databricks_job")
    assert "schedule" not in prod and prod["continuous"]["task_retry_mode"] == "ON_FAILURE"
    assert "continuous" in prod["task"][0]["spark_python_task"]["parameters"]
    assert (
        prod["job_cluster"][0]["new_cluster"]["num_workers"]
        > dev["job_cluster"][0]["new_cluster"]["num_workers"]
    )


def test_warehouse_stops_itself_and_prod_stays_in_the_network(synth):
    for env in ENVS:
        warehouse = synth.one(env, "workspace", "databricks_sql_endpoint")
        assert 0 < warehouse["auto_stop_mins"] <= 30
        assert warehouse["timeouts"]["create"] == "30m"
    assert synth.one("dev", "workspace", "databricks_sql_endpoint")["enable_serverless_compute"]
    assert not synth.one("prod", "workspace", "databricks_sql_endpoint")[
        "enable_serverless_compute"
    ]


@pytest.mark.parametrize("env", ENVS)
def test_tables_are_registered_where_the_job_writes_them(synth, env):
    job = synth.one(env, "workspace", "databricks_job")
    params = job["task"][0]["spark_python_task"]["parameters"]
    lake_root = params[params.index("--lake-root") + 1]
    for table in synth.resources(env, "workspace", "databricks_sql_table"):
        assert table["storage_location"] == f"{lake_root}/{table['name']}"
        assert table["table_type"] == "EXTERNAL" and table["data_source_format"] == "DELTA"
        layout = tables.TABLES[table["name"]]
        assert [(c["name"], c["type"]) for c in table["column"]] == [
            (c.name, c.type) for c in layout.columns
        ]
    scope = synth.one(env, "workspace", "databricks_secret_scope")
    assert scope["backend_type"] == "AZURE_KEYVAULT"


@pytest.mark.parametrize("env", ENVS)
def test_every_closure_file_is_uploaded_with_its_content_hash(synth, env):
    uploaded = {
        f["path"].split("/", 3)[3]: f
        for f in synth.resources(env, "workspace", "databricks_workspace_file")
    }
    assert set(uploaded) == set(closure().files)
    for relative, resource in uploaded.items():
        assert resource["md5"] == hashlib.md5((ROOT / relative).read_bytes()).hexdigest()


@pytest.mark.parametrize("env", ENVS)
def test_dashboard_queries_the_registered_tables(synth, env):
    dashboard = synth.one(env, "workspace", "databricks_dashboard")
    for table in synth.resources(env, "workspace", "databricks_sql_table"):
        assert table["name"] in dashboard["serialized_dashboard"]
    assert dashboard["embed_credentials"] is False

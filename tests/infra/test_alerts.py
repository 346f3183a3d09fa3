"""Every alert is in the synthesized JSON, watches the right resource and tells somebody.

The failure modes of the README's Observability table, on Azure: the job's health rules and
notifications, Azure Monitor's metric alerts on Event Hubs, the Databricks SQL alerts, and the
Lakeview health page, each held against the environment file it comes from.
"""

from __future__ import annotations

import json
import re

import pytest

from environments import load_environment
from infra.components.alerts import EVENT_HUBS, iso_window

pytestmark = pytest.mark.infra
ENVS = ("dev", "prod")
# Azure Monitor, "Supported metrics for Microsoft.EventHub/namespaces": Total is their aggregation.
EVENT_HUBS_METRICS = {
    "ThrottledRequests", "ServerErrors", "UserErrors", "IncomingMessages", "OutgoingMessages",
}  # fmt: skip
ISO_MINUTES = {"PT1M": 1, "PT5M": 5, "PT15M": 15, "PT30M": 30, "PT1H": 60, "PT6H": 360,
               "PT12H": 720, "P1D": 1440}  # fmt: skip


def resolved(value: str, stack: dict) -> str:
    """A `${type.key.attribute}` reference to a resource of the same stack, as its value."""
    found = re.fullmatch(r"\$\{([a-z_]+)\.([^.}]+)\.([a-z_]+)\}", value)
    return stack["resource"][found[1]][found[2]][found[3]] if found else value


def registered_names(synth, env: str) -> dict[str, str]:
    """Table name -> its quoted full name, from the registrations in the workspace stack."""
    workspace = synth.stack(env, "workspace")
    return {
        t["name"]: ".".join(
            f"`{resolved(part, workspace)}`" for part in (t["catalog_name"], t["schema_name"])
        )
        + f".`{t['name']}`"
        for t in synth.resources(env, "workspace", "databricks_sql_table")
    }


def ref(rtype: str, stack: dict, attribute: str = "id") -> str:
    (key,) = stack["resource"][rtype]
    return f"${{{rtype}.{key}.{attribute}}}"


@pytest.mark.parametrize("env", ENVS)
def test_the_job_has_backlog_health_rules_and_tells_the_environments_addresses(synth, env):
    told = load_environment(env).observability
    db = load_environment(env).azure.databricks
    job = synth.one(env, "workspace", "databricks_job")
    rules = {r["metric"]: r for r in job["health"]["rules"]}
    assert rules["STREAMING_BACKLOG_SECONDS"]["value"] == told.backlog_seconds
    assert rules["STREAMING_BACKLOG_RECORDS"]["value"] == told.backlog_records
    assert {r["op"] for r in rules.values()} == {"GREATER_THAN"}  # the only one the API takes
    emails = list(told.alert_emails)
    assert emails
    notes = job["email_notifications"]
    assert notes["on_failure"] == notes["on_streaming_backlog_exceeded"] == emails
    # A duration rule is for scheduled runs, and needs its own recipients to tell anybody.
    if db.continuous:
        assert "RUN_DURATION_SECONDS" not in rules
        assert "on_duration_warning_threshold_exceeded" not in notes
    else:
        assert rules["RUN_DURATION_SECONDS"]["value"] == told.run_duration_seconds
        assert told.run_duration_seconds < job["timeout_seconds"]
        assert notes["on_duration_warning_threshold_exceeded"] == emails


@pytest.mark.parametrize("env", ENVS)
def test_event_hubs_metric_alerts_watch_the_namespace_and_tell_the_action_group(synth, env):
    told = load_environment(env).observability
    platform = synth.stack(env, "platform")
    group = synth.one(env, "platform", "azurerm_monitor_action_group")
    assert [r["email_address"] for r in group["email_receiver"]] == list(told.alert_emails)
    assert 1 <= len(group["short_name"]) <= 12
    found = synth.resources(env, "platform", "azurerm_monitor_metric_alert")
    alerts = {a["name"].rsplit("-eventhubs-", 1)[1]: a for a in found}
    assert set(alerts) == {"throttled", "server-errors", "unread"}
    for alert in alerts.values():
        assert alert["scopes"] == [ref("azurerm_eventhub_namespace", platform)]
        assert alert["action"] == [
            {"action_group_id": ref("azurerm_monitor_action_group", platform)}
        ]
        assert ISO_MINUTES[alert["window_size"]] > ISO_MINUTES[alert["frequency"]]
        assert len(alert["criteria"]) <= 5  # ANDed conditions on one resource, at most five
        for c in alert["criteria"]:
            assert c["metric_namespace"] == EVENT_HUBS
            assert c["metric_name"] in EVENT_HUBS_METRICS and c["aggregation"] == "Total"
    metrics = {c["metric_name"]: c for c in alerts["unread"]["criteria"]}
    assert (metrics["IncomingMessages"]["operator"], metrics["IncomingMessages"]["threshold"]) == (
        "GreaterThan", 0,
    )  # fmt: skip
    assert (metrics["OutgoingMessages"]["operator"], metrics["OutgoingMessages"]["threshold"]) == (
        "LessThan", 1,
    )  # fmt: skip
    assert alerts["unread"]["window_size"] == iso_window(told.no_readers_minutes)


@pytest.mark.parametrize(("minutes", "iso"), [(5, "PT5M"), (30, "PT30M"), (60, "PT1H"),
                                              (720, "PT12H"), (1440, "P1D")])  # fmt: skip
def test_alert_windows_are_iso_8601(minutes, iso):
    assert iso_window(minutes) == iso


@pytest.mark.parametrize("env", ENVS)
def test_sql_alerts_ask_the_registered_tables_and_tell_the_environments_addresses(synth, env):
    told = load_environment(env).observability
    workspace = synth.stack(env, "workspace")
    full = registered_names(synth, env)
    assert set(full) == {"gold_order_minutes", "pipeline_progress", "silver_batches"}
    alerts = {a["display_name"].split(" ", 1)[1]: a
              for a in synth.resources(env, "workspace", "databricks_alert_v2")}  # fmt: skip
    expected = {
        "gold is stale": ("gold_order_minutes", "minutes_stale", told.gold_stale_minutes),
        "rejects are spiking": ("pipeline_progress", "reject_rate", told.reject_rate),
    }
    assert set(alerts) == set(expected)
    warehouse = ref("databricks_sql_endpoint", workspace)
    principal = ref("databricks_service_principal", workspace, "application_id")
    for title, (table, column, threshold) in expected.items():
        alert = alerts[title]
        assert f"FROM {full[table]}" in alert["query_text"]
        assert re.search(rf"\bAS {column}\b", alert["query_text"])
        evaluation = alert["evaluation"]
        assert evaluation["source"]["name"] == column
        assert evaluation["threshold"]["value"]["double_value"] == threshold
        subscribers = [s["user_email"] for s in evaluation["notification"]["subscriptions"]]
        assert subscribers == list(told.alert_emails)
        assert alert["warehouse_id"] == warehouse
        assert alert["run_as"] == {"service_principal_name": principal}
        assert re.fullmatch(r"0 0/\d+ \* \* \* \?", alert["schedule"]["quartz_cron_schedule"])
    # The alerts' principal may use the warehouse they run on.
    (permissions,) = [p for p in synth.resources(env, "workspace", "databricks_permissions")
                      if p.get("sql_endpoint_id") == warehouse]  # fmt: skip
    assert {"service_principal_name": principal, "permission_level": "CAN_USE"} in permissions[
        "access_control"
    ]


@pytest.mark.parametrize("env", ENVS)
def test_the_health_page_reads_the_registered_health_tables(synth, env):
    resource = synth.one(env, "workspace", "databricks_dashboard")
    dashboard = json.loads(resource["serialized_dashboard"])
    (health,) = [p for p in dashboard["pages"] if p["displayName"] == "Pipeline health"]
    used = {q["query"]["datasetName"] for w in health["layout"] for q in w["widget"]["queries"]}
    sql = "".join("".join(d["queryLines"]) for d in dashboard["datasets"] if d["name"] in used)
    for full in registered_names(synth, env).values():
        assert f"FROM {full}" in sql


@pytest.mark.parametrize("env", ENVS)
def test_the_health_tables_are_registered_with_the_contracts_retention(synth, env):
    from contract import tables

    registered = {t["name"]: t for t in synth.resources(env, "workspace", "databricks_sql_table")}
    for name, table in registered.items():
        assert table["properties"] == tables.TABLES[name].properties
    assert "delta.logRetentionDuration" in registered["pipeline_progress"]["properties"]

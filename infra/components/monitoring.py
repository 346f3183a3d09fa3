"""Log Analytics and the diagnostic settings that send each service's logs to it.

Azure accepts only the categories a resource type documents: a storage account's metrics are
`Transaction` and `Capacity`, never `AllMetrics`. Every setting takes its categories from
DIAGNOSTICS, and the tests hold the synthesized settings to the same table.
"""

from __future__ import annotations

from dataclasses import dataclass

from cdktn_provider_azurerm.log_analytics_workspace import LogAnalyticsWorkspace
from cdktn_provider_azurerm.monitor_diagnostic_setting import (
    MonitorDiagnosticSetting,
    MonitorDiagnosticSettingEnabledLog,
    MonitorDiagnosticSettingEnabledMetric,
)
from constructs import Construct

from infra.components.base import Deployment


@dataclass(frozen=True)
class Categories:
    """What one resource type's diagnostic settings may enable."""

    log_groups: tuple[str, ...] = ()  # category groups: allLogs, audit
    logs: tuple[str, ...] = ()  # single log categories, where the type has no groups
    metrics: tuple[str, ...] = ()


# From Azure Monitor's reference, "Supported categories for Azure Monitor resource logs" and
# "Supported metrics" (learn.microsoft.com/azure/azure-monitor/reference/supported-logs/... and
# .../supported-metrics/...), one page per type; category groups as Azure Policy's built-in
# "Enable logging by category group" definitions list them (audit, allLogs).
DIAGNOSTICS: dict[str, Categories] = {
    "Microsoft.EventHub/namespaces": Categories(log_groups=("allLogs",), metrics=("AllMetrics",)),
    # No resource logs at the account level; metrics in two categories.
    "Microsoft.Storage/storageAccounts": Categories(metrics=("Transaction", "Capacity")),
    # Capacity is measured once a day and the account's Capacity covers it.
    "Microsoft.Storage/storageAccounts/blobServices": Categories(
        logs=("StorageRead", "StorageWrite", "StorageDelete"), metrics=("Transaction",)
    ),
    "Microsoft.KeyVault/vaults": Categories(log_groups=("allLogs",), metrics=("AllMetrics",)),
    # Databricks publishes no platform metrics, only logs.
    "Microsoft.Databricks/workspaces": Categories(log_groups=("allLogs",)),
}


class Monitoring(Construct):
    def __init__(self, scope: Construct, id_: str, d: Deployment) -> None:
        super().__init__(scope, id_)
        self.workspace = LogAnalyticsWorkspace(
            self,
            "logs",
            name=d.names.log_analytics,
            **d.placement,
            sku="PerGB2018",
            retention_in_days=30,
        )

    def collect(self, id_: str, target_id: str, resource_type: str) -> None:
        """Every documented log and metric category of one resource, to the workspace."""
        categories = DIAGNOSTICS[resource_type]
        logs = [MonitorDiagnosticSettingEnabledLog(category_group=g) for g in categories.log_groups]
        logs += [MonitorDiagnosticSettingEnabledLog(category=c) for c in categories.logs]
        MonitorDiagnosticSetting(
            self,
            id_,
            name="to-log-analytics",
            target_resource_id=target_id,
            log_analytics_workspace_id=self.workspace.id,
            enabled_log=logs or None,
            enabled_metric=[
                MonitorDiagnosticSettingEnabledMetric(category=c) for c in categories.metrics
            ]
            or None,
        )

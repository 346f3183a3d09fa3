"""Log Analytics and the diagnostic settings that send each service's logs to it."""

from __future__ import annotations

from cdktn_provider_azurerm.log_analytics_workspace import LogAnalyticsWorkspace
from cdktn_provider_azurerm.monitor_diagnostic_setting import (
    MonitorDiagnosticSetting,
    MonitorDiagnosticSettingEnabledLog,
    MonitorDiagnosticSettingEnabledMetric,
)
from constructs import Construct

from infra.components.base import Deployment


class Monitoring(Construct):
    def __init__(self, scope: Construct, id_: str, d: Deployment) -> None:
        super().__init__(scope, id_)
        self.workspace = LogAnalyticsWorkspace(
            self,
            "logs",
            name=d.names.log_analytics,
            location=d.location,
            resource_group_name=d.resource_group,
            sku="PerGB2018",
            retention_in_days=30,
            tags=d.tags,
        )

    def collect(self, id_: str, target_id: str, *, logs: bool = True, metrics: bool = True) -> None:
        """All logs (category group) and all metrics of one resource, to the workspace."""
        MonitorDiagnosticSetting(
            self,
            id_,
            name="to-log-analytics",
            target_resource_id=target_id,
            log_analytics_workspace_id=self.workspace.id,
            enabled_log=[MonitorDiagnosticSettingEnabledLog(category_group="allLogs")]
            if logs
            else None,
            enabled_metric=[MonitorDiagnosticSettingEnabledMetric(category="AllMetrics")]
            if metrics
            else None,
        )

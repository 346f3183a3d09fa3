"""Azure Monitor: who is told (an action group), and Event Hubs' metric alerts.

Metric names, and Total as their one aggregation, are Azure Monitor's "Supported metrics for
Microsoft.EventHub/namespaces". Conditions of one rule are ANDed, up to five, on a single
resource ("Monitor multiple time series in a single metric alert rule"): that is how "messages
come in and none go out" is one rule. Links in the README, Observability.
"""

from __future__ import annotations

from cdktn_provider_azurerm.monitor_action_group import (
    MonitorActionGroup,
    MonitorActionGroupEmailReceiver,
)
from cdktn_provider_azurerm.monitor_metric_alert import (
    MonitorMetricAlert,
    MonitorMetricAlertAction,
    MonitorMetricAlertCriteria,
)
from constructs import Construct

from infra.components.base import Deployment

EVENT_HUBS = "Microsoft.EventHub/namespaces"
# An action group's short name, shown in e-mails and texts, is 1 to 12 characters.
SHORT_NAME_LENGTH = 12
# Errors and throttling are judged over 5 minutes, checked every minute.
ERRORS_WINDOW = "PT5M"


def iso_window(minutes: int) -> str:
    """A metric alert's window as ISO 8601 (PT5M ... PT12H, P1D)."""
    if minutes % 1440 == 0:
        return f"P{minutes // 1440}D"
    return f"PT{minutes // 60}H" if minutes % 60 == 0 else f"PT{minutes}M"


def _total(metric: str, operator: str, threshold: float) -> MonitorMetricAlertCriteria:
    return MonitorMetricAlertCriteria(
        metric_namespace=EVENT_HUBS,
        metric_name=metric,
        aggregation="Total",
        operator=operator,
        threshold=threshold,
    )


class AzureMonitorAlerts(Construct):
    """Who is told (an action group e-mailing observability.alert_emails in the common alert
    schema), and when: Event Hubs throttling, server errors, and messages nobody reads."""

    def __init__(self, scope: Construct, id_: str, d: Deployment, *, namespace_id: str) -> None:
        super().__init__(scope, id_)
        told, names = d.env.observability, d.names
        where = {"resource_group_name": d.resource_group, "tags": d.tags}
        self.group = MonitorActionGroup(
            self,
            "group",
            name=names.action_group,
            short_name=f"{d.env.app}{names.deployment}"[:SHORT_NAME_LENGTH],
            email_receiver=[
                MonitorActionGroupEmailReceiver(
                    name=f"email-{i}", email_address=address, use_common_alert_schema=True
                )
                for i, address in enumerate(told.alert_emails)
            ],
            **where,
        )
        rules = {
            "throttled": (
                "Event Hubs throttled requests: the throughput units are exhausted",
                [_total("ThrottledRequests", "GreaterThan", 0)], ERRORS_WINDOW, 2,
            ),
            "server-errors": (
                "Event Hubs server errors",
                [_total("ServerErrors", "GreaterThan", 0)], ERRORS_WINDOW, 2,
            ),
            "unread": (
                "Orders arrive in Event Hubs and nothing reads them",
                [_total("IncomingMessages", "GreaterThan", 0),
                 _total("OutgoingMessages", "LessThan", 1)],
                iso_window(told.no_readers_minutes), 1,
            ),
        }  # fmt: skip
        self.alerts = {
            key: MonitorMetricAlert(
                self,
                key,
                name=f"{names.stem}-eventhubs-{key}",
                description=description,
                scopes=[namespace_id],
                criteria=criteria,
                window_size=window,
                # Checked every minute for short windows, every 5 minutes for longer ones.
                frequency="PT1M" if window == ERRORS_WINDOW else "PT5M",
                severity=severity,
                action=[MonitorMetricAlertAction(action_group_id=self.group.id)],
                **where,
            )
            for key, (description, criteria, window, severity) in rules.items()
        }

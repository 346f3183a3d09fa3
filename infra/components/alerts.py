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

from environments.model import ObservabilitySettings

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


class ActionGroup(Construct):
    """E-mail to the environment's alert addresses, in Azure Monitor's common alert schema."""

    def __init__(
        self,
        scope: Construct,
        id_: str,
        settings: ObservabilitySettings,
        *,
        name: str,
        short_name: str,
        resource_group: str,
        tags: dict[str, str],
    ) -> None:
        super().__init__(scope, id_)
        self.group = MonitorActionGroup(
            self,
            "group",
            name=name,
            short_name=short_name[:SHORT_NAME_LENGTH],
            resource_group_name=resource_group,
            email_receiver=[
                MonitorActionGroupEmailReceiver(
                    name=f"email-{i}", email_address=address, use_common_alert_schema=True
                )
                for i, address in enumerate(settings.alert_emails)
            ],
            tags=tags,
        )


class EventHubsAlerts(Construct):
    """Throttling, server errors, and messages arriving that nobody reads."""

    def __init__(
        self,
        scope: Construct,
        id_: str,
        settings: ObservabilitySettings,
        *,
        prefix: str,
        namespace_id: str,
        action_group_id: str,
        resource_group: str,
        tags: dict[str, str],
    ) -> None:
        super().__init__(scope, id_)
        unread = iso_window(settings.no_readers_minutes)
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
                 _total("OutgoingMessages", "LessThan", 1)], unread, 1,
            ),
        }  # fmt: skip
        self.alerts = {
            key: MonitorMetricAlert(
                self,
                key,
                name=f"{prefix}-eventhubs-{key}",
                description=description,
                resource_group_name=resource_group,
                scopes=[namespace_id],
                criteria=criteria,
                window_size=window,
                # Checked every minute for short windows, every 5 minutes for longer ones.
                frequency="PT1M" if window == ERRORS_WINDOW else "PT5M",
                severity=severity,
                action=[MonitorMetricAlertAction(action_group_id=action_group_id)],
                tags=tags,
            )
            for key, (description, criteria, window, severity) in rules.items()
        }

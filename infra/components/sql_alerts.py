"""Databricks SQL alerts: gold not changing, and rejects spiking, told by e-mail.

`databricks_alert_v2` (the SQL alerts of today) holds its query, schedule and subscribers
itself: no saved query and no job to run it. The questions are dashboard.health_sql's, the
same the local dashboard and `make status` answer.
"""

from __future__ import annotations

from cdktn_provider_databricks.alert_v2 import (
    AlertV2,
    AlertV2Evaluation,
    AlertV2EvaluationNotification,
    AlertV2EvaluationNotificationSubscriptions,
    AlertV2EvaluationSource,
    AlertV2EvaluationThreshold,
    AlertV2EvaluationThresholdValue,
    AlertV2RunAs,
    AlertV2Schedule,
)
from constructs import Construct

from contract.tables import GOLD, PIPELINE_PROGRESS
from dashboard import health_sql
from infra.components.base import Deployment

# A condition that holds is told again at most this often (seconds); 0 would tell it once.
RETELL_AFTER = 3600


def quoted(*parts: str) -> str:
    return ".".join(f"`{part}`" for part in parts)


class SqlAlerts(Construct):
    """Both alerts run as the job's service principal, which may read the tables they ask."""

    def __init__(
        self, scope: Construct, id_: str, d: Deployment, *, warehouse_id: str, run_as: str
    ) -> None:
        super().__init__(scope, id_)
        settings, names = d.env.observability, d.names
        gold, progress = (quoted(names.catalog, d.env.app, t) for t in (GOLD, PIPELINE_PROGRESS))
        every = settings.sql_alerts_every_minutes
        schedule = AlertV2Schedule(quartz_cron_schedule=f"0 0/{every} * * * ?", timezone_id="UTC")
        tell = AlertV2EvaluationNotification(
            notify_on_ok=True,
            retrigger_seconds=RETELL_AFTER,
            subscriptions=[
                AlertV2EvaluationNotificationSubscriptions(user_email=e)
                for e in settings.alert_emails
            ],
        )

        def alert(name: str, title: str, sql: str, column: str, threshold: float) -> AlertV2:
            return AlertV2(
                self,
                name,
                display_name=f"{names.stem} {title}",
                parent_path=names.workspace_root,
                warehouse_id=warehouse_id,
                query_text=sql,
                evaluation=AlertV2Evaluation(
                    source=AlertV2EvaluationSource(name=column),
                    comparison_operator="GREATER_THAN",
                    threshold=AlertV2EvaluationThreshold(
                        value=AlertV2EvaluationThresholdValue(double_value=threshold)
                    ),
                    # No row at all means the query could not answer: say so.
                    empty_result_state="TRIGGERED",
                    notification=tell,
                ),
                schedule=schedule,
                run_as=AlertV2RunAs(service_principal_name=run_as),
                purge_on_delete=d.azure.throwaway,  # a throwaway copy leaves no trash
            )

        self.gold_stale = alert(
            "gold-stale",
            "gold is stale",
            health_sql.gold_minutes_stale(gold),
            "minutes_stale",
            settings.gold_stale_minutes,
        )
        self.rejects = alert(
            "rejects-spiking",
            "rejects are spiking",
            health_sql.reject_rate(progress),
            "reject_rate",
            settings.reject_rate,
        )

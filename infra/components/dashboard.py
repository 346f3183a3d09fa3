"""The Lakeview dashboard (orders and pipeline health), as `dashboard.lakeview` defines it."""

from __future__ import annotations

from cdktn_provider_databricks.dashboard import Dashboard
from cdktn_provider_databricks.permissions import Permissions, PermissionsAccessControl
from constructs import Construct

from dashboard.lakeview import serialized_dashboard


class LakeviewDashboard(Construct):
    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        name: str,
        parent_path: str,
        warehouse_id: str,
        schema: str,
        group: str,
    ) -> None:
        super().__init__(scope, id_)
        self.dashboard = Dashboard(
            self,
            "dashboard",
            display_name=name,
            parent_path=parent_path,
            warehouse_id=warehouse_id,
            serialized_dashboard=serialized_dashboard(schema),
            embed_credentials=False,  # viewers see only what their own grants allow
        )
        Permissions(
            self,
            "permissions",
            dashboard_id=self.dashboard.dashboard_id,
            access_control=[PermissionsAccessControl(group_name=group, permission_level="CAN_RUN")],
        )

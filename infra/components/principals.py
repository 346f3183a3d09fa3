"""Who acts in the workspace: the readers' group, from the account, and the job's identity."""

from __future__ import annotations

from cdktn_provider_databricks.data_databricks_group import DataDatabricksGroup
from cdktn_provider_databricks.permission_assignment import PermissionAssignment
from cdktn_provider_databricks.service_principal import ServicePrincipal
from constructs import Construct


class ReadersGroup(Construct):
    """An account-level group made a user of this workspace, then looked up by name.

    The assignment fails at once when the account has no such group, and every grant below
    names the group through the lookup, so none is attempted for a principal that is not there.
    """

    def __init__(self, scope: Construct, id_: str, *, name: str) -> None:
        super().__init__(scope, id_)
        assignment = PermissionAssignment(self, "assignment", group_name=name, permissions=["USER"])
        self.lookup = DataDatabricksGroup(
            self, "lookup", display_name=name, depends_on=[assignment]
        )

    @property
    def name(self) -> str:
        return self.lookup.display_name


class JobPrincipal(Construct):
    """A Databricks-managed service principal the job runs as: no secret, and its grants only."""

    def __init__(self, scope: Construct, id_: str, *, name: str) -> None:
        super().__init__(scope, id_)
        self.principal = ServicePrincipal(self, "principal", display_name=name)

    @property
    def application_id(self) -> str:
        return self.principal.application_id

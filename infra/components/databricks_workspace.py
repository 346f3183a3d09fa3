"""The Azure Databricks workspace and the access connector whose identity reaches the lake."""

from __future__ import annotations

from cdktn_provider_azurerm.databricks_access_connector import (
    DatabricksAccessConnector,
    DatabricksAccessConnectorIdentity,
)
from cdktn_provider_azurerm.databricks_workspace import (
    DatabricksWorkspace,
    DatabricksWorkspaceCustomParameters,
)
from cdktn_provider_azurerm.role_assignment import RoleAssignment
from constructs import Construct

from infra.components.base import Deployment
from infra.components.network import PrivateNetwork


class AccessConnector(Construct):
    """A managed identity for Unity Catalog; it gets data rights on the lake containers only."""

    def __init__(self, scope: Construct, id_: str, d: Deployment) -> None:
        super().__init__(scope, id_)
        self.connector = DatabricksAccessConnector(
            self,
            "connector",
            name=d.names.access_connector,
            **d.placement,
            identity=DatabricksAccessConnectorIdentity(type="SystemAssigned"),
        )

    def may_write(self, id_: str, container_id: str) -> None:
        """Least privilege: Blob Data Contributor scoped to one container, not the account."""
        RoleAssignment(
            self,
            id_,
            scope=container_id,
            principal_id=self.connector.identity.principal_id,
            role_definition_name="Storage Blob Data Contributor",
        )


class Workspace(Construct):
    def __init__(
        self, scope: Construct, id_: str, d: Deployment, network: PrivateNetwork | None
    ) -> None:
        super().__init__(scope, id_)
        injected = {}
        if network is not None:
            injected = {
                "virtual_network_id": network.vnet.id,
                "public_subnet_name": network.host.name,
                "private_subnet_name": network.container.name,
                "public_subnet_network_security_group_association_id": network.host_nsg.id,
                "private_subnet_network_security_group_association_id": network.container_nsg.id,
            }
        self.workspace = DatabricksWorkspace(
            self,
            "workspace",
            name=d.names.databricks_workspace,
            **d.placement,
            managed_resource_group_name=d.names.databricks_managed_resource_group,
            sku="premium",  # Unity Catalog, secret scopes backed by Key Vault, SQL warehouses
            infrastructure_encryption_enabled=True,
            # Secure cluster connectivity: cluster nodes get no public IP.
            custom_parameters=DatabricksWorkspaceCustomParameters(no_public_ip=True, **injected),
            network_security_group_rules_required="AllRules" if network else None,
            # Not while the NAT gateway is being attached to the same subnets.
            depends_on=network.egress if network else None,
        )

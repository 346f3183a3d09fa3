"""Key Vault (RBAC) holding the Event Hubs connection strings, and who may read them."""

from __future__ import annotations

from cdktn_provider_azurerm.key_vault import KeyVault, KeyVaultNetworkAcls
from cdktn_provider_azurerm.key_vault_secret import KeyVaultSecret
from cdktn_provider_azurerm.role_assignment import RoleAssignment
from constructs import Construct

from infra.components.base import Deployment

SEND_SECRET = "eventhub-send"
LISTEN_SECRET = "eventhub-listen"


class Vault(Construct):
    def __init__(
        self, scope: Construct, id_: str, d: Deployment, *, tenant_id: str, deployer_id: str
    ) -> None:
        super().__init__(scope, id_)
        self._d = d
        azure = d.azure
        self.vault = KeyVault(
            self,
            "vault",
            name=d.names.key_vault,
            location=d.location,
            resource_group_name=d.resource_group,
            tenant_id=tenant_id,
            sku_name="standard",
            rbac_authorization_enabled=True,
            soft_delete_retention_days=azure.key_vault.soft_delete_days,
            # Throwaway copies are purged on destroy (provider feature) so they can be recreated.
            purge_protection_enabled=not azure.throwaway,
            # Databricks reads the secret scope as a trusted Microsoft service: that bypass
            # needs the firewall (default Deny), which private environments turn on.
            public_network_access_enabled=True,
            network_acls=KeyVaultNetworkAcls(
                default_action="Deny" if azure.private_networking else "Allow",
                bypass="AzureServices",
            ),
            tags=d.tags,
        )
        # Terraform itself writes the secrets.
        self.writer = self.grant("deployer", deployer_id, "Key Vault Secrets Officer")

    def grant(self, id_: str, principal_id: str, role: str) -> RoleAssignment:
        return RoleAssignment(
            self,
            id_,
            scope=self.vault.id,
            principal_id=principal_id,
            role_definition_name=role,
        )

    def secret(self, id_: str, name: str, value: str) -> KeyVaultSecret:
        """The value is a reference resolved at apply time; it never appears in the output."""
        return KeyVaultSecret(
            self,
            id_,
            name=name,
            key_vault_id=self.vault.id,
            value=value,
            content_type="connection-string",
            expiration_date=f"{self._d.azure.secrets_expire_on.isoformat()}T00:00:00Z",
            depends_on=[self.writer],
        )

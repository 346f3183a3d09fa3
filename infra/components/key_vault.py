"""Key Vault (RBAC) holding the Event Hubs connection strings, and who may read them."""

from __future__ import annotations

from cdktn_provider_azurerm.key_vault import KeyVault, KeyVaultNetworkAcls
from cdktn_provider_azurerm.key_vault_secret import KeyVaultSecret
from cdktn_provider_azurerm.role_assignment import RoleAssignment
from cdktn_provider_time.sleep import Sleep
from constructs import Construct

from infra.components.base import Deployment

SEND_SECRET = "eventhub-send"
LISTEN_SECRET = "eventhub-listen"
# A new role assignment reaches Key Vault's data plane minutes later; a secret written before
# then fails with 403 ForbiddenByRbac (azurerm issue 23927; "Troubleshoot Azure RBAC": changes
# can take minutes to take effect). The secrets wait this long after the deployer's role.
RBAC_PROPAGATION = "5m"


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
            **d.placement,
            tenant_id=tenant_id,
            sku_name="standard",
            rbac_authorization_enabled=True,
            soft_delete_retention_days=azure.key_vault.soft_delete_days,
            # Throwaway copies are purged on destroy (provider feature) so they can be recreated.
            purge_protection_enabled=not azure.throwaway,
            # Databricks reads the secret scope as a trusted Microsoft service: that bypass
            # needs the firewall (default Deny), which private environments turn on.
            public_network_access_enabled=True,
            # ...and admits the deployer's public address, so that a first apply can write the
            # secrets from outside a VNet that the same apply creates.
            network_acls=KeyVaultNetworkAcls(
                default_action="Deny" if azure.private_networking else "Allow",
                bypass="AzureServices",
                ip_rules=list(azure.network.deployer_cidrs) if azure.private_networking else None,
            ),
        )
        # Terraform itself writes the secrets, once the role has reached the data plane.
        writer = self.grant("deployer", deployer_id, "Key Vault Secrets Officer")
        self.writable = [
            Sleep(self, "rbac-propagation", create_duration=RBAC_PROPAGATION, depends_on=[writer])
        ]

    def reachable_through(self, *dependencies) -> None:
        """Secrets are written only after these exist (the vault's private endpoint and DNS)."""
        self.writable.extend(dependencies)

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
            depends_on=self.writable,
        )

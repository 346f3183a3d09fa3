"""A Databricks secret scope backed by the platform's Key Vault: no secret is copied anywhere."""

from __future__ import annotations

from cdktn_provider_databricks.secret_scope import SecretScope, SecretScopeKeyvaultMetadata
from constructs import Construct


class KeyVaultScope(Construct):
    def __init__(
        self, scope: Construct, id_: str, *, name: str, vault_id: str, vault_uri: str
    ) -> None:
        super().__init__(scope, id_)
        self.scope = SecretScope(
            self,
            "scope",
            name=name,
            backend_type="AZURE_KEYVAULT",
            keyvault_metadata=SecretScopeKeyvaultMetadata(resource_id=vault_id, dns_name=vault_uri),
        )

    def reference(self, key: str) -> str:
        """Resolved by Databricks on the cluster, e.g. in spark_env_vars."""
        return f"{{{{secrets/{self.scope.name}/{key}}}}}"

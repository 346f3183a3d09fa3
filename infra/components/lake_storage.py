"""ADLS Gen2 storage for the Delta lake and the streaming checkpoints: locked down by default."""

from __future__ import annotations

from cdktn_provider_azurerm.storage_account import (
    StorageAccount,
    StorageAccountBlobProperties,
    StorageAccountBlobPropertiesContainerDeleteRetentionPolicy,
    StorageAccountBlobPropertiesDeleteRetentionPolicy,
    StorageAccountNetworkRules,
    StorageAccountNetworkRulesPrivateLinkAccess,
    StorageAccountSasPolicy,
)
from cdktn_provider_azurerm.storage_container import StorageContainer
from constructs import Construct

from infra.components.base import Deployment

LAKE = "lake"
CHECKPOINTS = "checkpoints"


class LakeStorage(Construct):
    def __init__(self, scope: Construct, id_: str, d: Deployment, access_connector_id: str) -> None:
        super().__init__(scope, id_)
        settings = d.azure.storage
        retention = settings.soft_delete_days
        self.account = StorageAccount(
            self,
            "account",
            name=d.names.storage_account,
            **d.placement,
            account_kind="StorageV2",
            account_tier="Standard",
            account_replication_type=settings.replication,
            is_hns_enabled=True,  # ADLS Gen2: directories, atomic renames for Delta
            min_tls_version="TLS1_2",
            https_traffic_only_enabled=True,
            allow_nested_items_to_be_public=False,
            # Everything authenticates with Entra ID: Unity Catalog through the access
            # connector's managed identity, Terraform with storage_use_azuread.
            shared_access_key_enabled=False,
            default_to_oauth_authentication=True,
            local_user_enabled=False,
            sftp_enabled=False,
            cross_tenant_replication_enabled=False,
            infrastructure_encryption_enabled=True,
            sas_policy=StorageAccountSasPolicy(expiration_period="00.01:00:00"),
            blob_properties=StorageAccountBlobProperties(
                delete_retention_policy=StorageAccountBlobPropertiesDeleteRetentionPolicy(
                    days=retention
                ),
                container_delete_retention_policy=(
                    StorageAccountBlobPropertiesContainerDeleteRetentionPolicy(days=retention)
                ),
            ),
            # Private: only private endpoints (the VNet-injected clusters) get in.
            public_network_access_enabled=not d.azure.private_networking,
            network_rules=StorageAccountNetworkRules(
                default_action="Deny",
                bypass=["AzureServices", "Logging", "Metrics"],
                private_link_access=[
                    StorageAccountNetworkRulesPrivateLinkAccess(
                        endpoint_resource_id=access_connector_id
                    )
                ],
            )
            if d.azure.private_networking
            else None,
        )
        self.lake, self.checkpoints = (
            StorageContainer(
                self,
                container,
                name=container,
                storage_account_id=self.account.id,
                container_access_type="private",
            )
            for container in (LAKE, CHECKPOINTS)
        )

    def url(self, container: str, path: str = "") -> str:
        return self.container_url(self.account.name, container, path)

    @staticmethod
    def container_url(account: str, container: str, path: str = "") -> str:
        """The container's root ends in "/"; a path inside it never has a doubled or final one."""
        parts = [p for p in path.split("/") if p]
        return f"abfss://{container}@{account}.dfs.core.windows.net/" + "/".join(parts)

    @property
    def blob_service_id(self) -> str:
        return f"{self.account.id}/blobServices/default"

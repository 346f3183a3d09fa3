"""The platform stack (azurerm): everything in Azure that the pipeline runs on."""

from __future__ import annotations

from dataclasses import dataclass

from cdktn import TerraformOutput, TerraformStack, TerraformVariable
from cdktn_provider_azurerm.data_azurerm_client_config import DataAzurermClientConfig
from cdktn_provider_azurerm.provider import (
    AzurermProvider,
    AzurermProviderFeatures,
    AzurermProviderFeaturesKeyVault,
    AzurermProviderFeaturesResourceGroup,
)
from cdktn_provider_azurerm.resource_group import ResourceGroup
from cdktn_provider_time.provider import TimeProvider
from constructs import Construct

from environments import Environment
from infra.components.alerts import AzureMonitorAlerts
from infra.components.base import Deployment, tags
from infra.components.databricks_workspace import AccessConnector, Workspace
from infra.components.event_hubs import EventHubs
from infra.components.key_vault import LISTEN_SECRET, SEND_SECRET, Vault
from infra.components.lake_storage import LakeStorage
from infra.components.monitoring import Monitoring
from infra.components.network import PrivateNetwork
from infra.components.state_backend import state_backend
from infra.naming import Names

# The Entra ID object id of the "AzureDatabricks" application differs per tenant; `infra.cli`
# looks it up with the Azure CLI (az ad sp show --id <DATABRICKS_APP_ID>).
DATABRICKS_APP_ID = "2ff814a6-3304-4ab8-85cb-cd0e6f879c1d"
DATABRICKS_SP_VARIABLE = "azure_databricks_sp_object_id"


@dataclass(frozen=True)
class PlatformOutputs:
    """What the workspace stack takes from the platform stack: every value a Terraform
    reference that cdktn turns into a cross-stack output."""

    resource_group: str
    workspace_id: str
    workspace_url: str
    vault_id: str
    vault_uri: str
    access_connector_id: str
    bootstrap_servers: str
    storage_account: str

    def lake_url(self, container: str, path: str = "") -> str:
        return LakeStorage.container_url(self.storage_account, container, path)


class PlatformStack(TerraformStack):
    def __init__(self, scope: Construct, env: Environment) -> None:
        names = Names.of(env)
        super().__init__(scope, names.platform_stack())
        azure = env.azure
        state_backend(self, env, names.platform_stack())
        AzurermProvider(
            self,
            "azurerm",
            storage_use_azuread=True,
            features=[
                AzurermProviderFeatures(
                    key_vault=[
                        AzurermProviderFeaturesKeyVault(
                            purge_soft_delete_on_destroy=azure.throwaway,
                            recover_soft_deleted_key_vaults=not azure.throwaway,
                        )
                    ],
                    resource_group=[
                        AzurermProviderFeaturesResourceGroup(
                            prevent_deletion_if_contains_resources=not azure.throwaway
                        )
                    ],
                )
            ],
        )
        TimeProvider(self, "time")
        client = DataAzurermClientConfig(self, "client")
        databricks_sp = TerraformVariable(
            self,
            DATABRICKS_SP_VARIABLE,
            type="string",
            description="Object id of the AzureDatabricks service principal in this tenant",
        )
        group = ResourceGroup(
            self, "group", name=names.resource_group, location=azure.location, tags=tags(env)
        )
        d = Deployment(env, names, group.name)

        network = PrivateNetwork(self, "network", d) if azure.private_networking else None
        monitoring = Monitoring(self, "monitoring", d)
        self.event_hubs = EventHubs(self, "event-hubs", d)
        connector = AccessConnector(self, "access-connector", d)
        self.storage = LakeStorage(self, "lake-storage", d, connector.connector.id)
        connector.may_write("lake-writer", self.storage.lake.id)
        connector.may_write("checkpoints-writer", self.storage.checkpoints.id)

        self.vault = Vault(
            self, "key-vault", d, tenant_id=client.tenant_id, deployer_id=client.object_id
        )
        # The Key Vault-backed secret scope reads as the AzureDatabricks application.
        self.vault.grant("databricks-reader", databricks_sp.string_value, "Key Vault Secrets User")
        self.workspace = Workspace(self, "databricks", d, network)
        self.connector = connector

        for id_, target, resource_type in (
            ("event-hubs", self.event_hubs.namespace.id, "Microsoft.EventHub/namespaces"),
            ("storage", self.storage.account.id, "Microsoft.Storage/storageAccounts"),
            (
                "blob",
                self.storage.blob_service_id,
                "Microsoft.Storage/storageAccounts/blobServices",
            ),
            ("key-vault", self.vault.vault.id, "Microsoft.KeyVault/vaults"),
            ("databricks", self.workspace.workspace.id, "Microsoft.Databricks/workspaces"),
        ):
            monitoring.collect(f"{id_}-diagnostics", target, resource_type)
        if network is not None:
            network.endpoint("dfs", self.storage.account.id, "dfs")
            network.endpoint("blob", self.storage.account.id, "blob")
            vault_endpoint = network.endpoint("vault", self.vault.vault.id, "vault")
            network.endpoint("eventhubs", self.event_hubs.namespace.id, "namespace")
            self.vault.reachable_through(vault_endpoint, network.links["vault"])
        AzureMonitorAlerts(self, "monitor-alerts", d, namespace_id=self.event_hubs.namespace.id)
        self.vault.secret("send", SEND_SECRET, self.event_hubs.send_rule.primary_connection_string)
        self.vault.secret(
            "listen", LISTEN_SECRET, self.event_hubs.listen_rule.primary_connection_string
        )

        self.outputs = PlatformOutputs(
            resource_group=group.name,
            workspace_id=self.workspace.workspace.id,
            workspace_url=self.workspace.workspace.workspace_url,
            vault_id=self.vault.vault.id,
            vault_uri=self.vault.vault.vault_uri,
            access_connector_id=connector.connector.id,
            bootstrap_servers=self.event_hubs.bootstrap_servers,
            storage_account=self.storage.account.name,
        )
        outputs = {
            "resource_group": group.name,
            "workspace_url": self.workspace.workspace.workspace_url,
            "eventhubs_bootstrap_servers": self.event_hubs.bootstrap_servers,
            "key_vault_name": self.vault.vault.name,
            "storage_account_name": self.storage.account.name,
        }
        for key, value in outputs.items():
            TerraformOutput(self, key, value=value)

"""Unity Catalog: the lake reached through the access connector, and gold registered for SQL.

A storage credential (the access connector's managed identity) and external locations for
the lake and checkpoint containers; a catalog and schema for this deployment; the gold table
as an external Delta table at the location the gold job writes.
"""

from __future__ import annotations

import re

from cdktn_provider_databricks.catalog import Catalog
from cdktn_provider_databricks.external_location import ExternalLocation
from cdktn_provider_databricks.grants import Grants, GrantsGrant
from cdktn_provider_databricks.schema import Schema
from cdktn_provider_databricks.sql_table import SqlTable, SqlTableColumn
from cdktn_provider_databricks.storage_credential import (
    StorageCredential,
    StorageCredentialAzureManagedIdentity,
)
from constructs import Construct

from contract.tables import GOLD, GOLD_DDL, GOLD_PARTITION
from infra.components.base import Deployment


def ddl_columns(ddl: str) -> list[tuple[str, str]]:
    """'a INT, b DECIMAL(18,2)' -> [('a', 'INT'), ('b', 'DECIMAL(18,2)')]; commas in types kept."""
    parts = re.split(r",\s*(?![^()]*\))", ddl.strip())
    return [tuple(part.strip().split(None, 1)) for part in parts if part.strip()]


class UnityCatalog(Construct):
    def __init__(
        self,
        scope: Construct,
        id_: str,
        d: Deployment,
        *,
        access_connector_id: str,
        lake_url: str,
        checkpoints_url: str,
    ) -> None:
        super().__init__(scope, id_)
        throwaway = d.azure.throwaway
        group = d.azure.databricks.users_group
        prefix = d.names.uc_prefix
        # A private lake is unreachable from the control plane, where validation runs.
        private = {"skip_validation": d.azure.private_networking}
        credential = StorageCredential(
            self,
            "credential",
            name=prefix,
            azure_managed_identity=StorageCredentialAzureManagedIdentity(
                access_connector_id=access_connector_id
            ),
            comment="The lake, through the access connector's managed identity",
            force_destroy=throwaway,
            **private,
        )
        self.lake = ExternalLocation(
            self,
            "lake",
            name=f"{prefix}-lake",
            url=lake_url,
            credential_name=credential.name,
            force_destroy=throwaway,
            **private,
        )
        self.checkpoints = ExternalLocation(
            self,
            "checkpoints",
            name=f"{prefix}-checkpoints",
            url=checkpoints_url,
            credential_name=credential.name,
            force_destroy=throwaway,
            **private,
        )
        self.catalog = Catalog(
            self,
            "catalog",
            name=d.names.catalog,
            storage_root=f"{lake_url}/_catalog",
            force_destroy=throwaway,
            depends_on=[self.lake],
        )
        self.schema = Schema(
            self, "schema", catalog_name=self.catalog.name, name=d.env.app, force_destroy=throwaway
        )
        Grants(
            self,
            "catalog-grants",
            catalog=self.catalog.name,
            grant=[GrantsGrant(principal=group, privileges=["USE_CATALOG"])],
        )
        Grants(
            self,
            "schema-grants",
            schema=f"{self.catalog.name}.{self.schema.name}",
            grant=[GrantsGrant(principal=group, privileges=["USE_SCHEMA", "SELECT"])],
        )
        Grants(
            self,
            "lake-grants",
            external_location=self.lake.name,
            grant=[GrantsGrant(principal=group, privileges=["READ_FILES"])],
        )

    def gold_table(self, location: str, warehouse_id: str) -> SqlTable:
        """Created empty with the contract's layout; the gold job appends to the same Delta log."""
        return SqlTable(
            self,
            "gold",
            catalog_name=self.catalog.name,
            schema_name=self.schema.name,
            name=GOLD,
            table_type="EXTERNAL",
            data_source_format="DELTA",
            storage_location=location,
            partitions=list(GOLD_PARTITION),
            column=[SqlTableColumn(name=n, type=t) for n, t in ddl_columns(GOLD_DDL)],
            warehouse_id=warehouse_id,
            depends_on=[self.lake],
        )

    def table_name(self, table: str) -> str:
        return f"{self.catalog.name}.{self.schema.name}.{table}"

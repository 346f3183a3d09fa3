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
    """Least privilege: the job's principal reads and writes the two containers and the schema;
    readers get the catalog and schema to browse and SELECT on gold, never the files beneath."""

    def __init__(
        self,
        scope: Construct,
        id_: str,
        d: Deployment,
        *,
        access_connector_id: str,
        lake_url: str,
        checkpoints_url: str,
        catalog_root: str,
        readers: str,
        writer: str,
    ) -> None:
        super().__init__(scope, id_)
        self._readers, self._writer = readers, writer
        self.grants: list[Grants] = []
        throwaway = d.azure.throwaway
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
        self.lake, self.checkpoints = (
            ExternalLocation(
                self,
                kind,
                name=f"{prefix}-{kind}",
                url=url,
                credential_name=credential.name,
                force_destroy=throwaway,
                **private,
            )
            for kind, url in (("lake", lake_url), ("checkpoints", checkpoints_url))
        )
        self.catalog = Catalog(
            self,
            "catalog",
            name=d.names.catalog,
            storage_root=catalog_root,
            force_destroy=throwaway,
            depends_on=[self.lake],
        )
        self.schema = Schema(
            self, "schema", catalog_name=self.catalog.name, name=d.env.app, force_destroy=throwaway
        )
        self._grant(
            "catalog-grants",
            catalog=self.catalog.name,
            readers=["USE_CATALOG"],
            writer=["USE_CATALOG"],
        )
        self._grant(
            "schema-grants",
            schema=f"{self.catalog.name}.{self.schema.name}",
            readers=["USE_SCHEMA"],
            writer=["USE_SCHEMA", "CREATE_TABLE", "SELECT", "MODIFY"],
        )
        for location in (self.lake, self.checkpoints):
            self._grant(
                f"{location.node.id}-grants",
                external_location=location.name,
                writer=["READ_FILES", "WRITE_FILES"],
            )

    def _grant(
        self,
        id_: str,
        *,
        readers: tuple[str, ...] = (),
        writer: tuple[str, ...] = (),
        **securable: str,
    ) -> Grants:
        """One authoritative grant list per securable, for both principals."""
        grants = [(self._readers, readers), (self._writer, writer)]
        grant = Grants(
            self,
            id_,
            grant=[GrantsGrant(principal=p, privileges=list(v)) for p, v in grants if v],
            **securable,
        )
        self.grants.append(grant)
        return grant

    def gold_table(self, location: str, warehouse_id: str) -> SqlTable:
        """Created empty with the contract's layout; the gold job appends to the same Delta log."""
        table = SqlTable(
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
        self._grant("gold-grants", table=table.id, readers=["SELECT"], writer=["SELECT", "MODIFY"])
        return table

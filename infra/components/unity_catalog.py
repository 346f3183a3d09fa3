"""Unity Catalog: the lake reached through the access connector, and the tables SQL reads.

A storage credential (the access connector's managed identity) and external locations for
the lake and checkpoint containers; a catalog and schema for this deployment; gold, and the
two tables the health page and alerts read (pipeline_progress, silver_batches), as external
Delta tables at the locations the job writes.
"""

from __future__ import annotations

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

from contract import tables
from infra.components.base import Deployment


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

    def register(self, id_: str, name: str, location: str, warehouse_id: str) -> SqlTable:
        """Created empty with the contract's layout and properties; the job, which finds it
        there, appends to the same Delta log. Readers may SELECT it: gold, and the health
        tables, which hold counts and offsets, never an order."""
        layout = tables.TABLES[name]
        table = SqlTable(
            self,
            id_,
            catalog_name=self.catalog.name,
            schema_name=self.schema.name,
            name=name,
            table_type="EXTERNAL",
            data_source_format="DELTA",
            storage_location=location,
            partitions=list(layout.partitioned_by),
            column=[SqlTableColumn(name=c.name, type=c.type) for c in layout.columns],
            properties=layout.properties,
            warehouse_id=warehouse_id,
            depends_on=[self.lake],
        )
        self._grant(
            f"{id_}-grants", table=table.id, readers=["SELECT"], writer=["SELECT", "MODIFY"]
        )
        return table

"""The workspace stack (databricks): what runs inside the workspace the platform stack made.

A separate stack because the databricks provider cannot be configured from a workspace
created in the same apply; deploy it after the platform stack and destroy it first.
"""

from __future__ import annotations

from cdktn import TerraformOutput, TerraformStack
from cdktn_provider_databricks.permissions import Permissions, PermissionsAccessControl
from cdktn_provider_databricks.provider import DatabricksProvider
from cdktn_provider_databricks.secret_acl import SecretAcl
from constructs import Construct

from contract.tables import GOLD, PIPELINE_PROGRESS, SILVER_BATCHES, Locations
from environments import Environment
from infra.closure import closure, pinned_versions, pypi_libraries
from infra.components.base import Deployment
from infra.components.dashboard import LakeviewDashboard
from infra.components.key_vault import LISTEN_SECRET
from infra.components.lake_storage import CHECKPOINTS, LAKE
from infra.components.pipeline_job import PipelineJob, runtime, stage_parameters
from infra.components.principals import JobPrincipal, ReadersGroup
from infra.components.secret_scope import KeyVaultScope
from infra.components.sql_alerts import SqlAlerts
from infra.components.sql_warehouse import SqlWarehouse
from infra.components.state_backend import state_backend
from infra.components.unity_catalog import UnityCatalog
from infra.components.workspace_files import WorkspaceFiles
from infra.naming import Names
from infra.platform_stack import PlatformStack


class WorkspaceStack(TerraformStack):
    def __init__(self, scope: Construct, env: Environment, platform: PlatformStack) -> None:
        names = Names.of(env)
        super().__init__(scope, names.workspace_stack())
        state_backend(self, env, names.workspace_stack())
        db = env.azure.databricks
        given = platform.outputs
        DatabricksProvider(
            self,
            "databricks",
            host=f"https://{given.workspace_url}",
            azure_workspace_resource_id=given.workspace_id,
            auth_type=db.auth_type,
        )
        d = Deployment(env, names, given.resource_group)
        readers = ReadersGroup(self, "readers", name=db.users_group)
        principal = JobPrincipal(self, "job-principal", name=names.job_principal)

        secrets = KeyVaultScope(
            self,
            "secret-scope",
            name=names.secret_scope,
            vault_id=given.vault_id,
            vault_uri=given.vault_uri,
        )
        may_read_secrets = SecretAcl(
            self,
            "job-reads-secrets",
            scope=secrets.scope.name,
            principal=principal.application_id,
            permission="READ",
        )
        catalog = UnityCatalog(
            self,
            "unity-catalog",
            d,
            access_connector_id=given.access_connector_id,
            lake_url=given.lake_url(LAKE),
            checkpoints_url=given.lake_url(CHECKPOINTS),
            catalog_root=given.lake_url(LAKE, "_catalog"),
            readers=readers.name,
            writer=principal.application_id,
        )
        files = closure()
        uploaded = WorkspaceFiles(self, "files", root=names.workspace_root, files=files)
        locations = Locations(given.lake_url(LAKE, env.app), given.lake_url(CHECKPOINTS, env.app))
        warehouse = SqlWarehouse(self, "sql-warehouse", d).warehouse
        # Registered before the job exists, so that it finds them instead of racing to create
        # them; the dashboard and the SQL alerts read them.
        registered = [
            catalog.register(id_, name, locations.table(name), warehouse.id)
            for id_, name in (
                ("gold", GOLD),
                ("progress", PIPELINE_PROGRESS),
                ("batches", SILVER_BATCHES),
            )
        ]
        trigger = "continuous" if db.continuous else "available-now"
        job = PipelineJob(
            self,
            "pipeline",
            d,
            scripts_root=names.workspace_root,
            spark_version=runtime(self, db),
            run_as=principal.application_id,
            parameters=stage_parameters(
                env.name,
                trigger,
                locations.lake_root,
                locations.checkpoint_root,
                given.bootstrap_servers,
            ),
            env_vars={env.kafka.connection_string_env: secrets.reference(LISTEN_SECRET)},
            libraries=pypi_libraries(files.third_party, pinned_versions()),
            # A continuous job starts as soon as it exists: everything it reads, and the tables
            # registered above, first.
            depends_on=[*uploaded.files.values(), *catalog.grants, may_read_secrets, *registered],
        )

        Permissions(
            self,
            "job-permissions",
            job_id=job.job.id,
            access_control=[
                PermissionsAccessControl(group_name=readers.name, permission_level="CAN_VIEW")
            ],
        )
        # The SQL alerts run as the job's principal, on the warehouse.
        Permissions(
            self,
            "warehouse-permissions",
            sql_endpoint_id=warehouse.id,
            access_control=[
                PermissionsAccessControl(group_name=readers.name, permission_level="CAN_USE"),
                PermissionsAccessControl(
                    service_principal_name=principal.application_id, permission_level="CAN_USE"
                ),
            ],
        )
        SqlAlerts(self, "sql-alerts", d, warehouse_id=warehouse.id, run_as=principal.application_id)
        gold_name = f"{names.catalog}.{env.app}.{GOLD}"
        LakeviewDashboard(
            self,
            "dashboard",
            name=f"{names.stem} orders",
            parent_path=names.workspace_root,
            warehouse_id=warehouse.id,
            schema=f"{names.catalog}.{env.app}",
            group=readers.name,
        )
        outputs = {
            "job_id": job.job.id,
            "warehouse_id": warehouse.id,
            "gold_table": gold_name,
        }
        for key, value in outputs.items():
            TerraformOutput(self, key, value=value)

"""The typed shape of an environment file: every part of the project reads its settings here."""

from __future__ import annotations

import ipaddress
from datetime import date
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

REPOSITORY = Path(__file__).resolve().parent.parent

Name = Annotated[str, Field(pattern=r"^[a-z][a-z0-9]{1,11}$")]
EnvVarName = Annotated[str, Field(pattern=r"^[A-Z_][A-Z0-9_]*$")]
Fraction = Annotated[float, Field(ge=0.0, le=0.5)]


class Strict(BaseModel):
    """Unknown keys are errors: a typo must never be silently ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class KafkaSettings(Strict):
    """Where the order stream lives: the local broker or Event Hubs' Kafka endpoint."""

    # Azure environments leave it unset: the deployment derives it from the Event Hubs namespace.
    bootstrap_servers: str | None = Field(default=None, min_length=3)
    topic: Annotated[str, Field(pattern=r"^[A-Za-z0-9._-]{1,249}$")] = "orders"
    partitions: Annotated[int, Field(ge=1, le=32)] = 4
    security_protocol: Literal["PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    # Name of the environment variable that holds the Event Hubs connection string.
    # The value itself never appears in a file.
    connection_string_env: EnvVarName | None = None
    consumer_group: Annotated[str, Field(min_length=1, max_length=50)] = "pipeline"

    @model_validator(mode="after")
    def _sasl_needs_a_secret(self) -> KafkaSettings:
        if self.security_protocol == "SASL_SSL" and not self.connection_string_env:
            raise ValueError("security_protocol SASL_SSL needs connection_string_env")
        return self


class SimulatorSettings(Strict):
    """Defaults for `python -m simulator`; every one can be overridden on the command line."""

    rate: Annotated[float, Field(ge=0, le=1_000_000)] = 2000
    bad_rate: Fraction = 0.02
    duplicate_rate: Fraction = 0.01
    late_rate: Fraction = 0.02
    max_lateness_seconds: Annotated[int, Field(ge=0, le=3600)] = 60


class PipelineSettings(Strict):
    """How the bronze -> silver -> gold jobs run in this environment."""

    # Azure environments leave these unset: the job definition passes the ADLS locations.
    lake_root: str | None = Field(default=None, min_length=1)
    checkpoint_root: str | None = Field(default=None, min_length=1)
    trigger_seconds: Annotated[float, Field(ge=0.1, le=3600)] = 1.0
    # Events older than (newest event seen - lateness) are quarantined as late;
    # duplicates are detected within this horizon. Must exceed the simulator's max lateness.
    lateness_seconds: Annotated[int, Field(ge=10, le=86_400)] = 300
    # Rate limits per micro-batch: Kafka records into bronze, Delta files into silver and gold.
    max_offsets_per_trigger: Annotated[int, Field(ge=1000)] | None = None
    max_files_per_trigger: Annotated[int, Field(ge=1)] | None = None
    shuffle_partitions: Annotated[int, Field(ge=1, le=2000)] = 2
    # 0: Delta's auto compaction, as the tables' property asks (Databricks): it checks after
    # every write whether small files piled up. N: the jobs compact the tables they append to
    # every N micro-batches instead: Delta's check rebuilds each table's file list after every
    # write, seconds a batch on two cores.
    compact_every_batches: Annotated[int, Field(ge=0, le=100_000)] = 0
    # A micro-batch that fails is tried this many times in all (its writes are exactly once,
    # so a retry skips what it already committed); then the query stops with a message naming
    # the batch, its offsets and the error, instead of retrying the same batch for ever.
    batch_attempts: Annotated[int, Field(ge=1, le=10)] = 3

    @field_validator("lake_root", "checkpoint_root")
    @classmethod
    def _anchor_local_paths(cls, v: str | None) -> str | None:
        """Relative local paths mean "inside the repository", wherever the command runs from."""
        if v is None or "://" in v or Path(v).is_absolute():
            return v
        return str(REPOSITORY / v)


Email = Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]


class ObservabilitySettings(Strict):
    """What the pipeline records about itself, and when somebody is told.

    The same thresholds drive the local dashboard and `make status` and, on Azure, the job's
    health rules, the Azure Monitor alerts and the SQL alerts (README, Observability).
    """

    # pipeline_progress gets the rows of this many seconds of micro-batches in one commit: a
    # commit per batch would cost each batch a Delta write on the driver.
    progress_flush_seconds: Annotated[int, Field(ge=1, le=300)] = 10
    progress_retention_days: Annotated[int, Field(ge=1, le=90)] = 7
    # The topic has records the pipeline has not read, and it has read nothing for this long.
    stalled_after_seconds: Annotated[int, Field(ge=10, le=86_400)] = 60
    # The job's health rules (Databricks streaming backlog metrics and run duration).
    backlog_seconds: Annotated[int, Field(ge=10, le=86_400)] = 300
    backlog_records: Annotated[int, Field(ge=1)] = 1_000_000
    run_duration_seconds: Annotated[int, Field(ge=60, le=172_800)] = 3000
    # Gold not changed for this long, or rejects above this share of the last 15 minutes.
    gold_stale_minutes: Annotated[int, Field(ge=5, le=1440)] = 60
    reject_rate: Annotated[float, Field(gt=0, le=1)] = 0.05
    # Event Hubs: messages coming in and none going out for this long means nobody reads. One
    # of the windows Azure Monitor's metric alerts take (5 minutes to a day).
    no_readers_minutes: Literal[5, 15, 30, 60, 360, 720, 1440] = 30
    # How often the SQL alerts run: each run wakes the SQL warehouse, which then idles until
    # its auto-stop, so more often costs warehouse time.
    sql_alerts_every_minutes: Literal[15, 30, 60] = 30
    # Who is told. An Azure environment needs at least one address (alerts that tell nobody are
    # not alerts); the local one shows everything on the dashboard and in `make status`.
    alert_emails: tuple[Email, ...] = ()


class LocalSparkSettings(Strict):
    """Only for local runs: Databricks sizes its own clusters."""

    master: str = "local[2]"
    driver_memory: Annotated[str, Field(pattern=r"^[1-9][0-9]*[mg]$")] = "2g"


class EventHubsSettings(Strict):
    sku: Literal["Standard", "Premium"] = "Standard"
    capacity: Annotated[int, Field(ge=1, le=20)] = 1
    auto_inflate_max: Annotated[int, Field(ge=0, le=40)] = 0
    message_retention_days: Annotated[int, Field(ge=1, le=7)] = 1

    @model_validator(mode="after")
    def _inflate_above_capacity(self) -> EventHubsSettings:
        if self.auto_inflate_max and self.auto_inflate_max < self.capacity:
            raise ValueError("auto_inflate_max must be 0 (off) or at least capacity")
        return self


class StorageSettings(Strict):
    replication: Literal["LRS", "ZRS", "GRS", "GZRS", "RAGRS", "RAGZRS"] = "LRS"
    soft_delete_days: Annotated[int, Field(ge=1, le=365)] = 7


class DatabricksSettings(Strict):
    # A runtime key ("18.x-scala2.13") pins the job's runtime; unset, the deployment looks up
    # the workspace's long-term-support runtime with the local pyspark's Spark minor version and
    # Scala 2.13 (Databricks Runtime 18 LTS for Spark 4.1), and fails rather than run a beta.
    spark_version: str | None = Field(default=None, pattern=r"^\d+\.[\dx]+(\.x)?-scala2\.13$")
    # How the databricks provider authenticates: always through Entra ID, never a stray
    # DATABRICKS_TOKEN (Key Vault-backed secret scopes refuse a PAT). azure-cli for people and
    # for CI after `azure/login` with OIDC; azure-msi on a runner with a managed identity.
    auth_type: Literal["azure-cli", "azure-msi", "github-oidc-azure"] = "azure-cli"
    node_type: str = "Standard_D4ds_v5"
    workers: Annotated[int, Field(ge=0, le=100)] = 1
    # Quartz cron for the scheduled job; null with continuous: true runs it continuously.
    schedule: str | None = "0 0/15 * * * ?"
    continuous: bool = False
    # 0 = no timeout, for continuous jobs.
    timeout_seconds: Annotated[int, Field(ge=0, le=172_800)] = 3600
    max_retries: Annotated[int, Field(ge=0, le=10)] = 2
    # An account-level group (created once by an account admin, see the README) that the
    # deployment assigns to the workspace and lets read gold through the SQL warehouse.
    users_group: str = Field(default="data-engineers", min_length=1)
    warehouse_size: Literal["2X-Small", "X-Small", "Small", "Medium", "Large"] = "2X-Small"
    # The SQL Warehouses API takes 0 (never: refused by our cost policy) or at least 10 minutes.
    warehouse_auto_stop_minutes: Annotated[int, Field(ge=10, le=30)] = 10
    # Serverless starts in seconds and costs nothing idle; a private lake needs a classic (pro)
    # warehouse that runs inside the workspace's own network.
    warehouse_serverless: bool = True

    @model_validator(mode="after")
    def _schedule_or_continuous(self) -> DatabricksSettings:
        if self.continuous == bool(self.schedule):
            raise ValueError("set exactly one of schedule (quartz cron) or continuous: true")
        return self


class KeyVaultSettings(Strict):
    soft_delete_days: Annotated[int, Field(ge=7, le=90)] = 7
    # When the Event Hubs connection strings stored in the vault must be rotated; throwaway
    # environments may leave it unset: their secrets expire with the environment (expires_on).
    secrets_expire_on: date | None = None


class NetworkSettings(Strict):
    """The virtual network used when private_networking is on: Databricks subnets + endpoints."""

    address_space: Annotated[str, Field(pattern=r"^\d{1,3}(\.\d{1,3}){3}/(1[6-9]|2[0-2])$")] = (
        "10.20.0.0/16"
    )
    # The public egress addresses of the machine or CI runner that runs `make deploy`: the only
    # addresses Key Vault's firewall admits besides the VNet, so that Terraform can write the
    # secrets on a first apply, before anything can run inside the VNet.
    deployer_cidrs: tuple[str, ...] = ()

    @field_validator("deployer_cidrs")
    @classmethod
    def _cidrs(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        for cidr in v:
            try:
                ipaddress.IPv4Network(cidr)
            except ValueError:
                raise ValueError(f"{cidr!r} is not an IPv4 address or CIDR block") from None
        return v


class BackendSettings(Strict):
    """An azurerm remote state backend; without it, state is local."""

    resource_group: str
    storage_account: Annotated[str, Field(pattern=r"^[a-z0-9]{3,24}$")]
    container: str = "tfstate"


class AzureSettings(Strict):
    subscription_id_env: EnvVarName = "ARM_SUBSCRIPTION_ID"
    location: str = "eastus2"
    # Throwaway copies (dev) are told apart by instance; prod has none.
    instance: Annotated[str, Field(pattern=r"^[a-z0-9]{1,8}$")] | None = None
    throwaway: bool = True
    expires_on: date | None = None
    owner: str = Field(min_length=1)
    cost_center: str = Field(min_length=1)
    private_networking: bool = False
    network: NetworkSettings = NetworkSettings()
    key_vault: KeyVaultSettings = KeyVaultSettings()
    eventhubs: EventHubsSettings = EventHubsSettings()
    storage: StorageSettings = StorageSettings()
    databricks: DatabricksSettings = DatabricksSettings()
    backend: BackendSettings | None = None

    @model_validator(mode="after")
    def _prod_is_not_throwaway(self) -> AzureSettings:
        if self.throwaway and self.expires_on is None:
            raise ValueError("a throwaway environment needs expires_on (its expiry tag)")
        if not self.throwaway and self.backend is None:
            raise ValueError(
                "backend: an environment that is not throwaway keeps its state remotely "
                "(local state holds connection strings in plain text and has no locking); "
                "create the storage with `make backend ENV=...`"
            )
        if self.private_networking and not self.network.deployer_cidrs:
            raise ValueError(
                "private_networking needs network.deployer_cidrs: the public egress address "
                "of the machine or runner that deploys"
            )
        if self.key_vault.secrets_expire_on is None and self.expires_on is None:
            raise ValueError("key_vault.secrets_expire_on is required when expires_on is not set")
        if self.private_networking and self.databricks.warehouse_serverless:
            raise ValueError(
                "private_networking needs databricks.warehouse_serverless: false "
                "(serverless compute cannot reach a private lake without extra setup)"
            )
        return self

    @property
    def secrets_expire_on(self) -> date:
        """Secrets expire at rotation time, or with the environment itself."""
        return self.key_vault.secrets_expire_on or self.expires_on


class Environment(Strict):
    """One deployment target. `local` has a `spark` section; Azure targets have `azure`."""

    name: Name
    app: Annotated[str, Field(pattern=r"^[a-z][a-z0-9]{1,9}$")] = "orders"
    kafka: KafkaSettings
    simulator: SimulatorSettings = SimulatorSettings()
    pipeline: PipelineSettings
    observability: ObservabilitySettings = ObservabilitySettings()
    spark: LocalSparkSettings | None = None
    azure: AzureSettings | None = None

    @field_validator("name")
    @classmethod
    def _lowercase(cls, v: str) -> str:
        return v.lower()

    @model_validator(mode="after")
    def _one_target(self) -> Environment:
        if (self.spark is None) == (self.azure is None):
            raise ValueError("an environment has exactly one of `spark` (local) or `azure`")
        if self.spark is not None and not (
            self.kafka.bootstrap_servers
            and self.pipeline.lake_root
            and self.pipeline.checkpoint_root
        ):
            raise ValueError(
                "a local environment needs kafka.bootstrap_servers, pipeline.lake_root "
                "and pipeline.checkpoint_root"
            )
        if self.azure is not None and not self.observability.alert_emails:
            raise ValueError(
                "observability.alert_emails: an Azure environment needs at least one address "
                "to tell of failures, backlog and stale data"
            )
        db = self.azure.databricks if self.azure else None
        late_warning = db and db.timeout_seconds and db.schedule
        if late_warning and self.observability.run_duration_seconds >= db.timeout_seconds:
            raise ValueError(
                "observability.run_duration_seconds must be below "
                "azure.databricks.timeout_seconds, or the warning comes after the timeout"
            )
        if self.pipeline.lateness_seconds <= self.simulator.max_lateness_seconds:
            raise ValueError(
                "pipeline.lateness_seconds must exceed simulator.max_lateness_seconds, "
                "or the simulator's late events would be quarantined"
            )
        return self

    @property
    def is_local(self) -> bool:
        return self.spark is not None

    @property
    def deployment_name(self) -> str:
        """The environment's name plus its instance: what tells copies of dev apart."""
        instance = self.azure.instance if self.azure else None
        return f"{self.name}{instance}" if instance else self.name

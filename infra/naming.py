"""Every Azure and Databricks name of a deployment, derived from its config alone.

Globally unique names (storage, Key Vault, Event Hubs) get a short suffix hashed from the app,
the deployment (environment + instance) and the region, so the same config always yields the
same names and two copies never collide. Each name obeys its service's rules.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from environments import Environment

SUFFIX_LENGTH = 6

# Azure's rules for the names that bite: (pattern, what it means for a person).
RULES: dict[str, tuple[str, str]] = {
    "storage_account": (r"^[a-z0-9]{3,24}$", "3-24 lowercase letters and digits"),
    "key_vault": (
        r"^(?!.*--)[a-zA-Z][a-zA-Z0-9-]{1,22}[a-zA-Z0-9]$",
        "3-24 letters, digits, hyphens; starts with a letter; no '--'",
    ),
    "eventhub_namespace": (
        r"^[a-zA-Z][a-zA-Z0-9-]{4,48}[a-zA-Z0-9]$",
        "6-50 letters, digits, hyphens; starts with a letter",
    ),
    "resource_group": (r"^[\w.()-]{1,89}[\w()-]$", "1-90 word characters, . ( ) -"),
    "databricks_workspace": (r"^[a-zA-Z0-9][a-zA-Z0-9_-]{1,62}[a-zA-Z0-9]$", "3-64 characters"),
    "log_analytics": (r"^[a-zA-Z0-9][a-zA-Z0-9-]{2,61}[a-zA-Z0-9]$", "4-63 characters"),
    "catalog": (r"^[a-z][a-z0-9_]{0,254}$", "lowercase identifier"),
}


def suffix(app: str, deployment: str, location: str) -> str:
    """Stable: a pure function of the config; unique enough: 16^6 values per app."""
    digest = hashlib.sha256(f"{app}/{deployment}/{location}".encode()).hexdigest()
    return digest[:SUFFIX_LENGTH]


@dataclass(frozen=True)
class Names:
    app: str
    deployment: str
    suffix: str

    @classmethod
    def of(cls, env: Environment) -> Names:
        if env.azure is None:
            raise ValueError(f"environment {env.name!r} has no azure section")
        deployment = env.deployment_name
        return cls(env.app, deployment, suffix(env.app, deployment, env.azure.location))

    @property
    def stem(self) -> str:
        return f"{self.app}-{self.deployment}"

    @property
    def resource_group(self) -> str:
        return f"rg-{self.stem}"

    @property
    def eventhub_namespace(self) -> str:
        return f"evhns-{self.stem}-{self.suffix}"

    @property
    def storage_account(self) -> str:
        return f"st{(self.app + self.deployment)[:16]}{self.suffix}"

    @property
    def key_vault(self) -> str:
        return f"kv-{(self.app + self.deployment)[:14]}-{self.suffix}"

    @property
    def action_group(self) -> str:
        return f"ag-{self.stem}"

    @property
    def log_analytics(self) -> str:
        return f"log-{self.stem}"

    @property
    def databricks_workspace(self) -> str:
        return f"dbw-{self.stem}"

    @property
    def databricks_managed_resource_group(self) -> str:
        """Must differ from the workspace's own resource group."""
        return f"rg-{self.stem}-databricks-managed"

    @property
    def access_connector(self) -> str:
        return f"dbac-{self.stem}"

    @property
    def virtual_network(self) -> str:
        return f"vnet-{self.stem}"

    @property
    def catalog(self) -> str:
        """Unity Catalog names are shared by every workspace on the regional metastore."""
        return f"{self.app}_{self.deployment}"

    @property
    def uc_prefix(self) -> str:
        return f"{self.stem}-{self.suffix}"

    @property
    def secret_scope(self) -> str:
        return self.stem

    @property
    def job(self) -> str:
        return f"{self.stem}-pipeline"

    @property
    def job_principal(self) -> str:
        """The service principal the job runs as."""
        return f"{self.stem}-job"

    @property
    def warehouse(self) -> str:
        return f"{self.stem}-warehouse"

    @property
    def workspace_root(self) -> str:
        """Where the stage scripts and their modules are uploaded in the workspace."""
        return f"/Shared/{self.stem}"

    def platform_stack(self) -> str:
        return f"{self.stem}-platform"

    def workspace_stack(self) -> str:
        return f"{self.stem}-workspace"

    @property
    def stacks(self) -> tuple[str, str]:
        """Platform first: the workspace stack is configured from the workspace it creates."""
        return self.platform_stack(), self.workspace_stack()

    def checked(self) -> dict[str, str]:
        """The rule-bound names, for tests and for a clear error before Azure rejects one."""
        return {kind: getattr(self, kind) for kind in RULES}


def violations(names: Names) -> list[str]:
    return [
        f"{kind} name {value!r}: {RULES[kind][1]}"
        for kind, value in names.checked().items()
        if not re.match(RULES[kind][0], value)
    ]

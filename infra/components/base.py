"""What every construct of a deployment shares: its config, names, tags and resource group."""

from __future__ import annotations

from dataclasses import dataclass

from environments import Environment
from environments.model import AzureSettings
from infra.naming import Names


@dataclass(frozen=True)
class Deployment:
    env: Environment
    names: Names
    resource_group: str  # name (a token when created in the same stack)

    @property
    def azure(self) -> AzureSettings:
        assert self.env.azure is not None
        return self.env.azure

    @property
    def location(self) -> str:
        return self.azure.location

    @property
    def tags(self) -> dict[str, str]:
        return tags(self.env)

    @property
    def placement(self) -> dict:
        """Where every Azure resource of the deployment goes, and what it carries."""
        return {"location": self.location, "resource_group_name": self.resource_group,
                "tags": self.tags}  # fmt: skip


def tags(env: Environment) -> dict[str, str]:
    """On every resource: who owns it, who pays, and for demo copies when it may be deleted."""
    azure = env.azure
    assert azure is not None
    result = {
        "environment": env.deployment_name,
        "app": env.app,
        "owner": azure.owner,
        "cost-center": azure.cost_center,
        "managed-by": "cdktn",
    }
    if azure.instance:
        result["instance"] = azure.instance  # with environment, how `make reap` finds the copy
    if azure.throwaway:
        result["expires-on"] = azure.expires_on.isoformat()
    return result

"""Where a stack keeps its Terraform state: the environment's azurerm backend, or a local file."""

from __future__ import annotations

from cdktn import AzurermBackend, LocalBackend, TerraformStack

from environments import Environment
from infra.synthesized import local_state_path


def state_backend(stack: TerraformStack, env: Environment, name: str) -> None:
    """Without `azure.backend` (throwaway copies only), state is a file beside the checkout."""
    backend = env.azure.backend
    if backend is None:
        LocalBackend(stack, path=local_state_path(name))
        return
    AzurermBackend(
        stack,
        resource_group_name=backend.resource_group,
        storage_account_name=backend.storage_account,
        container_name=backend.container,
        key=f"{name}.tfstate",
        use_azuread_auth=True,
    )

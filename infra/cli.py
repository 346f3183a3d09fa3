"""`make synth|plan|deploy|destroy|backend|reap`: one command per step of an environment's life.

synth runs in this process (no Node 22 or Terraform needed). plan, deploy and destroy drive the
project's cdktn CLI (.tools/bin/cdktn, from `make setup`) with Terraform or OpenTofu and the
Azure CLI login, on both stacks of the environment at once: cdktn orders them by their
dependency (platform, then workspace; destroy the other way round) and refuses to run a stack
without the one it depends on. Anything missing is reported in one line with exit code 2.
"""

from __future__ import annotations

import ipaddress
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import typer
from tenacity import Retrying, retry_if_exception_type, stop_after_delay, wait_fixed

from environments import ConfigError, Environment, available, load_environment
from infra.azure_cli import (
    EnvOption,
    InstanceOption,
    Refused,
    az,
    az_json,
    azure_environment,
    guarded,
)
from infra.components.base import tags as tags_of
from infra.naming import Names
from infra.platform_stack import DATABRICKS_APP_ID, DATABRICKS_SP_VARIABLE
from infra.synthesized import LOCAL_STATE_DIR, ROOT, outdir, stack_dir, stack_file

CDKTN = ROOT / ".tools" / "bin" / "cdktn"
# How long `make backend` waits for the deployer's data role on the state storage.
DATA_ROLE_WAIT_SECONDS = 15 * 60
# The platform output that says its stack has been applied (the workspace stack reads it).
PLATFORM_DEPLOYED_OUTPUT = "workspace_url"

app = typer.Typer(
    add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False, help=__doc__
)


def missing_tools(which=None, cdktn: Path = CDKTN) -> list[str]:
    which = which or shutil.which
    problems = []
    if not cdktn.exists():
        problems.append(f"{cdktn.relative_to(ROOT)} is missing: run `make setup`")
    if not (which("terraform") or which("tofu")):
        problems.append("neither terraform nor tofu is on PATH: install Terraform or OpenTofu")
    if not which("az"):
        problems.append("the Azure CLI (az) is not on PATH: install it, then `az login`")
    return problems


def unreachable_deployers(env: Environment) -> list[str]:
    """A private environment's firewalls admit the deployer by public address only."""
    if not env.azure.private_networking:
        return []
    return [
        f"azure.network.deployer_cidrs: {cidr} is not a public address; list the public egress "
        f"address of the machine or runner that deploys (Key Vault's firewall must let "
        f"Terraform write the secrets)"
        for cidr in env.azure.network.deployer_cidrs
        if not ipaddress.ip_network(cidr).is_global
    ]


def deployment_environ(env_name: str, env: Environment, instance: str | None) -> dict[str, str]:
    """The variables cdktn, Terraform and our app need; looked up once from the Azure CLI."""
    environ = dict(os.environ)
    environ["PATH"] = f"{CDKTN.parent}{os.pathsep}{environ.get('PATH', '')}"
    environ["INFRA_ENVS"] = env_name  # as given: a name, or the path of a .yaml
    environ["CHECKPOINT_DISABLE"] = "1"
    if not Path(environ.get("TF_CLI_CONFIG_FILE") or "/").exists():
        environ.pop("TF_CLI_CONFIG_FILE")  # named but absent: Terraform would only warn
    if instance:
        environ["INSTANCE"] = instance
    if not shutil.which("terraform", path=environ["PATH"]):
        environ["TERRAFORM_BINARY_NAME"] = "tofu"
    subscription_var = env.azure.subscription_id_env
    if not environ.get(subscription_var):
        environ[subscription_var] = az("account", "show", "--query", "id")
    environ.setdefault("ARM_SUBSCRIPTION_ID", environ[subscription_var])
    variable = f"TF_VAR_{DATABRICKS_SP_VARIABLE}"
    if not environ.get(variable):
        environ[variable] = az("ad", "sp", "show", "--id", DATABRICKS_APP_ID, "--query", "id")
    return environ


def synthesize(env: Environment, out: Path | None = None) -> list[Path]:
    from infra.app import build

    out = out or outdir()
    out.mkdir(parents=True, exist_ok=True)  # cdktn makes the last folder only
    build([env], out).synth()
    return [stack_file(s, out) for s in Names.of(env).stacks]


def cdktn(environ: dict[str, str], *args: str) -> None:
    result = subprocess.run([str(CDKTN), *args], cwd=ROOT, env=environ)
    if result.returncode != 0:
        raise typer.Exit(result.returncode)


def applied(stack: str, environ: dict[str, str]) -> bool:
    """Whether the stack's state has outputs: read through its own backend, as Terraform does."""
    binary = environ.get("TERRAFORM_BINARY_NAME", "terraform")
    result = subprocess.run(
        [binary, "output", "-json"],
        cwd=stack_dir(stack),
        env=environ,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        return False
    return PLATFORM_DEPLOYED_OUTPUT in json.loads(result.stdout or "{}")


def backend_missing(env: Environment) -> list[str]:
    """The remote state's storage must exist before Terraform can keep state in it."""
    backend = env.azure.backend
    if backend is None:
        return []
    try:
        az("storage", "account", "show", "--name", backend.storage_account,
           "--resource-group", backend.resource_group, "--query", "id")  # fmt: skip
    except Refused:
        return [
            f"azure.backend: storage account {backend.storage_account} in "
            f"{backend.resource_group} not found: create it once with `make backend ENV={env.name}`"
        ]
    return []


def prepared(env_name: str, instance: str | None) -> tuple[Environment, dict[str, str]]:
    env = azure_environment(env_name, instance)
    problems = missing_tools() + unreachable_deployers(env)
    if problems:
        raise Refused("; ".join(problems))
    problems = backend_missing(env)
    if problems:
        raise Refused("; ".join(problems))
    (outdir().parent / LOCAL_STATE_DIR).mkdir(parents=True, exist_ok=True)
    return env, deployment_environ(env_name, env, instance)


def bootstrap_backend(env: Environment) -> None:
    """The state storage, outside the stacks whose state it holds: versioned, soft-deleted,
    no public blobs, no shared keys, TLS 1.2; the deployer gets a data role on it."""
    backend, azure = env.azure.backend, env.azure
    account = ("--name", backend.storage_account, "--resource-group", backend.resource_group)
    tags = [f"{k}={v}" for k, v in tags_of(env).items()]
    az("group", "create", "--name", backend.resource_group, "--location", azure.location,
       "--tags", *tags, "--query", "id")  # fmt: skip
    az("storage", "account", "create", *account, "--location", azure.location,
       "--sku", "Standard_GRS", "--kind", "StorageV2", "--min-tls-version", "TLS1_2",
       "--https-only", "true", "--allow-blob-public-access", "false",
       "--allow-shared-key-access", "false", "--tags", *tags, "--query", "id")  # fmt: skip
    az("storage", "account", "blob-service-properties", "update",
       "--account-name", backend.storage_account, "--resource-group", backend.resource_group,
       "--enable-versioning", "true", "--enable-delete-retention", "true",
       "--delete-retention-days", "30", "--enable-container-delete-retention", "true",
       "--container-delete-retention-days", "30", "--query", "id")  # fmt: skip
    scope = az("storage", "account", "show", *account, "--query", "id")
    deployer, kind = signed_in_principal()
    az("role", "assignment", "create", "--assignee-object-id", deployer,
       "--assignee-principal-type", kind, "--role", "Storage Blob Data Contributor",
       "--scope", scope, "--query", "id")  # fmt: skip
    az("storage", "container-rm", "create", "--storage-account", backend.storage_account,
       "--resource-group", backend.resource_group, "--name", backend.container,
       "--public-access", "off", "--query", "id")  # fmt: skip
    typer.echo("waiting for the data role to reach the storage (usually a few minutes)")
    wait_for_data_role(backend.storage_account, backend.container)


def signed_in_principal() -> tuple[str, str]:
    """Object id and principal type of whoever `az` is logged in as: a person or a CI identity."""
    if az("account", "show", "--query", "user.type") == "servicePrincipal":
        client_id = az("account", "show", "--query", "user.name")
        return az("ad", "sp", "show", "--id", client_id, "--query", "id"), "ServicePrincipal"
    return az("ad", "signed-in-user", "show", "--query", "id"), "User"


def wait_for_data_role(account: str, container: str, attempts: Retrying | None = None) -> None:
    """A new role assignment takes minutes to apply: terraform init must not meet a 403."""
    attempts = attempts or Retrying(
        stop=stop_after_delay(DATA_ROLE_WAIT_SECONDS),
        wait=wait_fixed(15),
        retry=retry_if_exception_type(Refused),
        reraise=True,
    )
    for attempt in attempts:
        with attempt:
            az("storage", "blob", "list", "--account-name", account, "--container-name",
               container, "--auth-mode", "login", "--num-results", "1")  # fmt: skip


@app.command()
def synth(env: str = EnvOption, instance: str | None = InstanceOption) -> None:
    """Write the environment's two stacks to cdktf.out/stacks/."""

    def action() -> None:
        for path in synthesize(azure_environment(env, instance)):
            size = len(json.loads(path.read_text())["resource"])
            typer.echo(f"{path}: {size} resource types")

    guarded(action)


@app.command()
def plan(env: str = EnvOption, instance: str | None = InstanceOption) -> None:
    """Show what deploy would change: the platform stack, then the workspace stack once the
    platform exists (before that, the workspace stack has nothing to read its workspace from)."""

    def action() -> None:
        e, environ = prepared(env, instance)
        platform, workspace = Names.of(e).stacks
        typer.echo(f"plan: {platform}")
        cdktn(environ, "diff", platform)
        if not applied(platform, environ):
            typer.echo(
                f"plan: {workspace} not planned: {platform} has not been deployed yet, so there "
                f"is no workspace to plan against; `make deploy` creates both, in order"
            )
            return
        typer.echo(f"plan: {workspace}")
        cdktn(environ, "diff", "--skip-synth", workspace)

    guarded(action)


@app.command()
def deploy(env: str = EnvOption, instance: str | None = InstanceOption) -> None:
    """Deploy both stacks in one cdktn call: platform, then workspace."""

    def action() -> None:
        e, environ = prepared(env, instance)
        stacks = Names.of(e).stacks
        typer.echo(f"deploy: {', '.join(stacks)}")
        cdktn(environ, "deploy", "--auto-approve", *stacks)

    guarded(action)


def destroy_stacks(env_name: str, instance: str | None) -> None:
    e, environ = prepared(env_name, instance)
    stacks = Names.of(e).stacks[::-1]
    typer.echo(f"destroy: {', '.join(stacks)}")
    cdktn(environ, "destroy", "--auto-approve", *stacks)


@app.command()
def destroy(env: str = EnvOption, instance: str | None = InstanceOption) -> None:
    """Destroy both stacks in one cdktn call: workspace, then platform."""
    guarded(lambda: destroy_stacks(env, instance))


@dataclass(frozen=True)
class Copy:
    """A deployed copy of a throwaway environment, as its resource group's tags describe it."""

    env: str
    instance: str | None
    expires_on: date
    group: str

    @property
    def label(self) -> str:
        return f"{self.env} {self.instance or '(no instance)'} ({self.group})"


def expired_copies(groups: list[dict], today: date) -> list[Copy]:
    """Copies of this project's throwaway environments whose expires-on has passed."""
    ours = {name: load_environment(name).app for name in available()}
    found = []
    for group in groups:
        tags = group.get("tags") or {}
        deployment, instance = tags.get("environment", ""), tags.get("instance")
        name = deployment.removesuffix(instance) if instance else deployment
        if tags.get("managed-by") != "cdktn" or ours.get(name) != tags.get("app"):
            continue
        try:
            expires_on = date.fromisoformat(tags["expires-on"])
        except (KeyError, ValueError):
            continue
        if expires_on < today:
            found.append(Copy(name, instance, expires_on, group["name"]))
    return sorted(found, key=lambda c: (c.expires_on, c.group))


@app.command()
def reap(
    dry_run: bool = typer.Option(False, "--dry-run", help="List what would go, and why"),
) -> None:
    """Destroy every demo copy whose expires-on tag has passed, each through its own stacks
    (Unity Catalog objects and the secret scope included). A copy that fails is reported and
    the others still go; the exit code is 1 if any failed."""

    def action() -> int:
        groups = az_json("group", "list", "--query", "[?tags.\"managed-by\"=='cdktn']")
        copies = expired_copies(groups or [], date.today())
        if not copies:
            typer.echo("reap: no demo copy has expired")
        failed = []
        for copy in copies:
            typer.echo(f"reap: {copy.label} expired on {copy.expires_on}")
            if dry_run:
                continue
            try:
                destroy_stacks(copy.env, copy.instance)
            except (ConfigError, Refused, typer.Exit) as exc:
                reason = str(exc) or f"destroy exited with {getattr(exc, 'exit_code', '?')}"
                typer.echo(f"reap: {copy.label} NOT destroyed: {reason}", err=True)
                failed.append(copy)
        return 1 if failed else 0

    guarded(action)


@app.command()
def backend(env: str = EnvOption) -> None:
    """Create the environment's remote state storage, once, before its first deploy."""

    def action() -> None:
        e = azure_environment(env, None)
        if e.azure.backend is None:
            raise Refused(f"environment {e.name!r} keeps local state: it has no azure.backend")
        bootstrap_backend(e)
        b = e.azure.backend
        typer.echo(f"state storage ready: {b.storage_account}/{b.container} in {b.resource_group}")

    guarded(action)


if __name__ == "__main__":
    sys.exit(app())

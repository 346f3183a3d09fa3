"""Reads `environments/<name>.yaml` through the typed model, with errors a person can act on."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import ValidationError

from environments.model import Environment

ENVIRONMENTS_DIR = Path(__file__).resolve().parent


class ConfigError(Exception):
    """A bad environment file or name: shown as one short message, exit code 2."""

    exit_code = 2


def available() -> list[str]:
    return sorted(p.stem for p in ENVIRONMENTS_DIR.glob("*.yaml"))


def load_environment(name_or_path: str | Path) -> Environment:
    """`local` means environments/local.yaml; a path ending in .yaml is read as given."""
    path = Path(name_or_path)
    if path.suffix not in (".yaml", ".yml"):
        path = ENVIRONMENTS_DIR / f"{name_or_path}.yaml"
        if not path.is_file():
            raise ConfigError(
                f"unknown environment {str(name_or_path)!r}: choose one of {', '.join(available())}"
            )
    return parse_environment(path)


def parse_environment(path: Path) -> Environment:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        raise ConfigError(f"{path}: not valid YAML{where}") from None
    if data is None:
        raise ConfigError(f"{path}: the file is empty")
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of settings, got {type(data).__name__}")
    try:
        return Environment.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(f"{path}: {describe(exc)}") from None


def describe(exc: ValidationError) -> str:
    """One line per problem, each naming the field by its dotted path."""
    lines = []
    for err in exc.errors():
        field = ".".join(str(p) for p in err["loc"]) or "(top level)"
        message = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            message = "unknown key"
        lines.append(f"{field}: {message}")
    return "; ".join(lines)


def with_instance(env: Environment, instance: str | None) -> Environment:
    """A copy of the environment under another instance name, validated like the file."""
    if not instance:
        return env
    if not env.azure.throwaway:
        raise ConfigError(
            f"INSTANCE: {env.name} is not throwaway; copies are for demo environments"
        )
    data = env.model_dump()
    data["azure"]["instance"] = instance
    try:
        return Environment.model_validate(data)
    except ValueError:
        raise ConfigError(f"INSTANCE={instance!r}: 1-8 lowercase letters or digits") from None

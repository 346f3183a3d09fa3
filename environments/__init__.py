"""Environment settings: one typed YAML file per target, loaded by every part of the project."""

from environments.loader import (
    ConfigError,
    available,
    load_environment,
    parse_environment,
    with_instance,
)
from environments.model import Environment

__all__ = [
    "ConfigError",
    "Environment",
    "available",
    "load_environment",
    "parse_environment",
    "with_instance",
]

"""What a stage needs to run, from `--env` plus the overrides a Databricks job passes.

argparse (stdlib) rather than typer: the same file runs as a Databricks `spark_python_task`,
where every extra library is one more thing to install on the cluster.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from typing import Literal

from contract.tables import Locations
from environments import ConfigError, Environment, load_environment

Trigger = Literal["available-now", "continuous"]


@dataclass(frozen=True)
class StageSettings:
    env: Environment
    trigger: Trigger
    locations: Locations
    bootstrap_servers: str

    @property
    def kafka(self):
        return self.env.kafka

    @property
    def pipeline(self):
        return self.env.pipeline


def parser(stage: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog=f"python -m jobs.{stage}", description=f"The {stage} stage.")
    p.add_argument("--env", default="local", help="environment name (environments/<env>.yaml)")
    p.add_argument("--trigger", choices=["available-now", "continuous"], default="available-now")
    p.add_argument("--lake-root", help="override pipeline.lake_root (Azure: abfss://...)")
    p.add_argument("--checkpoint-root", help="override pipeline.checkpoint_root")
    p.add_argument("--bootstrap-servers", help="override kafka.bootstrap_servers")
    return p


def resolve(args: argparse.Namespace) -> StageSettings:
    """Merge the environment file with explicit overrides; missing locations are errors."""
    env = load_environment(args.env)
    lake_root = args.lake_root or env.pipeline.lake_root
    checkpoint_root = args.checkpoint_root or env.pipeline.checkpoint_root
    bootstrap = args.bootstrap_servers or env.kafka.bootstrap_servers
    for flag, value in (
        ("--lake-root", lake_root),
        ("--checkpoint-root", checkpoint_root),
        ("--bootstrap-servers", bootstrap),
    ):
        if not value:
            raise ConfigError(f"{flag} is required for environment {env.name!r}")
    return StageSettings(
        env=env,
        trigger=args.trigger,
        locations=Locations(lake_root=lake_root, checkpoint_root=checkpoint_root),
        bootstrap_servers=bootstrap,
    )


def parse(stage: str, argv: list[str] | None = None) -> StageSettings:
    """Bad input prints one line and exits 2, like argparse's own errors."""
    try:
        return resolve(parser(stage).parse_args(argv))
    except ConfigError as exc:
        print(f"{stage}: {exc}", file=sys.stderr)
        raise SystemExit(exc.exit_code) from None

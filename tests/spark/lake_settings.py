"""Settings for a writer run by hand on a temporary lake: no broker behind it."""

from __future__ import annotations

from pathlib import Path

from contract.tables import Locations
from environments import load_environment
from jobs.settings import StageSettings


def lake_settings(root: Path, trigger: str = "continuous") -> StageSettings:
    return StageSettings(
        env=load_environment("local"),
        trigger=trigger,
        locations=Locations(str(root / "lake"), str(root / "checkpoints")),
        bootstrap_servers="unused:9092",
    )

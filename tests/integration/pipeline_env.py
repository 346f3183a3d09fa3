"""Builds a throwaway local environment file pointing at the test broker and a temp lake."""

from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path

import yaml

from contract.tables import Locations
from environments import load_environment

ROOT = Path(__file__).resolve().parents[2]


def write_env(
    tmp: Path, bootstrap: str, topic: str | None = None, name: str = "test.yaml", **pipeline
) -> tuple[Path, str]:
    """A copy of local.yaml with its own lake and checkpoints (and topic, unless given)."""
    tmp.mkdir(parents=True, exist_ok=True)
    data = yaml.safe_load((ROOT / "environments" / "local.yaml").read_text())
    topic = topic or f"orders-{uuid.uuid4().hex[:8]}"
    data["kafka"].update(bootstrap_servers=bootstrap, topic=topic)
    data["pipeline"].update(
        lake_root=str(tmp / "lake"), checkpoint_root=str(tmp / "checkpoints"), **pipeline
    )
    path = tmp / name
    path.write_text(yaml.safe_dump(data))
    return path, topic


def locations(env_path: Path) -> Locations:
    env = load_environment(env_path)
    return Locations(env.pipeline.lake_root, env.pipeline.checkpoint_root)


def compactions(where: Locations, name: str) -> int:
    """The jobs' own compactions: OPTIMIZE commits that Delta's auto compaction did not make."""
    from deltalake import DeltaTable

    return sum(
        c["operation"] == "OPTIMIZE" and c["operationParameters"].get("auto") in (False, "false")
        for c in DeltaTable(where.table(name)).history()
    )


def simulate(env_path: Path, ledger: Path, *args: str) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [sys.executable, "-m", "simulator", "--env", str(env_path), "--ledger", str(ledger), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    return result

"""One full synthesis of every Azure environment per session (cross-stack references resolved)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from environments import load_environment
from infra.app import azure_environments, build
from infra.naming import Names


class Synth:
    def __init__(self, outdir: Path) -> None:
        self.outdir = outdir

    def stack(self, env_name: str, kind: str) -> dict:
        names = Names.of(load_environment(env_name))
        stack = names.platform_stack() if kind == "platform" else names.workspace_stack()
        return json.loads((self.outdir / "stacks" / stack / "cdk.tf.json").read_text())

    def resources(self, env_name: str, kind: str, rtype: str) -> list[dict]:
        return list(self.stack(env_name, kind)["resource"].get(rtype, {}).values())

    def one(self, env_name: str, kind: str, rtype: str) -> dict:
        (found,) = self.resources(env_name, kind, rtype)
        return found


@pytest.fixture(scope="session")
def synth(tmp_path_factory) -> Synth:
    outdir = tmp_path_factory.mktemp("cdktf.out")
    build([load_environment(n) for n in azure_environments()], outdir).synth()
    return Synth(outdir)

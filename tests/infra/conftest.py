"""One full synthesis of every Azure environment per session (cross-stack references resolved)."""

from __future__ import annotations

from pathlib import Path

import pytest

from environments import load_environment
from infra.app import azure_environments, build
from infra.naming import Names
from infra.synthesized import stack_json


class Synth:
    def __init__(self, outdir: Path) -> None:
        self.outdir = outdir

    def stack(self, env_name: str, kind: str) -> dict:
        platform, workspace = Names.of(load_environment(env_name)).stacks
        return stack_json(platform if kind == "platform" else workspace, self.outdir)

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

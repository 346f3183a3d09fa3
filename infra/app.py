"""The CDK Terrain app: two stacks for every Azure environment (cdktf.json runs this module).

INFRA_ENVS (comma-separated) limits which environments are built; INSTANCE overrides the
instance of throwaway environments, so copies of dev are data, not code.
"""

from __future__ import annotations

import os
from pathlib import Path

from cdktn import App

from environments import Environment, available, load_environment, with_instance
from infra.platform_stack import PlatformStack
from infra.synthesized import outdir
from infra.workspace_stack import WorkspaceStack


def azure_environments() -> list[str]:
    return [n for n in available() if load_environment(n).azure is not None]


def build(envs: list[Environment], outdir: str | Path = "cdktf.out") -> App:
    app = App(outdir=str(outdir))
    for env in envs:
        platform = PlatformStack(app, env)
        WorkspaceStack(app, env, platform)
    return app


def selected() -> list[Environment]:
    names = [n for n in os.environ.get("INFRA_ENVS", "").split(",") if n] or azure_environments()
    instance = os.environ.get("INSTANCE") or None
    return [with_instance(load_environment(n), instance) for n in names]


def main() -> None:
    # cdktn tells the app where to write; run by hand, it writes where cdktn would.
    build(selected(), os.environ.get("CDKTF_OUTDIR") or outdir()).synth()


if __name__ == "__main__":
    main()

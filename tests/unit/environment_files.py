"""A copy of local.yaml with one value changed: how the tests write a bad environment file."""

from __future__ import annotations

import yaml

from environments.loader import ENVIRONMENTS_DIR


def changed(path: tuple[str, ...], value) -> dict:
    data = yaml.safe_load((ENVIRONMENTS_DIR / "local.yaml").read_text())
    node = data
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return data

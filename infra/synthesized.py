"""Where cdktn writes an environment's stacks, and where their local state lives.

Terraform runs in each stack's folder, `<outdir>/stacks/<stack>/`. A local state path is
relative to that folder (`<outdir>/../state/<stack>.tfstate`, so `state/` in the repository by
default): the synthesized JSON is the same whichever folder it was made in.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# cdktn reads its --output option from this variable, and tells the app where to write.
OUTDIR_VARIABLE = "CDKTF_OUTPUT"
LOCAL_STATE_DIR = "state"


def outdir() -> Path:
    return Path(os.environ.get(OUTDIR_VARIABLE) or ROOT / "cdktf.out")


def stack_dir(stack: str, out: Path | None = None) -> Path:
    return (out or outdir()) / "stacks" / stack


def stack_file(stack: str, out: Path | None = None) -> Path:
    """The stack's synthesized Terraform JSON."""
    return stack_dir(stack, out) / "cdk.tf.json"


def stack_json(stack: str, out: Path | None = None) -> dict:
    return json.loads(stack_file(stack, out).read_text())


def local_state_path(stack: str) -> str:
    """The local backend's path, as Terraform resolves it from the stack's folder."""
    return f"../../../{LOCAL_STATE_DIR}/{stack}.tfstate"

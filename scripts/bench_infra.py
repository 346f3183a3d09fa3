"""`make bench` (infrastructure part): wall time and peak memory to synthesize every environment.

Goal: all environments in one process in 10 s or less (the provider imports dominate).
"""

from __future__ import annotations

import os
import resource
import tempfile
import time
from pathlib import Path


def children_peak_mib() -> float:
    """Peak resident memory of live child processes (the jsii Node kernel), from /proc."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) != os.getpid():
                continue
            status = (stat.parent / "status").read_text()
        except (OSError, IndexError, ValueError):
            continue
        total += next(
            (int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM")), 0
        )
    return total / 1024


def main() -> None:
    started = time.perf_counter()
    from environments import load_environment
    from infra.app import azure_environments, build

    names = azure_environments()
    with tempfile.TemporaryDirectory() as outdir:
        build([load_environment(n) for n in names], outdir).synth()
    seconds = time.perf_counter() - started
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    node = children_peak_mib()
    print(f"synth {len(names)} environments ({', '.join(names)}): {seconds:.1f} s wall")
    print(f"peak memory: python {own:.0f} MiB, node {node:.0f} MiB")


if __name__ == "__main__":
    main()

"""`make bench`: every speed and memory figure the README records, printed as measured.

python -m scripts.bench [simulator|pipeline|floor|gold|infra|dashboard ...]  (default: all)
Sections run one after the other, each in its own process: two cores are easily saturated,
and a section's peak memory must not include another's JVM.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import time

SECTIONS = {
    "simulator": "scripts.bench_simulator",
    "pipeline": "scripts.bench_pipeline",
    "floor": "scripts.bench_floor",
    "gold": "scripts.bench_gold",
    "infra": "scripts.bench_infra",
    "dashboard": "scripts.bench_dashboard",
}


def main(argv: list[str]) -> int:
    chosen = argv or list(SECTIONS)
    unknown = [name for name in chosen if name not in SECTIONS]
    if unknown:
        print(
            f"bench: unknown section {unknown[0]!r}; choose from {', '.join(SECTIONS)}",
            file=sys.stderr,
        )
        return 2
    memory_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    print(
        f"machine: {os.cpu_count()} cores, {memory_gib:.0f} GiB, {platform.machine()}, "
        f"Python {platform.python_version()}, {time.strftime('%Y-%m-%d')}"
    )
    for name in chosen:
        print(f"--- {name}", flush=True)
        if subprocess.run([sys.executable, "-m", SECTIONS[name]]).returncode != 0:
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

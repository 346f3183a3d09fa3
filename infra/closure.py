"""Which repository files the Databricks job needs: its script and everything it imports.

Found by following `import` statements (ast, no execution) from the stage files through the
repository's own packages. Anything else imported is stdlib or third-party; third-party
imports become the job cluster's PyPI libraries, at the versions in requirements.lock.
"""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The Databricks job's one task: bronze, silver and gold from one streaming query.
JOB_SCRIPT = "jobs/pipeline.py"
STAGES: tuple[str, ...] = (JOB_SCRIPT,)
# The job reads environments/<env>.yaml through this package, which is always uploaded.
SEEDS: tuple[str, ...] = (*STAGES, "environments/__init__.py")
# Provided by the Databricks Runtime: installing our own copies would fight the runtime's.
RUNTIME_PROVIDED = frozenset({"pyspark", "delta", "py4j", "pyarrow", "pandas", "numpy"})


@dataclass(frozen=True)
class Closure:
    files: tuple[str, ...]  # repository-relative paths, sorted
    third_party: tuple[str, ...]  # top-level module names imported from outside the repo


def imported_names(source: str, module: str) -> set[str]:
    """Absolute dotted names a module imports; relative imports resolved against `module`."""
    names: set[str] = set()
    package = module.rsplit(".", 1)[0] if "." in module else ""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".") if package else []
                parts = parts[: len(parts) - (node.level - 1)]
                base = ".".join([*parts, base] if base else parts)
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names if alias.name != "*")
    return {n for n in names if n}


def module_file(name: str, root: Path) -> Path | None:
    """The repository file defining a dotted module name, or None if it lives elsewhere."""
    path = root.joinpath(*name.split("."))
    for candidate in (path.with_suffix(".py"), path / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def closure(seeds: tuple[str, ...] = SEEDS, root: Path = ROOT) -> Closure:
    """A seed that does not exist is an error: skipping it would deploy a job without its
    script."""
    missing = [s for s in seeds if not (root / s).is_file()]
    if missing:
        raise FileNotFoundError(f"the job's files are missing: {', '.join(missing)}")
    scripts = {root / s for s in seeds}
    todo = list(scripts)
    seen: set[Path] = set()
    outside: set[str] = set()
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        name = module_name(path, root)
        # A file that can also run as a script imports from its own folder (sys.path[0]).
        search = [root, path.parent]
        for imported in imported_names(path.read_text(encoding="utf-8"), name):
            parts = imported.split(".")
            # A package's __init__ runs on any import from it, so every parent is needed.
            found = [
                next((f for r in search if (f := module_file(".".join(parts[: i + 1]), r))), None)
                for i in range(len(parts))
            ]
            if found[0] is None:
                outside.add(parts[0])
            todo.extend(f for f in found if f is not None and f not in seen)
    files = {p.relative_to(root).as_posix() for p in seen}
    files.update(p.relative_to(root).as_posix() for p in (root / "environments").glob("*.yaml"))
    third_party = sorted(outside - set(sys.stdlib_module_names) - {"__future__"})
    return Closure(tuple(sorted(files)), tuple(third_party))


def pinned_versions(lock: Path = ROOT / "requirements.lock") -> dict[str, str]:
    """Distribution name (normalized) -> version, from the uv lock file."""
    pins = re.findall(r"^([A-Za-z0-9_.-]+)==([^\s;]+)", lock.read_text(encoding="utf-8"), re.M)
    return {normalize(name): version for name, version in pins}


def normalize(distribution: str) -> str:
    return re.sub(r"[-_.]+", "-", distribution).lower()


def pypi_libraries(third_party: tuple[str, ...], pins: dict[str, str]) -> tuple[str, ...]:
    """`dist==version` for each imported third-party module the runtime does not provide."""
    by_module = importlib.metadata.packages_distributions()
    wanted: set[str] = set()
    for module in third_party:
        if module in RUNTIME_PROVIDED:
            continue
        dists = by_module.get(module)
        if not dists:
            raise LookupError(f"no installed distribution provides module {module!r}")
        wanted.update(normalize(d) for d in dists)
    missing = sorted(d for d in wanted if d not in pins)
    if missing:
        raise LookupError(f"not pinned in requirements.lock: {', '.join(missing)}")
    return tuple(f"{d}=={pins[d]}" for d in sorted(wanted))

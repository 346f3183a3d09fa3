"""`make scan`: the policy scan (checkov) and the secret scan of every environment.

Synthesizes every Azure environment into a temporary folder, runs checkov (terraform_json,
plus our own policies for the databricks resources, which checkov has none for) with the
environment's suppressions from .checkov.yaml, and fails on an unsuppressed failed check,
a parse error, or a stack on which no check ran. Then looks for secret values in the
synthesized output and in every file of the repository.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from environments import ConfigError, Environment, load_environment
from environments.loader import describe
from infra.naming import Names
from infra.secret_scan import Finding, find_secrets
from infra.synthesized import ROOT, stack_file

CHECKOV = ROOT / ".tools" / "checkov" / "bin" / "checkov"
POLICIES = ROOT / "infra" / "policies"
SUPPRESSIONS = ROOT / ".checkov.yaml"
# Not scanned for secrets: generated, installed or binary content.
SKIP_SUFFIXES = {".png", ".jpg", ".gz", ".zip", ".jar", ".parquet", ".pyc", ".ico", ".pdf"}


class Suppression(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    check: str = Field(pattern=r"^CKV2?_[A-Z]+_\d+$")
    environments: tuple[str, ...] = Field(min_length=1)
    reason: str = Field(min_length=20)


class Suppressions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    suppressions: tuple[Suppression, ...]

    def for_env(self, name: str) -> list[str]:
        return sorted(s.check for s in self.suppressions if name in s.environments)


def load_suppressions(path: Path = SUPPRESSIONS) -> Suppressions:
    try:
        return Suppressions.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except ValidationError as exc:
        raise ConfigError(f"{path.name}: {describe(exc)}") from None


@dataclass
class StackResult:
    stack: str
    passed: int = 0
    failed: list[str] = field(default_factory=list)
    skipped: int = 0
    parse_errors: list[str] = field(default_factory=list)

    @property
    def problems(self) -> list[str]:
        out = [f"failed {c}" for c in self.failed]
        out += [f"could not parse {p}" for p in self.parse_errors]
        if self.passed + len(self.failed) == 0:
            out.append("no check ran")
        return out


def read_report(report: dict | list, stacks: dict[str, Path]) -> list[StackResult]:
    """Per-stack counts from checkov's JSON report (pure: tests feed it real reports)."""
    reports = report if isinstance(report, list) else [report]
    by_file = {str(path.resolve()): StackResult(stack) for stack, path in stacks.items()}

    def result_for(file_path: str) -> StackResult | None:
        return by_file.get(str(Path(file_path).resolve()))

    for rep in reports:
        results = rep.get("results", {})
        for kind in ("passed_checks", "failed_checks", "skipped_checks"):
            for check in results.get(kind, []):
                target = result_for(check["file_abs_path"])
                if target is None:
                    continue
                if kind == "passed_checks":
                    target.passed += 1
                elif kind == "failed_checks":
                    target.failed.append(f"{check['check_id']} on {check['resource']}")
                else:
                    target.skipped += 1
        for error in results.get("parsing_errors", []):
            target = result_for(error)
            if target is not None:
                target.parse_errors.append(error)
            else:
                by_file.setdefault(error, StackResult(error)).parse_errors.append(error)
    return list(by_file.values())


def checkov(
    files: list[Path], skip: list[str], cwd: Path, sarif: Path | None = None
) -> dict | list:
    """The JSON report; with `sarif`, the same run also writes results_sarif.sarif there."""
    if not CHECKOV.exists():
        raise ConfigError(f"{CHECKOV.relative_to(ROOT)} is missing: run `make setup`")
    command = [str(CHECKOV), "--framework", "terraform_json", "--output", "json"]
    if sarif is not None:
        sarif.mkdir(parents=True, exist_ok=True)
        sarif_file = sarif / "results_sarif.sarif"  # with two outputs, checkov takes file names
        command += ["--output", "sarif", "--output-file-path", f"console,{sarif_file}"]
    command += ["--external-checks-dir", str(POLICIES), "--skip-download", "--compact"]
    for f in files:
        command += ["--file", str(f)]
    if skip:
        command += ["--skip-check", ",".join(skip)]
    # Run where no .checkov.yaml is found: ours is not checkov's own config format.
    out = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    if not out.stdout.strip().startswith(("{", "[")):
        raise RuntimeError(f"checkov produced no report: {out.stderr.strip()[-500:]}")
    return json.loads(out.stdout)


def policy_scan(
    envs: list[Environment], outdir: Path, sarif: Path | None = None
) -> list[StackResult]:
    """With `sarif`, each environment's results also go to <sarif>/<env>/ for code scanning."""
    from infra.app import build

    build(envs, outdir).synth()
    suppressions = load_suppressions()
    results = []
    for env in envs:
        names = Names.of(env)
        stacks = {s: stack_file(s, outdir) for s in names.stacks}
        skip = suppressions.for_env(env.name)
        report = checkov(list(stacks.values()), skip, outdir, sarif and sarif / env.name)
        results += read_report(report, stacks)
    return results


def repository_files(root: Path = ROOT) -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard", "-z"],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [root / p for p in listed.split("\0") if p]


def secret_scan(paths: list[Path], root: Path) -> list[Finding]:
    findings = []
    for path in paths:
        if path.suffix in SKIP_SUFFIXES or not path.is_file():
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        where = path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
        findings += find_secrets(text, where)
    return findings


def azure_environment_names() -> list[str]:
    from infra.app import azure_environments

    return azure_environments()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make scan", description=__doc__.splitlines()[0])
    parser.add_argument("--sarif", type=Path, help="also write SARIF to DIR/<env>/")
    sarif = parser.parse_args(argv).sarif
    try:
        envs = [load_environment(n) for n in azure_environment_names()]
        with tempfile.TemporaryDirectory(prefix="infra-scan-") as tmp:
            outdir = Path(tmp)
            results = policy_scan(envs, outdir, sarif and sarif.resolve())
            synthesized = [p for p in outdir.rglob("*") if p.is_file()]
            findings = secret_scan(synthesized, outdir) + secret_scan(repository_files(), ROOT)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    suppressions = load_suppressions()
    for env in envs:
        print(f"{env.name}: {len(suppressions.for_env(env.name))} suppressions")
    ok = True
    for r in results:
        status = "ok" if not r.problems else "FAIL"
        print(f"{r.stack}: {r.passed} checks passed, {status}")
        for problem in r.problems:
            print(f"  {problem}")
        ok = ok and not r.problems
    print(f"secret scan: {len(findings)} finding(s)")
    for finding in findings:
        print(f"  {finding}")
    return 0 if ok and not findings else 1


if __name__ == "__main__":
    sys.exit(main())

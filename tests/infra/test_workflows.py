"""The GitHub Actions workflows in .github/workflows/: actionlint and zizmor find nothing in
them (and do find the faults of a broken workflow, so a clean result means they looked), and the
rules the workflows are held to, checked on the parsed YAML: permissions per job, no
pull_request_target, actions pinned to a commit, deploys in their environment and never
cancelled half-way, prod after dev, only Makefile targets run, no expression in a script."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / ".github" / "workflows"
MAKEFILE = ROOT / "Makefile"
ACTIONLINT = ROOT / ".tools" / "bin" / "actionlint"
ZIZMOR = ROOT / ".tools" / "zizmor" / "bin" / "zizmor"
SHELLCHECK = ROOT / ".tools" / "zizmor" / "bin" / "shellcheck"

SHA = re.compile(r"^[0-9a-f]{40}$")
# `uses: owner/repo[/path]@<sha> # vX.Y.Z`: the tag the commit was verified against, for readers.
PINNED_LINE = re.compile(r"^\s*(?:- )?uses:\s*[\w.-]+/[\w./-]+@[0-9a-f]{40} # v\d+(\.\d+)*\s*$")
# `make` as a command: at the start of a line or after an operator, maybe after VAR=value.
MAKE_CALL = re.compile(r"(?:^|&&|\|\||[;|(])\s*(?:[A-Za-z_]\w*=\S*\s+)*make\s+([^;&|)\n]*)")
# Jobs that change Azure: they run one of these targets.
CHANGING_TARGETS = {"deploy", "destroy", "reap"}

BROKEN_WORKFLOW = """\
name: broken
on:
  pull_request_target:
jobs:
  build:
    runs-on: ubuntu-24.04
    steps:
      - uses: actions/checkout@v4
        with:
          ref: ${{ github.event.pull_request.head.sha }}
      - run: echo "${{ github.event.pull_request.title }}" && [ $UNQUOTED == 1 ]
      - run: make deploy-everything INSTANCE=$NAME
  deploy:
    runs-on: ubuntu-24.04
    environment: prod
    concurrency:
      group: prod
      cancel-in-progress: true
    steps:
      - run: make deploy ENV=prod
"""


def workflow_files() -> list[Path]:
    return sorted([*WORKFLOWS.glob("*.yml"), *WORKFLOWS.glob("*.yaml")])


def load(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def triggers(workflow: dict) -> dict:
    # YAML 1.1 (PyYAML) reads the key `on` as the boolean True.
    on = workflow.get("on", workflow.get(True))
    if isinstance(on, str):
        return {on: None}
    if isinstance(on, list):
        return dict.fromkeys(on)
    return on or {}


def steps(job: dict) -> list[dict]:
    return job.get("steps") or []


def scripts(job: dict) -> list[str]:
    return [s["run"] for s in steps(job) if "run" in s]


def make_targets() -> set[str]:
    text = MAKEFILE.read_text(encoding="utf-8")
    return set(re.findall(r"^([A-Za-z0-9_.-]+):", text, flags=re.MULTILINE))


def make_calls(script: str) -> list[list[str]]:
    """The argument lists of every `make` the script runs (comments left out)."""
    calls = []
    for line in script.splitlines():
        if line.lstrip().startswith("#"):
            continue
        for match in MAKE_CALL.finditer(line):
            args = []
            for word in shlex.split(match.group(1), comments=True):
                if re.match(r"^\d*[<>]", word):  # a redirection: the command ends here
                    break
                args.append(word)
            calls.append(args)
    return calls


def targets_of(call: list[str]) -> list[str]:
    return [a for a in call if "=" not in a and not a.startswith("-")]


def job_targets(job: dict) -> set[str]:
    return {t for script in scripts(job) for call in make_calls(script) for t in targets_of(call)}


# --- the rules, each a function from one workflow to its problems -----------------------------


def permission_problems(workflow: dict) -> list[str]:
    problems = []
    top = workflow.get("permissions")
    if top not in ({}, {"contents": "read"}):
        problems.append(f"top-level permissions must be {{}} or contents: read, not {top!r}")
    for name, job in workflow.get("jobs", {}).items():
        if "permissions" not in job:
            problems.append(f"job {name}: no permissions of its own")
    return problems


def trigger_problems(workflow: dict) -> list[str]:
    return ["pull_request_target"] if "pull_request_target" in triggers(workflow) else []


def pin_problems(path: Path) -> list[str]:
    problems = []
    for name, job in load(path).get("jobs", {}).items():
        uses = [job["uses"]] if "uses" in job else [s["uses"] for s in steps(job) if "uses" in s]
        for ref in uses:
            action, _, version = ref.partition("@")
            if not ref.startswith("./") and not SHA.match(version):
                problems.append(f"job {name}: {ref} is not pinned to a commit")
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if re.match(r"^\s*(- )?uses:\s*[^.\s]", line) and not PINNED_LINE.match(line):
            problems.append(f"line {number}: no `@<sha> # vX.Y.Z` pin: {line.strip()}")
    return problems


def checkout_problems(workflow: dict) -> list[str]:
    return [
        f"job {name}: checkout keeps the token in .git/config (persist-credentials: false)"
        for name, job in workflow.get("jobs", {}).items()
        for s in steps(job)
        if s.get("uses", "").startswith("actions/checkout@")
        and (s.get("with") or {}).get("persist-credentials") is not False
    ]


def expression_problems(workflow: dict) -> list[str]:
    """Values reach scripts through env: an expression in a script is pasted into the shell."""
    return [
        f"job {name}: expression inside a run script: {script.strip().splitlines()[0]}"
        for name, job in workflow.get("jobs", {}).items()
        for script in scripts(job)
        if "${{" in script
    ]


def make_problems(workflow: dict, targets: set[str]) -> list[str]:
    problems = []
    for name, job in workflow.get("jobs", {}).items():
        for script in scripts(job):
            for call in make_calls(script):
                for target in targets_of(call):
                    if target not in targets:
                        problems.append(f"job {name}: make {target}: no such Makefile target")
                # make expands $(...) in its command-line variables: values go through env.
                problems += [
                    f"job {name}: make {' '.join(call)}: make would expand $(...) in {a}; "
                    f"pass the value through env"
                    for a in call
                    if "=" in a and "$" in a
                ]
    return problems


def deploy_problems(workflow: dict) -> list[str]:
    problems = []
    for name, job in workflow.get("jobs", {}).items():
        if not job_targets(job) & CHANGING_TARGETS:
            continue
        if not job.get("environment"):
            problems.append(f"job {name}: changes Azure outside a GitHub environment")
        concurrency = job.get("concurrency")
        if not isinstance(concurrency, dict) or concurrency.get("cancel-in-progress") is not False:
            problems.append(f"job {name}: needs a concurrency group with cancel-in-progress: false")
    return problems


RULES = [
    permission_problems,
    trigger_problems,
    checkout_problems,
    expression_problems,
    deploy_problems,
]


# --- the workflows as they are ------------------------------------------------------------------


def test_the_four_workflows_exist():
    names = {p.stem for p in workflow_files()}
    assert {"ci", "plan", "deploy", "demo-copies"} <= names


@pytest.mark.parametrize("path", workflow_files(), ids=lambda p: p.name)
def test_workflow_follows_the_rules(path):
    workflow = load(path)
    problems = [p for rule in RULES for p in rule(workflow)]
    problems += pin_problems(path) + make_problems(workflow, make_targets())
    assert problems == []


def test_no_stored_secret_is_used():
    for path in workflow_files():
        assert "secrets." not in path.read_text(encoding="utf-8"), path.name


def test_ci_runs_the_readme_commands_and_uploads_sarif():
    ci = load(WORKFLOWS / "ci.yml")
    assert set(triggers(ci)) == {"pull_request", "push"}
    assert triggers(ci)["push"]["branches"] == ["main"]
    calls = [c for job in ci["jobs"].values() for s in scripts(job) for c in make_calls(s)]
    for target in ("setup", "lint", "test", "scan", "synth"):
        assert [target] in [targets_of(c) for c in calls], target
    uses = [s.get("uses", "") for job in ci["jobs"].values() for s in steps(job)]
    assert any(u.startswith("github/codeql-action/upload-sarif@") for u in uses)
    assert any(u.startswith("actions/upload-artifact@") for u in uses)
    cached = {
        s["with"]["key"].split("-")[0]
        for s in steps(ci["jobs"]["test"])
        if s.get("uses", "").startswith("actions/cache@")
    }
    assert cached == {"venv", "m2", "tools"}


def test_only_the_plan_job_may_comment_and_only_where_there_is_an_identity():
    writers = {
        (path.stem, name)
        for path in workflow_files()
        for name, job in load(path)["jobs"].items()
        if (job.get("permissions") or {}).get("pull-requests") == "write"
    }
    assert writers == {("plan", "plan")}
    plan = load(WORKFLOWS / "plan.yml")
    assert set(triggers(plan)) == {"pull_request"}
    assert set(triggers(plan)["pull_request"]["paths"]) == {
        "infra/**",
        "environments/**",
        "jobs/**",
    }
    assert "vars.AZURE_CLIENT_ID != ''" in plan["jobs"]["plan"]["if"]
    (skipped,) = [j for n, j in plan["jobs"].items() if n != "plan"]
    assert "vars.AZURE_CLIENT_ID == ''" in skipped["if"] and skipped["permissions"] == {}


def test_azure_is_reached_through_oidc_only():
    for path in workflow_files():
        for name, job in load(path)["jobs"].items():
            logins = [s for s in steps(job) if s.get("uses", "").startswith("azure/login@")]
            has_token = (job.get("permissions") or {}).get("id-token") == "write"
            assert has_token == bool(logins), f"{path.name} {name}: id-token only to sign in"
            for login in logins:
                assert set(login["with"]) == {"client-id", "tenant-id", "subscription-id"}
                assert all(v.startswith("${{ vars.") for v in login["with"].values())
                assert job["env"]["ARM_USE_OIDC"] == "true"
                assert job["env"]["ARM_CLIENT_ID"] == "${{ vars.AZURE_CLIENT_ID }}"


def test_deploy_goes_to_dev_then_prod():
    deploy = load(WORKFLOWS / "deploy.yml")
    assert set(triggers(deploy)) == {"push"} and triggers(deploy)["push"]["branches"] == ["main"]
    dev, prod = deploy["jobs"]["dev"], deploy["jobs"]["prod"]
    assert prod["needs"] in ("dev", ["dev"])
    for name, job in (("dev", dev), ("prod", prod)):
        assert job["environment"] == name
        calls = [targets_of(c) for s in scripts(job) for c in make_calls(s)]
        assert [c for c in calls if c != ["setup"]] == [["deploy"], ["smoke"]]
        assert all(
            f"ENV={name}" in c for s in scripts(job) for c in make_calls(s) if c[0] != "setup"
        )
    assert dev["concurrency"]["group"] != prod["concurrency"]["group"]


def test_demo_copies_by_hand_and_reaped_nightly():
    demo = load(WORKFLOWS / "demo-copies.yml")
    on = triggers(demo)
    assert set(on) == {"workflow_dispatch", "schedule"}
    inputs = on["workflow_dispatch"]["inputs"]
    assert inputs["instance"]["type"] == "string"
    assert inputs["action"]["options"] == ["deploy", "destroy"]
    copy, reap = demo["jobs"]["copy"], demo["jobs"]["reap"]
    assert job_targets(copy) == {"setup", "deploy", "destroy"}
    assert job_targets(reap) == {"setup", "reap"}
    assert copy["env"]["INSTANCE"] == "${{ inputs.instance }}"
    assert "inputs.instance" in copy["concurrency"]["group"]
    assert copy["environment"] == reap["environment"] == "dev"


def test_each_action_has_one_pin():
    pins: dict[str, set[str]] = {}
    for path in workflow_files():
        for job in load(path)["jobs"].values():
            for s in steps(job):
                if "uses" in s:
                    repo = "/".join(s["uses"].split("@")[0].split("/")[:2])
                    pins.setdefault(repo, set()).add(s["uses"].split("@")[1])
    assert {repo: len(shas) for repo, shas in pins.items()} == dict.fromkeys(pins, 1)


def test_make_lint_runs_both_linters():
    recipe = MAKEFILE.read_text(encoding="utf-8").split("\nlint:", 1)[1].split("\n\n", 1)[0]
    assert ".tools/bin/actionlint" in recipe and ".tools/zizmor/bin/zizmor --offline" in recipe


# --- the linters: nothing found here, and they do find a broken workflow -----------------------


def actionlint(*paths: Path, cwd: Path = ROOT) -> tuple[list[dict], str]:
    if not ACTIONLINT.exists():
        pytest.fail(f"{ACTIONLINT.relative_to(ROOT)} is missing: run `make setup`")
    command = [str(ACTIONLINT), "-verbose", "-format", "{{json .}}"]
    command += ["-shellcheck", str(SHELLCHECK), "-pyflakes="] + [str(p) for p in paths]
    out = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=300)
    assert out.returncode in (0, 1), out.stderr[-2000:]
    return json.loads(out.stdout or "[]"), out.stderr


def zizmor(*paths: Path) -> tuple[list[dict], str, int]:
    if not ZIZMOR.exists():
        pytest.fail(f"{ZIZMOR.relative_to(ROOT)} is missing: run `make setup`")
    command = [str(ZIZMOR), "--offline", "--strict-collection", "--format", "json"]
    command += [str(p) for p in paths]
    out = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    return json.loads(out.stdout or "[]"), out.stderr, out.returncode


def test_actionlint_finds_nothing():
    files = [p.relative_to(ROOT) for p in workflow_files()]
    errors, log = actionlint(*files)
    assert [f"{e['filepath']}:{e['line']}: {e['message']}" for e in errors] == []
    assert 'Rule "shellcheck" was disabled' not in log  # the run: scripts were checked too
    for path in files:
        assert re.search(rf"Found total 0 errors in \d+ ms for {re.escape(str(path))}$", log, re.M)


def test_zizmor_finds_nothing():
    findings, log, code = zizmor(WORKFLOWS)
    assert [(f["ident"], f["desc"]) for f in findings] == [] and code == 0, log[-2000:]
    for path in workflow_files():
        assert f"completed {path.relative_to(ROOT)}" in log or f"completed {path}" in log


@pytest.fixture
def broken(tmp_path) -> Path:
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    path = workflows / "broken.yml"
    path.write_text(BROKEN_WORKFLOW, encoding="utf-8")
    return path


def test_actionlint_reports_a_broken_workflow(broken):
    errors, log = actionlint(broken, cwd=broken.parents[2])
    kinds = {e["kind"] for e in errors}
    assert {"shellcheck", "expression"} <= kinds, errors


def test_zizmor_reports_a_broken_workflow(broken):
    findings, _log, code = zizmor(broken)
    idents = {f["ident"] for f in findings}
    assert code != 0
    assert {"dangerous-triggers", "template-injection", "unpinned-uses", "artipacked"} <= idents


def test_zizmor_refuses_a_workflow_it_cannot_parse(tmp_path):
    (tmp_path / "unparsable.yml").write_text("jobs: a: b\n", encoding="utf-8")
    _findings, _log, code = zizmor(tmp_path / "unparsable.yml")
    assert code != 0


def test_the_rules_find_a_broken_workflows_faults(broken):
    workflow = load(broken)
    found = {rule.__name__: rule(workflow) for rule in RULES}
    assert all(found.values()), found
    assert pin_problems(broken)
    problems = make_problems(workflow, make_targets())
    assert any("deploy-everything" in p for p in problems)
    assert any("pass the value through env" in p for p in problems)

#!/usr/bin/env bash
# Installs everything the project needs inside the project folder. Safe to run again:
# each step is skipped when its inputs have not changed since it last succeeded.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
stamp_dir=.cache/stamps
mkdir -p "$stamp_dir"

# needs STEP OUTPUT INPUT...: true when OUTPUT is missing or an INPUT changed since STEP
# last succeeded; done_step STEP records success.
needs() {
  local step=$1 output=$2; shift 2
  local sum; sum=$(cat "$@" | sha256sum | cut -d' ' -f1)
  echo "$sum" > "$stamp_dir/$step.pending"
  [[ ! -e "$output" || ! -f "$stamp_dir/$step" || "$(cat "$stamp_dir/$step")" != "$sum" ]]
}
done_step() { mv "$stamp_dir/$1.pending" "$stamp_dir/$1"; }
# Debian packages: as root here and in CI; through sudo on a workstation or a hosted runner.
as_root() { if [[ $EUID -eq 0 ]]; then "$@"; else sudo "$@"; fi; }

# A Terraform CLI configuration named but absent only makes every terraform call warn.
if [[ -n ${TF_CLI_CONFIG_FILE:-} && ! -e $TF_CLI_CONFIG_FILE ]]; then
  unset TF_CLI_CONFIG_FILE
fi

python_bin=${PYTHON:-python3.11}
if ! command -v "$python_bin" >/dev/null; then
  echo "setup: Python 3.11 is required (set PYTHON=/path/to/python3.11)" >&2
  exit 2
fi

if needs python .venv/bin/python pyproject.toml requirements.lock; then
  echo "setup: Python environment (.venv)"
  [[ -x .venv/bin/python ]] || "$python_bin" -m venv .venv
  .venv/bin/python -m pip install -q --disable-pip-version-check uv==0.13.8
  .venv/bin/uv pip sync -q --python .venv/bin/python requirements.lock
  .venv/bin/uv pip install -q --python .venv/bin/python --no-deps -e .
  done_step python
fi

if ! command -v java >/dev/null || ! command -v mvn >/dev/null; then
  echo "setup: installing Java 17 and Maven (apt)"
  as_root apt-get update -qq && as_root apt-get install -y -qq openjdk-17-jdk-headless maven >/dev/null
fi
if needs jars .jars/broker pom.xml .mvn/settings.xml; then
  echo "setup: JVM jars from Maven Central (.jars/)"
  rm -rf .jars
  for profile in spark broker; do
    mvn -q -B -s .mvn/settings.xml -Dmaven.repo.local="$root/.cache/m2" -P "$profile" \
      dependency:copy-dependencies >.cache/maven.log 2>&1 || { cat .cache/maven.log; exit 1; }
  done
  done_step jars
fi

for extra in scripts/setup.d/*.sh; do
  [[ -e "$extra" ]] || continue
  # shellcheck source=/dev/null
  source "$extra"
done

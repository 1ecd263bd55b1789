#!/usr/bin/env bash
# CI: examples/plugin-template installs into a fresh venv beside a plain (non-editable)
# install of secgate, as a third-party plugin's own CI would, and its tests pass there.
# Usage: bash .ci/plugin_template.sh   (from anywhere; needs python3 and a package index)
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
template="$repo/examples/plugin-template"

work="$(mktemp -d "${TMPDIR:-/tmp}/secgate-plugin-template.XXXXXX")"
trap 'rm -rf "$work"' EXIT

export PIP_DISABLE_PIP_VERSION_CHECK=1
python3 -m venv "$work/venv"
venv_python="$work/venv/bin/python"

echo "== plugin template: pip install secgate and the template into a fresh venv"
"$venv_python" -m pip install -q "$repo"
"$venv_python" -m pip install -q "$template[test]"
"$venv_python" -m pip show -q secgate-ci secgate-example-scanner >/dev/null

echo "== plugin template: its tests, with that venv's pytest"
cd "$template"
# -p no:cacheprovider: nothing written beside the tests; the template's own pyproject.toml
# is the pytest config (rootdir), so secgate's repository settings play no part.
"$venv_python" -m pytest -q -p no:cacheprovider tests

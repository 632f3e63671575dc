#!/usr/bin/env bash
# Set up NeuroPose from this checkout (uv, then the locked environment) and run the command.
# Usage: bash scripts/neuropose.sh process VIDEO [-o DIR]    (any `neuropose` arguments)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
if ! command -v uv >/dev/null 2>&1; then
    python3 -m pip install --quiet uv
fi
uv sync --quiet --locked --all-packages --project "$root"
exec uv run --quiet --locked --all-packages --project "$root" neuropose "$@"

#!/usr/bin/env bash
# Run one distribution's own tests (tests/PKG) against its built wheel, not the workspace.
#
# Usage: bash scripts/test_package.sh PKG [pytest arguments]
#        PKG is schema, estimator, daemon, analysis or cli.
#
# The wheels are built as they are published (uv build --no-sources) and installed into a new
# virtual environment with the test tools. PKG comes with every extra it declares, so that its
# optional backends are tested too; the CLI's extras are the other distributions, since its
# tests drive them through the command line. Third-party versions are pinned to uv.lock and
# the workspace's override-dependencies apply, as in the workspace. Otherwise the environment
# holds PKG and neuropose-schema only: a dependency the wheel forgot to declare, a file missing
# from it, or a test that imports a first-party package PKG does not depend on fails here,
# while the workspace's `uv run pytest` would pass. Cross-package flows belong in
# tests/integration.
#
# Environment: PYTHON (default 3.11) picks the interpreter; KEEP=1 keeps the build folder.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

usage() {
    echo "usage: bash scripts/test_package.sh {schema|estimator|daemon|analysis|cli} [pytest arguments]" >&2
    exit 2
}
[ "$#" -ge 1 ] || usage
package=$1
shift

# Wheels to build and install, and the test-only tools: pytest, pytest-timeout (the root pytest
# configuration sets a timeout), hypothesis, and what a package's tests need beyond those.
tools=(pytest pytest-timeout hypothesis)
case "$package" in
    schema) wheels=(schema) ;;
    # tests/analysis checks DTW against dtaidistance and writes its test videos with OpenCV.
    analysis) wheels=(schema analysis) tools+=(dtaidistance opencv-python-headless) ;;
    estimator) wheels=(schema estimator) ;;
    # tests/daemon/test_attack.py watches the daemon's child processes with psutil.
    daemon) wheels=(schema daemon) tools+=(psutil) ;;
    # The CLI's extras name the other distributions: build them so the extras resolve to them.
    cli) wheels=(schema estimator daemon analysis cli) ;;
    *) usage ;;
esac

if ! command -v uv >/dev/null 2>&1; then
    python3 -m pip install --quiet uv
fi
# Nothing from an activated environment may leak into the one built here.
unset VIRTUAL_ENV PYTHONPATH PYTHONHOME

work=$(mktemp -d "${TMPDIR:-/tmp}/neuropose-$package.XXXXXX")
if [ "${KEEP:-0}" = 1 ]; then
    echo "keeping $work" >&2
else
    trap 'rm -rf "$work"' EXIT
fi
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

started=$(now)
for name in "${wheels[@]}"; do
    uv build --quiet --package "neuropose-$name" --no-sources --wheel -o "$work/dist"
done
built=$(now)

# Third-party versions as locked for the workspace: the wheels' own Requires-Dist decide what
# gets installed, the lock only which versions.
uv export --quiet --locked --all-packages --all-extras --all-groups --no-emit-workspace \
    --no-hashes --no-header --no-annotate --format requirements-txt -o "$work/constraints.txt"
uv venv --quiet --python "${PYTHON:-3.11}" "$work/venv"
python=$work/venv/bin/python
"$python" - >"$work/overrides.txt" <<'EOF'
import tomllib

with open("pyproject.toml", "rb") as handle:
    uv = tomllib.load(handle).get("tool", {}).get("uv", {})
print("\n".join(uv.get("override-dependencies", [])))
EOF
requirements=()
for name in "${wheels[@]}"; do
    wheel=$(ls "$work"/dist/neuropose_"$name"-*.whl)
    if [ "$name" = "$package" ]; then
        extras=$(
            "$python" - "$wheel" <<'EOF'
import sys
import zipfile
from email.parser import Parser

with zipfile.ZipFile(sys.argv[1]) as archive:
    metadata = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
    message = Parser().parsestr(archive.read(metadata).decode())
print(",".join(message.get_all("Provides-Extra") or []))
EOF
        )
        if [ -n "$extras" ]; then
            wheel="$wheel[$extras]"
        fi
    fi
    requirements+=("$wheel")
done
uv pip install --quiet --python "$python" --constraint "$work/constraints.txt" \
    --override "$work/overrides.txt" "${requirements[@]}" "${tools[@]}"

# Prove the isolation: each installed package loads from the venv, and no other first-party
# package is importable at all.
"$python" - "${wheels[@]}" <<'EOF'
import importlib.util
import sys
import sysconfig
from pathlib import Path

installed = set(sys.argv[1:])
site = Path(sysconfig.get_paths()["purelib"]).resolve()
for name in ("schema", "estimator", "daemon", "analysis", "cli"):
    spec = importlib.util.find_spec(f"neuropose.{name}")
    if name not in installed:
        if spec is not None:
            sys.exit(f"neuropose.{name} is importable from {spec.origin} but was not installed")
        continue
    origin = Path(spec.origin if spec and spec.origin else "?").resolve()
    if site not in origin.parents:
        sys.exit(f"neuropose.{name} loads from {origin}, not from the wheel in {site}")
EOF
installed=$(now)

# The root pytest configuration (pythonpath = tests, importlib import mode, markers, timeout)
# applies as in the workspace; only the interpreter and its site-packages differ.
status=0
"$work/venv/bin/pytest" -c pyproject.toml --rootdir "$root" -p no:cacheprovider \
    "tests/$package" "$@" || status=$?
finished=$(now)

echo "neuropose-$package from its wheel: build $(elapsed "$started" "$built") s," \
    "environment $(elapsed "$built" "$installed") s, tests $(elapsed "$installed" "$finished") s" >&2
exit "$status"

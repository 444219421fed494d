#!/usr/bin/env bash
# Regenerate the lock files, every file pinned with its hash, for all platforms and Python >= 3.11:
# - requirements/action.lock: incident-kit's runtime dependencies (pyproject.toml); the GitHub
#   Action (action.yml) installs exactly this with `--require-hashes --only-binary :all:`;
# - requirements/release.lock: the release build's tools (requirements/release.in).
# Run it after changing the dependencies in pyproject.toml, and commit the result.
# Needs `uv` (in the test extra): .venv/bin/uv, else PATH.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
uv="$root/.venv/bin/uv"
[ -x "$uv" ] || uv="$(command -v uv || true)"
if [ -z "$uv" ]; then
    echo "lock: uv not found (pip install -e '.[test]')" >&2
    exit 1
fi
# The public index, not a local mirror: the hashes must be those of the files PyPI serves.
# Existing pins are kept; `scripts/lock.sh --upgrade` moves to the newest versions allowed.
compile() {
    "$uv" pip compile "$1" \
        --universal --python-version 3.11 \
        --generate-hashes --only-binary :all: \
        --index-url https://pypi.org/simple --no-config \
        --custom-compile-command "scripts/lock.sh" \
        "${@:3}" \
        -o "$2"
}
compile pyproject.toml requirements/action.lock "$@"
compile requirements/release.in requirements/release.lock "$@"

#!/usr/bin/env bash
# Regenerate requirements/action.lock: incident-kit's runtime dependencies (pyproject.toml),
# pinned with every file's hash, for all platforms and Python >= 3.11. The GitHub Action
# (action.yml) installs exactly this with `pip install --require-hashes --only-binary :all:`.
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
"$uv" pip compile pyproject.toml \
    --universal --python-version 3.11 \
    --generate-hashes --only-binary :all: \
    --index-url https://pypi.org/simple --no-config \
    --custom-compile-command "scripts/lock.sh" \
    "$@" \
    -o requirements/action.lock

#!/usr/bin/env bash
# Lint the GitHub Actions workflows (and the composite action.yml) with zizmor and actionlint: zizmor knows which
# contexts are attacker-controlled (client_payload, inputs) and actionlint does not;
# actionlint checks syntax, expressions and the scripts themselves.
# Exits non-zero on any finding. Tools come from the project's venv, else from PATH.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

tool() {
    if [ -x "$root/.venv/bin/$1" ]; then
        printf '%s\n' "$root/.venv/bin/$1"
    elif command -v "$1" >/dev/null 2>&1; then
        command -v "$1"
    else
        echo "lint-workflows: $1 not found (pip install -e '.[test]')" >&2
        return 1
    fi
}
zizmor="$(tool zizmor)"
actionlint="$(tool actionlint)"

# actionlint runs shellcheck and pyflakes on `run:` scripts only when they are on PATH, and
# says nothing when they are not; say it here so a clean result is not mistaken for more.
PATH="$root/.venv/bin:$PATH"
for checker in shellcheck pyflakes; do
    if ! command -v "$checker" >/dev/null 2>&1; then
        echo "lint-workflows: note: $checker not on PATH, actionlint skips those checks" >&2
    fi
done

status=0
# --offline: no network audits (and no token needed); --pedantic: also the audits that
# flag code smells. --no-progress keeps CI logs clean.
"$zizmor" --offline --pedantic --no-progress --quiet .github/workflows || status=1
# The composite action (action.yml) is zizmor's too; actionlint reads workflows only.
if [ -f action.yml ]; then
    "$zizmor" --offline --pedantic --no-progress --quiet action.yml || status=1
fi
"$actionlint" -no-color .github/workflows/*.yml || status=1
exit "$status"

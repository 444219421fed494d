#!/usr/bin/env bash
# Build and check a release, the same way here and in .github/workflows/release.yml:
#  1. the sdist and wheel are built from the commit (HEAD), not the work tree, and record that
#     commit (incident_kit/data/release.json: `incident init` pins the action to it);
#  2. with tools from requirements/release.lock (hash-checked), the backend without isolation;
#  3. `twine check --strict` on both;
#  4. the wheel installs in a fresh venv (its dependencies from requirements/action.lock), and
#     `incident --version`, `incident demo` and `incident init` (pinned to the commit) pass.
# Usage: scripts/build-release.sh [OUT_DIR]   (default: dist/; must not hold other files)
# RELEASE_TAG=vX.Y.Z (the release workflow sets it) must then name the package's version.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$(mkdir -p "${1:-$root/dist}" && cd "${1:-$root/dist}" && pwd)"
python="${PYTHON:-python3}"
pip_install() { "$1" -m pip install --disable-pip-version-check --no-input --no-cache-dir -q "${@:2}"; }

if [ -n "$(ls -A "$out")" ]; then
    echo "build-release: $out is not empty" >&2
    exit 1
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

commit="$(git -C "$root" rev-parse HEAD)"
mkdir "$work/src"
git -C "$root" archive --format=tar "$commit" | tar -x -C "$work/src"
version="$(cd "$work/src" && "$python" -c 'import incident_kit; print(incident_kit.__version__)')"
if [ -n "${RELEASE_TAG:-}" ] && [ "$RELEASE_TAG" != "v$version" ]; then
    echo "build-release: tag $RELEASE_TAG does not name version $version (incident_kit/__init__.py)" >&2
    exit 1
fi
printf '{"version": "%s", "commit": "%s"}\n' "$version" "$commit" > "$work/src/incident_kit/data/release.json"
echo "== building incident-kit $version from $commit"

"$python" -m venv "$work/tools"
pip_install "$work/tools/bin/python" --require-hashes --only-binary :all: -r "$root/requirements/release.lock"
"$work/tools/bin/python" -m build --no-isolation --sdist --wheel --outdir "$out" "$work/src" > "$work/build.log" \
    || { cat "$work/build.log" >&2; exit 1; }
"$work/tools/bin/python" -m twine check --strict "$out"/*

echo "== the wheel in a fresh venv"
"$python" -m venv "$work/smoke"
pip_install "$work/smoke/bin/python" --require-hashes --only-binary :all: -r "$root/requirements/action.lock"
pip_install "$work/smoke/bin/python" --no-deps --no-index "$out"/incident_kit-"$version"-py3-none-any.whl
incident="$work/smoke/bin/incident"
test "$("$incident" --version)" = "incident-kit $version"
(cd "$work" && "$incident" demo > "$work/demo.log") || { cat "$work/demo.log" >&2; exit 1; }
tail -n 1 "$work/demo.log"
git init -q -b main "$work/adopter"
git -C "$work/adopter" -c user.name=release -c user.email=release@example.com commit -q --allow-empty -m root
(cd "$work/adopter" && GIT_AUTHOR_NAME=release GIT_AUTHOR_EMAIL=release@example.com \
    GIT_COMMITTER_NAME=release GIT_COMMITTER_EMAIL=release@example.com "$incident" init > /dev/null)
grep -q "uses: incident-kit/incident-kit@$commit # v$version" "$work/adopter/.github/workflows/incident-alert.yml"
echo "== ok: $(cd "$out" && ls | tr '\n' ' ')(incident-kit $version, commit $commit)"

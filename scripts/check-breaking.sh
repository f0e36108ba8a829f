#!/usr/bin/env bash
# Fails when the protos under proto/ break compatibility with those of a
# previous commit, by buf's FILE rules (buf.yaml): a removed or renumbered
# field, a changed type, a removed method or message, and the like.
#
# Usage: scripts/check-breaking.sh [GIT_REF]   (default HEAD~1)
#
# Exits 77, which ctest reports as skipped, when there is no such commit
# (a shallow clone or the first commit) or it has no buf.yaml yet.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
buf="${repo_root}/tools/node_modules/.bin/buf"
against="${1:-HEAD~1}"

cd "${repo_root}"
if ! git rev-parse --verify --quiet "${against}^{commit}" >/dev/null; then
  echo "skipped: no commit ${against} in this clone to compare with"
  exit 77
fi
if ! git cat-file -e "${against}:buf.yaml" 2>/dev/null; then
  echo "skipped: ${against} has no buf.yaml"
  exit 77
fi

# The baseline is extracted the way the build reads the protos: buf.yaml
# and proto/ of that commit. The protos import only Google's well-known
# types, which buf carries itself, so no third-party protos are needed.
baseline="$(mktemp -d)"
trap 'rm -rf "${baseline}"' EXIT
git archive "${against}" buf.yaml proto | tar -x -C "${baseline}"

echo "comparing proto/ with $(git rev-parse --short "${against}")"
"${buf}" breaking --against "${baseline}"
echo "no breaking change"

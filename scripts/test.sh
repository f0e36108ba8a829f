#!/usr/bin/env bash
# Set-up command 2: installs what is missing, builds, and runs every test
# with ctest. Extra arguments go to ctest, e.g. scripts/test.sh -R e2e.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="${IRONORG_BUILD_DIR:-${repo_root}/build}"

"${repo_root}/scripts/setup.sh"
"${repo_root}/scripts/build.sh"

cd "${build_dir}"
ctest --output-on-failure -j "${IRONORG_JOBS:-2}" "$@"

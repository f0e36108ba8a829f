#!/usr/bin/env bash
# Configures and builds ironorg into build/ (or IRONORG_BUILD_DIR) with
# IRONORG_JOBS parallel jobs (default 2). Run scripts/setup.sh first.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="${IRONORG_BUILD_DIR:-${repo_root}/build}"
jobs="${IRONORG_JOBS:-2}"

cmake -S "${repo_root}" -B "${build_dir}" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "${build_dir}" -j "${jobs}"

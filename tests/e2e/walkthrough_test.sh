#!/usr/bin/env bash
# Starts the suite on free loopback ports with a temporary data folder,
# the same way scripts/run-local.sh does, and runs examples/walkthrough.sh
# against it. Fails if any step gets a status other than the expected one.
set -euo pipefail

bin_dir="$1"
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
data_dir="$(mktemp -d -t ironorg-walkthrough-XXXXXX)"

# shellcheck source=scripts/lib/suite.sh
source "${repo_root}/scripts/lib/suite.sh"
cleanup() {
  suite_stop
  rm -rf "${data_dir}"
}
trap cleanup EXIT

export IRONORG_IDENTITY_ADDR=127.0.0.1:0 IRONORG_PROJECTS_ADDR=127.0.0.1:0 \
  IRONORG_CLUSTERS_ADDR=127.0.0.1:0 IRONORG_BILLING_ADDR=127.0.0.1:0 \
  IRONORG_GATEWAY_ADDR=127.0.0.1:0
unset IRONORG_OPERATOR_TOKEN
suite_start "${bin_dir}" "${data_dir}"

IRONORG_GATEWAY_ADDR="${SUITE_GATEWAY_ADDR}" IRONORG_DATA_DIR="${data_dir}" \
  "${repo_root}/examples/walkthrough.sh"

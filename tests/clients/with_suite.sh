#!/usr/bin/env bash
# with_suite.sh BIN_DIR COMMAND [ARGS...]
#
# Starts the five ironorg binaries of BIN_DIR on free loopback ports with a
# temporary data folder, through the same shell functions as
# scripts/run-local.sh, and runs COMMAND against them. COMMAND gets the
# gateway address in IRONORG_GATEWAY_ADDR and the data folder, which contains
# the operator token in the file operator-token, in IRONORG_DATA_DIR. Exits
# with COMMAND's status, and stops the processes it started in every case.
# When COMMAND fails, it prints the end of each process's log.
set -euo pipefail

bin_dir="$1"
shift
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
data_dir="$(mktemp -d -t ironorg-clients-XXXXXX)"

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

status=0
IRONORG_GATEWAY_ADDR="${SUITE_GATEWAY_ADDR}" IRONORG_DATA_DIR="${data_dir}" "$@" ||
  status=$?
if ((status != 0)); then
  for log in "${data_dir}"/logs/*.log; do
    echo "--- the end of ${log##*/}:" >&2
    tail -n 20 "${log}" >&2
  done
fi
exit "${status}"

#!/usr/bin/env bash
# Set-up command 1: installs what is missing, builds, and runs the whole
# suite on loopback with its SQLite files under one data folder, until
# Ctrl-C or SIGTERM stops all five processes.
#
# Environment:
#   IRONORG_DATA_DIR        data folder (default ./var)
#   IRONORG_GATEWAY_ADDR    gateway address (default 127.0.0.1:50051)
#   IRONORG_OPERATOR_TOKEN  operator token (default: generated once and
#                           kept in the data folder with mode 0600)
#   IRONORG_IDENTITY_ADDR, IRONORG_PROJECTS_ADDR, IRONORG_CLUSTERS_ADDR,
#   IRONORG_BILLING_ADDR    service addresses (default 127.0.0.1:50061..4)
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="${IRONORG_BUILD_DIR:-${repo_root}/build}"
data_dir="${IRONORG_DATA_DIR:-${repo_root}/var}"

"${repo_root}/scripts/setup.sh"
"${repo_root}/scripts/build.sh"

# shellcheck source=scripts/lib/suite.sh
source "${repo_root}/scripts/lib/suite.sh"

mkdir -p "${data_dir}"
data_dir="$(cd "${data_dir}" && pwd)"
trap 'echo; echo "stopping ironorg"; suite_stop; exit 0' INT TERM
if ! suite_start "${build_dir}/bin" "${data_dir}"; then
  suite_stop
  exit 1
fi

buf="${repo_root}/tools/node_modules/.bin/buf"
cat <<INFO

ironorg is running. Gateway: ${SUITE_GATEWAY_ADDR}
Data folder: ${data_dir} (logs in ${data_dir}/logs)
Operator token (file ${data_dir}/operator-token):
  $(cat "${data_dir}/operator-token")

Try, from another shell in ${repo_root}:
  ${buf} curl --protocol grpc --http2-prior-knowledge --list-services http://${SUITE_GATEWAY_ADDR}
  IRONORG_GATEWAY_ADDR=${SUITE_GATEWAY_ADDR} examples/walkthrough.sh

Press Ctrl-C to stop all five processes.
INFO

# Returns when any of the five exits, for example after a kill by hand;
# the suite needs all five, so the rest are stopped too.
exited_pid=""
status=0
wait -n -p exited_pid || status=$?
echo "$(suite_name_of "${exited_pid}") exited with status ${status}, so the rest are stopping; see ${data_dir}/logs" >&2
suite_stop
exit 1

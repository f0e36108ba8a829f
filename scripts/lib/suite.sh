# Shell functions that start and stop the five ironorg processes on
# loopback. Sourced by scripts/run-local.sh and the walk-through test.
#
# suite_start BIN_DIR DATA_DIR starts identity, projects, clusters and
# billing, waits until each has written its ready file, then starts the
# gateway pointed at them. Addresses come from IRONORG_IDENTITY_ADDR,
# IRONORG_PROJECTS_ADDR, IRONORG_CLUSTERS_ADDR, IRONORG_BILLING_ADDR and
# IRONORG_GATEWAY_ADDR (defaults 127.0.0.1:50061..50064 and :50051; port 0
# picks a free port). On return SUITE_GATEWAY_ADDR contains the gateway's
# bound address and SUITE_PIDS the process ids. Logs go to DATA_DIR/logs.
# It prints each process's address and admin address (/metrics, /healthz)
# as the process becomes ready.
#
# The internal secret is DATA_DIR/internal-secret and the operator token
# DATA_DIR/operator-token unless IRONORG_OPERATOR_TOKEN is set; both are
# generated with mode 0600 when missing.

SUITE_PIDS=()
SUITE_NAMES=()
SUITE_GATEWAY_ADDR=""

suite_random_secret() {
  head -c 32 /dev/urandom | base64 | tr -d '=+/\n' | head -c 43
}

suite_ensure_secrets() {
  local data_dir="$1"
  (
    umask 077
    if [[ ! -s "${data_dir}/internal-secret" ]]; then
      suite_random_secret >"${data_dir}/internal-secret"
    fi
    if [[ -z "${IRONORG_OPERATOR_TOKEN:-}" && ! -s "${data_dir}/operator-token" ]]; then
      echo "iop_$(suite_random_secret)" >"${data_dir}/operator-token"
    fi
  )
  if [[ -n "${IRONORG_OPERATOR_TOKEN:-}" ]]; then
    (umask 077 && printf '%s\n' "${IRONORG_OPERATOR_TOKEN}" >"${data_dir}/operator-token")
  fi
}

# suite_wait_ready NAME PID READY_FILE LOG waits up to 30 s for the ready
# file. If the process exits first, it fails and prints the end of the log.
suite_wait_ready() {
  local name="$1" pid="$2" ready_file="$3" log="$4"
  local attempt
  for attempt in $(seq 1 300); do
    if [[ -s "${ready_file}" ]]; then
      return 0
    fi
    if ! kill -0 "${pid}" 2>/dev/null; then
      echo "ironorg-${name} exited during start-up; the end of ${log}:" >&2
      tail -n 20 "${log}" >&2
      return 1
    fi
    sleep 0.1
  done
  echo "ironorg-${name} did not become ready within 30 s; see ${log}" >&2
  return 1
}

# suite_launch NAME BIN_DIR DATA_DIR ADDRESS [FLAGS...]
suite_launch() {
  local name="$1" bin_dir="$2" data_dir="$3" address="$4"
  shift 4
  local ready_file="${data_dir}/run/${name}.addr"
  local log="${data_dir}/logs/${name}.log"
  rm -f "${ready_file}"
  "${bin_dir}/ironorg-${name}" \
    --listen_address="${address}" \
    --data_dir="${data_dir}" \
    --ready_file="${ready_file}" \
    --internal_secret_file="${data_dir}/internal-secret" \
    "$@" >>"${log}" 2>&1 &
  local pid=$!
  SUITE_PIDS+=("${pid}")
  SUITE_NAMES+=("${name}")
  suite_wait_ready "${name}" "${pid}" "${ready_file}" "${log}" || return 1
  # The server writes its admin address ("off" when it has none) to a file
  # beside the ready file, before the ready file itself.
  local admin
  admin="$(cat "${ready_file}.admin")"
  if [[ "${admin}" == off ]]; then
    echo "ironorg-${name} on $(cat "${ready_file}"), admin port off"
  else
    echo "ironorg-${name} on $(cat "${ready_file}"), metrics on http://${admin}/metrics"
  fi
}

suite_start() {
  local bin_dir="$1" data_dir="$2"
  # The databases hold password and token hashes and the logs hold email
  # addresses, so only the owner may read what the processes create. This
  # sets the umask of the calling shell.
  umask 077
  mkdir -p "${data_dir}/logs" "${data_dir}/run"
  suite_ensure_secrets "${data_dir}"

  suite_launch identity "${bin_dir}" "${data_dir}" \
    "${IRONORG_IDENTITY_ADDR:-127.0.0.1:50061}" || return 1
  local identity
  identity="$(cat "${data_dir}/run/identity.addr")"
  suite_launch projects "${bin_dir}" "${data_dir}" \
    "${IRONORG_PROJECTS_ADDR:-127.0.0.1:50062}" \
    --identity_address="${identity}" || return 1
  suite_launch clusters "${bin_dir}" "${data_dir}" \
    "${IRONORG_CLUSTERS_ADDR:-127.0.0.1:50063}" \
    --identity_address="${identity}" || return 1
  suite_launch billing "${bin_dir}" "${data_dir}" \
    "${IRONORG_BILLING_ADDR:-127.0.0.1:50064}" || return 1
  suite_launch gateway "${bin_dir}" "${data_dir}" \
    "${IRONORG_GATEWAY_ADDR:-127.0.0.1:50051}" \
    --identity_address="${identity}" \
    --projects_address="$(cat "${data_dir}/run/projects.addr")" \
    --clusters_address="$(cat "${data_dir}/run/clusters.addr")" \
    --billing_address="$(cat "${data_dir}/run/billing.addr")" \
    --operator_token_file="${data_dir}/operator-token" || return 1
  SUITE_GATEWAY_ADDR="$(cat "${data_dir}/run/gateway.addr")"
}

# suite_stop: sends SIGTERM to every process suite_start started, in
# reverse order, and waits for each to exit.
suite_stop() {
  local index
  for ((index = ${#SUITE_PIDS[@]} - 1; index >= 0; index--)); do
    kill -TERM "${SUITE_PIDS[index]}" 2>/dev/null || true
  done
  for index in "${!SUITE_PIDS[@]}"; do
    wait "${SUITE_PIDS[index]}" 2>/dev/null || true
  done
  SUITE_PIDS=()
  SUITE_NAMES=()
}

# suite_name_of PID: prints the process name suite_start gave PID.
suite_name_of() {
  local index
  for index in "${!SUITE_PIDS[@]}"; do
    if [[ "${SUITE_PIDS[index]}" == "$1" ]]; then
      echo "ironorg-${SUITE_NAMES[index]}"
      return
    fi
  done
  echo "process $1"
}

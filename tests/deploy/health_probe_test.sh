#!/usr/bin/env bash
# Checks --health_probe against a real ironorg binary on loopback: exit 0
# and SERVING while the server runs, exit 1 once nothing listens, and
# exit 2 on a bad --log_format. Usage: health_probe_test.sh BIN_DIR
set -euo pipefail

bin_dir="$1"
billing="${bin_dir}/ironorg-billing"
work="$(mktemp -d)"
server_pid=""
cleanup() {
  if [[ -n "${server_pid}" ]]; then
    kill "${server_pid}" 2>/dev/null || true
    wait "${server_pid}" 2>/dev/null || true
  fi
  rm -rf "${work}"
}
trap cleanup EXIT

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

head -c 48 /dev/urandom | base64 > "${work}/internal-secret"
"${billing}" --listen_address=127.0.0.1:0 --data_dir="${work}" \
  --ready_file="${work}/billing.addr" \
  --internal_secret_file="${work}/internal-secret" \
  --log_format=json 2> "${work}/billing.log" &
server_pid=$!

deadline=$((SECONDS + 30))
until [[ -s "${work}/billing.addr" ]]; do
  if ! kill -0 "${server_pid}" 2>/dev/null; then
    cat "${work}/billing.log" >&2
    fail "ironorg-billing exited during start-up"
  fi
  ((SECONDS < deadline)) || fail "ironorg-billing not ready in 30 s"
  sleep 0.05
done
address="$(cat "${work}/billing.addr")"

# A serving server: exit 0 and SERVING on standard output.
status=0
output="$("${billing}" --health_probe="${address}" 2>&1)" || status=$?
[[ "${status}" == 0 ]] || fail "probe of a serving server exited ${status}: ${output}"
[[ "${output}" == "SERVING" ]] || fail "probe printed \"${output}\", expected SERVING"

# The environment variable sets the probe as the flag does.
status=0
IRONORG_HEALTH_PROBE="${address}" "${billing}" >/dev/null 2>&1 || status=$?
[[ "${status}" == 0 ]] || fail "probe through IRONORG_HEALTH_PROBE exited ${status}"

# --log_format=json made every line of the server's log one JSON object.
/usr/bin/python3 - "${work}/billing.log" <<'PYTHON' || fail "log is not JSON lines"
import json
import sys

lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
assert lines, "no log lines"
for line in lines:
    record = json.loads(line)
    missing = {"time", "level", "process", "source", "message"} - set(record)
    assert not missing, f"missing {missing} in {line}"
    assert record["process"] == "billing", line
PYTHON

kill "${server_pid}"
wait "${server_pid}" || true
server_pid=""

# Nothing listening: exit 1 within the timeout.
status=0
output="$("${billing}" --health_probe="${address}" \
  --health_probe_timeout=2s 2>&1)" || status=$?
[[ "${status}" == 1 ]] || fail "probe with nothing listening exited ${status}: ${output}"

status=0
"${billing}" --log_format=xml >/dev/null 2>&1 || status=$?
[[ "${status}" == 2 ]] || fail "--log_format=xml exited ${status}, expected 2"

echo "health probe checks passed"

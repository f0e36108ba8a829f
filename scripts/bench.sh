#!/usr/bin/env bash
# Runs every benchmark scenario in one go against the real binaries on
# loopback free ports, with a temporary data folder, and prints one table
# with each scenario's ratio to the echo baseline measured in the same
# run. docs/benchmarks.md describes the scenarios and the table.
#
# Usage: scripts/bench.sh [--quick] [--output FILE]
#   --quick        2 s per scenario and small seeds, about a minute in all;
#                  ctest runs it as bench.quick
#   --output FILE  where the table goes (default build/bench/results.md,
#                  or build/bench/results-quick.md with --quick)
#
# Exits 1 if a scenario fails to run or a call of a scenario that should
# succeed gets a non-OK status. It never judges times or rates.
# Environment: IRONORG_BUILD_DIR (default build/).
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="${IRONORG_BUILD_DIR:-${repo_root}/build}"
bin_dir="${build_dir}/bin"

quick=0
output=""
while (($#)); do
  case "$1" in
    --quick) quick=1 ;;
    --output)
      output="${2:?--output needs a file}"
      shift
      ;;
    --output=*) output="${1#--output=}" ;;
    *)
      echo "usage: scripts/bench.sh [--quick] [--output FILE]" >&2
      exit 2
      ;;
  esac
  shift
done

if ((quick)); then
  duration=2s warmup=0.5s
  small_users=1000 large_users=20000 few_grants=10 many_grants=500
  output="${output:-${build_dir}/bench/results-quick.md}"
else
  duration=20s warmup=2s
  small_users=1000 large_users=1000000 few_grants=10 many_grants=10000
  output="${output:-${build_dir}/bench/results.md}"
fi
concurrency=16
open_rate=5000
page_size=100

# Build what is missing; a configured build folder is reused.
binaries=(ironorg-identity ironorg-projects ironorg-clusters ironorg-billing
  ironorg-gateway ironorg-bench-echo ironorg-bench-load ironorg-bench-seed)
for binary in "${binaries[@]}"; do
  if [[ ! -x "${bin_dir}/${binary}" ]]; then
    if [[ ! -f "${build_dir}/CMakeCache.txt" ]]; then
      cmake -S "${repo_root}" -B "${build_dir}" >/dev/null
    fi
    cmake --build "${build_dir}" -j "${IRONORG_JOBS:-2}" --target "${binaries[@]}"
    break
  fi
done

# shellcheck source=scripts/lib/suite.sh
source "${repo_root}/scripts/lib/suite.sh"

work="$(mktemp -d "${TMPDIR:-/tmp}/ironorg-bench.XXXXXX")"
extra_pids=()
# Runs from the EXIT trap.
# shellcheck disable=SC2317
cleanup() {
  local pid
  for pid in "${extra_pids[@]}"; do
    kill -TERM "${pid}" 2>/dev/null || true
    wait "${pid}" 2>/dev/null || true
  done
  suite_stop
  if [[ -n "${IRONORG_BENCH_KEEP:-}" ]]; then
    echo "kept the data folder and logs in ${work}" >&2
  else
    rm -rf "${work}"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

results="${work}/results.jsonl"
load="${bin_dir}/ironorg-bench-load"
: >"${results}"

# record KIND JSON-FIELDS: appends one object to the results file.
record() {
  printf '{"kind":"%s",%s}\n' "$1" "$2" >>"${results}"
}

free_port() {
  /usr/bin/python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# rss_kib PID: prints the resident memory of PID in KiB.
rss_kib() {
  if [[ ! -r "/proc/$1/status" ]]; then
    echo "process $1 is no longer running; see the logs in ${work}/data/logs" >&2
    return 1
  fi
  awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"
}

# measure_startup LABEL DATA_DIR: starts ironorg-identity on DATA_DIR and
# records the time from launch until its health check returns SERVING.
measure_startup() {
  local label="$1" data_dir="$2" port pid start output
  port="$(free_port)"
  mkdir -p "${data_dir}/logs"
  start="$(date +%s%N)"
  "${bin_dir}/ironorg-identity" --listen_address="127.0.0.1:${port}" \
    --data_dir="${data_dir}" \
    --internal_secret_file="${work}/data/internal-secret" \
    >>"${data_dir}/logs/startup.log" 2>&1 &
  pid=$!
  extra_pids+=("${pid}")
  output="$("${load}" --target="127.0.0.1:${port}" --wait_for_serving=120s \
    --since_unix_nanos="${start}")"
  record startup "\"process\":\"ironorg-identity\",\"store\":\"${label}\",\"result\":${output}"
  kill -TERM "${pid}"
  wait "${pid}" || true
  extra_pids=()
}

# run_load NAME EXPECT_OK DISPLAY TARGET METHOD REQUEST [FLAGS...]: runs
# the load generator and records its JSON line, or the failure. DISPLAY
# is the command as the table prints it, with tokens left out.
run_load() {
  local name="$1" expect_ok="$2" display="$3" target="$4" method="$5"
  local request="$6" output
  shift 6
  display="${display//\\/\\\\}"
  display="${display//\"/\\\"}"
  echo "running: ${name}" >&2
  if output="$("${load}" --target="${target}" --method="${method}" \
    --request="${request}" --duration="${duration}" --warmup="${warmup}" \
    --concurrency="${concurrency}" "$@" 2>>"${work}/load.log")"; then
    record load "\"name\":\"${name}\",\"expect_ok\":${expect_ok},\"command\":\"${display}\",\"result\":${output}"
  else
    record load "\"name\":\"${name}\",\"expect_ok\":${expect_ok},\"command\":\"${display}\",\"error\":\"the load generator exited with $?\""
  fi
}

# login EMAIL: prints an access token of EMAIL.
login() {
  "${load}" --target="${SUITE_GATEWAY_ADDR}" --print_response \
    --method=/ironorg.identity.v1.AuthService/Login \
    --request="{\"email\":\"$1\",\"password\":\"${password}\"}" |
    /usr/bin/python3 -c 'import json, sys; print(json.load(sys.stdin)["accessToken"])'
}

json_field() {
  /usr/bin/python3 -c 'import json, sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"
}

umask 077
mkdir -p "${work}/data/logs" "${work}/data/run" "${work}/empty"
suite_ensure_secrets "${work}/data"
password="bench-password-not-secret"

# Start-up time with an empty store, then seeding, then start-up time with
# the seeded store.
measure_startup empty "${work}/empty"
seed="$("${bin_dir}/ironorg-bench-seed" --data_dir="${work}/data" \
  --small_users="${small_users}" --large_users="${large_users}" \
  --few_grants="${few_grants}" --many_grants="${many_grants}" \
  --password="${password}" 2>>"${work}/data/logs/seed.log")"
record seed "\"result\":${seed}"
measure_startup "$((small_users + large_users)) users" "${work}/data"

# The suite and the baseline, each on a free loopback port.
export IRONORG_IDENTITY_ADDR=127.0.0.1:0 IRONORG_PROJECTS_ADDR=127.0.0.1:0
export IRONORG_CLUSTERS_ADDR=127.0.0.1:0 IRONORG_BILLING_ADDR=127.0.0.1:0
export IRONORG_GATEWAY_ADDR=127.0.0.1:0
suite_start "${bin_dir}" "${work}/data"
"${bin_dir}/ironorg-bench-echo" --listen_address=127.0.0.1:0 \
  --ready_file="${work}/data/run/echo.addr" \
  >>"${work}/data/logs/echo.log" 2>&1 &
echo_pid=$!
extra_pids+=("${echo_pid}")
suite_wait_ready bench-echo "${echo_pid}" "${work}/data/run/echo.addr" \
  "${work}/data/logs/echo.log"
echo_addr="$(cat "${work}/data/run/echo.addr")"
projects_addr="$(cat "${work}/data/run/projects.addr")"

processes=("ironorg-bench-echo:${echo_pid}")
for index in "${!SUITE_PIDS[@]}"; do
  processes+=("ironorg-${SUITE_NAMES[index]}:${SUITE_PIDS[index]}")
done
for entry in "${processes[@]}"; do
  record memory "\"process\":\"${entry%%:*}\",\"phase\":\"idle\",\"rss_kib\":$(rss_kib "${entry##*:}")"
done

small_org="$(json_field small_organization <<<"${seed}")"
large_org="$(json_field large_organization <<<"${seed}")"
project="$(json_field project <<<"${seed}")"
developer="$(json_field few_grants_developer <<<"${seed}")"
small_admin_token="$(login "$(json_field small_admin_email <<<"${seed}")")"
large_admin_token="$(login "$(json_field large_admin_email <<<"${seed}")")"
few_token="$(login "$(json_field few_grants_developer_email <<<"${seed}")")"
many_token="$(login "$(json_field many_grants_developer_email <<<"${seed}")")"

gateway="${SUITE_GATEWAY_ADDR}"
echo_method=/ironorg.bench.v1.EchoService/Echo
get_project=/ironorg.projects.v1.ProjectService/GetProject
list_users=/ironorg.identity.v1.UserService/ListUsers
list_projects=/ironorg.projects.v1.ProjectService/ListProjects
auth="authorization:Bearer"

# 1. The baseline, closed and open loop.
run_load "1. echo (baseline)" true "--method=${echo_method}" \
  "${echo_addr}" "${echo_method}" '{}'
run_load "1. echo (baseline)" true \
  "--method=${echo_method} --mode=open --rate=${open_rate}" \
  "${echo_addr}" "${echo_method}" '{}' --mode=open --rate="${open_rate}"

# 2. An authorized read through the gateway, as a Developer with a grant.
run_load "2. GetProject via gateway" true \
  "--method=${get_project} --metadata '${auth} \$DEVELOPER_TOKEN'" \
  "${gateway}" "${get_project}" "{\"name\":\"${project}\"}" \
  --metadata "${auth} ${few_token}"
run_load "2. GetProject via gateway" true \
  "--method=${get_project} --metadata '${auth} \$DEVELOPER_TOKEN' --mode=open --rate=${open_rate}" \
  "${gateway}" "${get_project}" "{\"name\":\"${project}\"}" \
  --metadata "${auth} ${few_token}" --mode=open --rate="${open_rate}"

# 3. The same read straight to the projects service, signed as the
# gateway signs it.
principal="kind: KIND_USER_ACCESS_TOKEN organization: \"${small_org}\" user: \"${developer}\" role: ROLE_DEVELOPER"
run_load "3. GetProject direct, signed" true \
  "--method=${get_project} --internal_secret_file=internal-secret --principal='kind: KIND_USER_ACCESS_TOKEN ...'" \
  "${projects_addr}" "${get_project}" "{\"name\":\"${project}\"}" \
  --internal_secret_file="${work}/data/internal-secret" \
  --principal="${principal}"

# 5. Login, which is one Argon2id verification per call. Identity counts
# every login attempt of an email before hashing and locks the email after
# 5 that have not succeeded yet, so more than 4 concurrent logins of one
# email get RESOURCE_EXHAUSTED by design.
run_load "5. Login" true \
  "--method=/ironorg.identity.v1.AuthService/Login --concurrency=4" \
  "${gateway}" /ironorg.identity.v1.AuthService/Login \
  "{\"email\":\"$(json_field small_admin_email <<<"${seed}")\",\"password\":\"${password}\"}" \
  --concurrency=4

# 6. ListUsers, first and middle page, in the small and the large
# organization. The middle page token is reached by walking pages of up to
# 1000 users.
for size in small large; do
  if [[ "${size}" == small ]]; then
    org="${small_org}" token="${small_admin_token}" users="${small_users}"
  else
    org="${large_org}" token="${large_admin_token}" users="${large_users}"
  fi
  request="{\"parent\":\"${org}\",\"pageSize\":${page_size}}"
  run_load "6. ListUsers first page, ${users} users" true \
    "--method=${list_users} --request='{\"pageSize\":${page_size}}' --metadata '${auth} \$ADMIN_TOKEN'" \
    "${gateway}" "${list_users}" "${request}" --metadata "${auth} ${token}"
  walk_size=$((users / 2 < 1000 ? users / 2 : 1000))
  middle="$("${load}" --target="${gateway}" --method="${list_users}" \
    --request="{\"parent\":\"${org}\",\"pageSize\":${walk_size}}" \
    --metadata "${auth} ${token}" --walk_pages="$((users / 2 / walk_size))")"
  run_load "6. ListUsers middle page, ${users} users" true \
    "--method=${list_users} --request='{\"pageSize\":${page_size},\"pageToken\":...}' --metadata '${auth} \$ADMIN_TOKEN'" \
    "${gateway}" "${list_users}" \
    "{\"parent\":\"${org}\",\"pageSize\":${page_size},\"pageToken\":\"${middle}\"}" \
    --metadata "${auth} ${token}"
done

# 7. A Developer's ListProjects with few and with many grants. Both pages
# hold the same number of projects (the few grants' count), so the
# comparison shows what the number of grants costs, not the page size.
grant_page_size="${few_grants}"
for grants in "${few_grants}" "${many_grants}"; do
  if [[ "${grants}" == "${few_grants}" ]]; then token="${few_token}"; else token="${many_token}"; fi
  run_load "7. ListProjects, ${grants} grants" true \
    "--method=${list_projects} --request='{\"pageSize\":${grant_page_size}}' --metadata '${auth} \$DEVELOPER_TOKEN'" \
    "${gateway}" "${list_projects}" \
    "{\"parent\":\"${small_org}\",\"pageSize\":${grant_page_size}}" \
    --metadata "${auth} ${token}"
done

# 4. A durable write through the gateway. It runs last so that the
# projects it creates leave the stores of the other scenarios as seeded.
run_load "4. CreateProject via gateway" true \
  "--method=/ironorg.projects.v1.ProjectService/CreateProject --metadata '${auth} \$ADMIN_TOKEN'" \
  "${gateway}" /ironorg.projects.v1.ProjectService/CreateProject \
  "{\"parent\":\"${small_org}\",\"project\":{\"displayName\":\"Bench\"}}" \
  --metadata "${auth} ${small_admin_token}"

for entry in "${processes[@]}"; do
  record memory "\"process\":\"${entry%%:*}\",\"phase\":\"after load\",\"rss_kib\":$(rss_kib "${entry##*:}")"
done

mkdir -p "$(dirname "${output}")"
command_line="scripts/bench.sh"
if ((quick)); then
  command_line+=" --quick"
fi
status=0
/usr/bin/python3 "${repo_root}/bench/report.py" --results="${results}" \
  --command="${command_line}" --duration="${duration}" \
  --warmup="${warmup}" --concurrency="${concurrency}" >"${output}" || status=$?
cat "${output}"
echo
echo "Written to ${output}"
if ((status != 0)); then
  echo "The load generator's messages for failed calls:" >&2
  sort "${work}/load.log" | uniq -c | sort -rn | head -n 20 >&2
fi
exit "${status}"

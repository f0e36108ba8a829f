#!/usr/bin/env bash
# An organization admin's day against a running suite, with buf curl over
# server reflection. The operator creates an organization. Its Admin adds
# one user of each other role, creates projects and a Hybrid cluster, and
# grants them. Then each role tries what it may and may not do. Each step
# prints the status it got and the status expected, and the script exits 1
# if any step got another status.
#
# Environment:
#   IRONORG_GATEWAY_ADDR    the gateway (default 127.0.0.1:50051)
#   IRONORG_OPERATOR_TOKEN  the operator token (default: the file
#                           operator-token in IRONORG_DATA_DIR, ./var)
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
gateway="${IRONORG_GATEWAY_ADDR:-127.0.0.1:50051}"
data_dir="${IRONORG_DATA_DIR:-${repo_root}/var}"
buf="${repo_root}/tools/node_modules/.bin/buf"
operator_token="${IRONORG_OPERATOR_TOKEN:-$(cat "${data_dir}/operator-token" 2>/dev/null || true)}"
if [[ -z "${operator_token}" ]]; then
  echo "no operator token: set IRONORG_OPERATOR_TOKEN or IRONORG_DATA_DIR" >&2
  exit 2
fi

mismatches=0
step_number=0
response=""

# call EXPECTED TOKEN METHOD JSON: calls METHOD (service/method) through
# the gateway, prints the outcome, and leaves the response JSON in
# $response. EXPECTED is a gRPC status in buf's spelling: ok,
# permission_denied, unauthenticated, invalid_argument, ...
call() {
  local expected="$1" token="$2" method="$3" body="$4"
  local header=()
  if [[ -n "${token}" ]]; then
    header=(-H "authorization: Bearer ${token}")
  fi
  local output error_file code
  error_file="$(mktemp)"
  step_number=$((step_number + 1))
  if output="$("${buf}" curl --protocol grpc --http2-prior-knowledge \
      "${header[@]}" -d "${body}" "http://${gateway}/${method}" 2>"${error_file}")"; then
    code=ok
    response="${output}"
  else
    code="$(jq -r '.code // empty' <"${error_file}" 2>/dev/null || true)"
    code="${code:-unknown}"
    response=""
  fi
  local verdict="as expected"
  if [[ "${code}" != "${expected}" ]]; then
    verdict="EXPECTED ${expected}"
    mismatches=$((mismatches + 1))
    sed 's/^/      /' "${error_file}" >&2
  fi
  rm -f "${error_file}"
  printf '%2d. %-58s %-18s %s\n' "${step_number}" "${STEP}" "${code}" "${verdict}"
}

field() { jq -r "$1" <<<"${response}"; }

suffix="$(date +%s)-${RANDOM}"
password="correct horse battery staple"

echo "ironorg walk-through against ${gateway}"
echo

STEP="operator creates organization Acme"
call ok "${operator_token}" ironorg.identity.v1.OrganizationService/CreateOrganization \
  "{\"organization\":{\"displayName\":\"Acme ${suffix}\"},\"adminEmail\":\"ada-${suffix}@acme.example\",\"adminDisplayName\":\"Ada Admin\",\"adminPassword\":\"${password}\",\"requestId\":\"walkthrough-${suffix}\"}"
org="$(field .name)"

STEP="Ada (Admin) logs in"
call ok "" ironorg.identity.v1.AuthService/Login \
  "{\"email\":\"ada-${suffix}@acme.example\",\"password\":\"${password}\"}"
admin="$(field .accessToken)"

declare -A tokens users
for role in ADMIN_READ_ONLY DEVELOPER ACCOUNTANT; do
  person="${role,,}"
  STEP="Admin adds a user with ROLE_${role}"
  call ok "${admin}" ironorg.identity.v1.UserService/CreateUser \
    "{\"parent\":\"${org}\",\"user\":{\"email\":\"${person}-${suffix}@acme.example\",\"displayName\":\"${person}\",\"role\":\"ROLE_${role}\"},\"password\":\"${password}\"}"
  users[${role}]="$(field .name)"
  STEP="ROLE_${role} user logs in"
  call ok "" ironorg.identity.v1.AuthService/Login \
    "{\"email\":\"${person}-${suffix}@acme.example\",\"password\":\"${password}\"}"
  tokens[${role}]="$(field .accessToken)"
done
developer="${tokens[DEVELOPER]}"
read_only="${tokens[ADMIN_READ_ONLY]}"
accountant="${tokens[ACCOUNTANT]}"

STEP="Admin creates project Website"
call ok "${admin}" ironorg.projects.v1.ProjectService/CreateProject \
  "{\"parent\":\"${org}\",\"project\":{\"displayName\":\"Website\"}}"
website="$(field .name)"
STEP="Admin creates project Payroll"
call ok "${admin}" ironorg.projects.v1.ProjectService/CreateProject \
  "{\"parent\":\"${org}\",\"project\":{\"displayName\":\"Payroll\"}}"
payroll="$(field .name)"
STEP="Admin grants Website to the Developer"
call ok "${admin}" ironorg.projects.v1.ProjectAccessService/GrantProjectAccess \
  "{\"project\":\"${website}\",\"user\":\"${users[DEVELOPER]}\"}"

STEP="Admin creates a Hybrid cluster (2048 MiB, 20 GiB)"
call ok "${admin}" ironorg.clusters.v1.ClusterService/CreateCluster \
  "{\"parent\":\"${org}\",\"cluster\":{\"displayName\":\"On-prem\",\"memoryPerRunnerMb\":2048,\"diskPerRunnerGb\":20}}"
cluster="$(field .name)"
STEP="Admin grants the cluster to the Developer"
call ok "${admin}" ironorg.clusters.v1.ClusterAccessService/GrantClusterAccess \
  "{\"cluster\":\"${cluster}\",\"user\":\"${users[DEVELOPER]}\"}"
STEP="Admin creates a cluster with 0 MiB per runner"
call invalid_argument "${admin}" ironorg.clusters.v1.ClusterService/CreateCluster \
  "{\"parent\":\"${org}\",\"cluster\":{\"displayName\":\"Broken\",\"memoryPerRunnerMb\":0}}"

echo
STEP="Developer lists projects (sees Website only)"
call ok "${developer}" ironorg.projects.v1.ProjectService/ListProjects "{\"parent\":\"${org}\"}"
seen="$(field '[.projects[]?.displayName] | join(",")')"
if [[ "${seen}" != "Website" ]]; then
  echo "      the Developer saw projects [${seen}], expected [Website]"
  mismatches=$((mismatches + 1))
fi
STEP="Developer reads Payroll (not granted)"
call permission_denied "${developer}" ironorg.projects.v1.ProjectService/GetProject "{\"name\":\"${payroll}\"}"
STEP="Developer reads the granted cluster"
call ok "${developer}" ironorg.clusters.v1.ClusterService/GetCluster "{\"name\":\"${cluster}\"}"
STEP="Developer creates a project"
call permission_denied "${developer}" ironorg.projects.v1.ProjectService/CreateProject \
  "{\"parent\":\"${org}\",\"project\":{\"displayName\":\"Shadow IT\"}}"
STEP="Developer lists users"
call permission_denied "${developer}" ironorg.identity.v1.UserService/ListUsers "{\"parent\":\"${org}\"}"

STEP="Admin read-only lists users"
call ok "${read_only}" ironorg.identity.v1.UserService/ListUsers "{\"parent\":\"${org}\"}"
STEP="Admin read-only reads Payroll"
call ok "${read_only}" ironorg.projects.v1.ProjectService/GetProject "{\"name\":\"${payroll}\"}"
STEP="Admin read-only creates a user"
call permission_denied "${read_only}" ironorg.identity.v1.UserService/CreateUser \
  "{\"parent\":\"${org}\",\"user\":{\"email\":\"x-${suffix}@acme.example\",\"displayName\":\"X\",\"role\":\"ROLE_DEVELOPER\"},\"password\":\"${password}\"}"

STEP="Accountant lists the organization's subscriptions"
call ok "${accountant}" ironorg.billing.v1.SubscriptionService/ListSubscriptions "{\"parent\":\"${org}\"}"
STEP="Accountant lists the IronWorker plans"
call ok "${accountant}" ironorg.billing.v1.PlanService/ListPlans "{\"product\":\"PRODUCT_IRON_WORKER\"}"
STEP="Accountant lists projects"
call permission_denied "${accountant}" ironorg.projects.v1.ProjectService/ListProjects "{\"parent\":\"${org}\"}"

STEP="Admin creates a second user with Ada's email"
call already_exists "${admin}" ironorg.identity.v1.UserService/CreateUser \
  "{\"parent\":\"${org}\",\"user\":{\"email\":\" ADA-${suffix}@acme.example \",\"displayName\":\"Copy\",\"role\":\"ROLE_DEVELOPER\"},\"password\":\"${password}\"}"
STEP="Admin creates an organization (operator only)"
call permission_denied "${admin}" ironorg.identity.v1.OrganizationService/CreateOrganization \
  "{\"organization\":{\"displayName\":\"Other\"},\"adminEmail\":\"o-${suffix}@acme.example\",\"adminDisplayName\":\"O\",\"adminPassword\":\"${password}\"}"
STEP="anonymous caller lists users"
call unauthenticated "" ironorg.identity.v1.UserService/ListUsers "{\"parent\":\"${org}\"}"

echo
if ((mismatches > 0)); then
  echo "${mismatches} checks failed in ${step_number} steps"
  exit 1
fi
echo "all ${step_number} steps got the expected status"

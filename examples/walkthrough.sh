#!/usr/bin/env bash
# An organization admin's day against a running suite, with buf curl over
# server reflection. The operator creates an organization. Its Admin adds
# one user of each other role, creates projects and a Hybrid cluster, and
# grants them. Then each role tries what it may and may not do. In the
# afternoon the Admin edits and deletes a user, changes roles, sets a
# user's projects, rotates the cluster token that a runner then registers
# with, and the Accountant changes a plan and the billing data. Each step
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
first_cluster_token="$(field .clusterToken)"
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
echo "The afternoon: edit, rotate, register, bill, delete"
STEP="Admin adds Tom, a temporary Developer"
call ok "${admin}" ironorg.identity.v1.UserService/CreateUser \
  "{\"parent\":\"${org}\",\"user\":{\"email\":\"tom-${suffix}@acme.example\",\"displayName\":\"Tom\",\"role\":\"ROLE_DEVELOPER\"},\"password\":\"${password}\"}"
tom="$(field .name)"
STEP="Admin renames Tom"
call ok "${admin}" ironorg.identity.v1.UserService/UpdateUser \
  "{\"user\":{\"name\":\"${tom}\",\"displayName\":\"Tom Temp\"},\"updateMask\":\"displayName\"}"
STEP="Admin makes Tom an Admin read-only"
call ok "${admin}" ironorg.identity.v1.UserService/SetUserRole \
  "{\"name\":\"${tom}\",\"role\":\"ROLE_ADMIN_READ_ONLY\"}"
STEP="Admin makes Tom a Developer again"
call ok "${admin}" ironorg.identity.v1.UserService/SetUserRole \
  "{\"name\":\"${tom}\",\"role\":\"ROLE_DEVELOPER\"}"
STEP="Admin sets Tom's projects to Website and Payroll"
call ok "${admin}" ironorg.projects.v1.ProjectAccessService/SetUserProjects \
  "{\"user\":\"${tom}\",\"projects\":[\"${website}\",\"${payroll}\"]}"
STEP="Admin sets the Developer's projects to Payroll only"
call ok "${admin}" ironorg.projects.v1.ProjectAccessService/SetUserProjects \
  "{\"user\":\"${users[DEVELOPER]}\",\"projects\":[\"${payroll}\"]}"
STEP="Developer lists projects (sees Payroll only)"
call ok "${developer}" ironorg.projects.v1.ProjectService/ListProjects "{\"parent\":\"${org}\"}"
seen="$(field '[.projects[]?.displayName] | join(",")')"
if [[ "${seen}" != "Payroll" ]]; then
  echo "      the Developer saw projects [${seen}], expected [Payroll]"
  mismatches=$((mismatches + 1))
fi
STEP="Admin read-only lists Website's members"
call ok "${read_only}" ironorg.projects.v1.ProjectAccessService/ListProjectMembers \
  "{\"project\":\"${website}\"}"
STEP="Admin renames Website to Storefront"
call ok "${admin}" ironorg.projects.v1.ProjectService/UpdateProject \
  "{\"project\":{\"name\":\"${website}\",\"displayName\":\"Storefront\"},\"updateMask\":\"displayName\"}"
STEP="Admin sets a stale etag on Storefront"
call aborted "${admin}" ironorg.projects.v1.ProjectService/UpdateProject \
  "{\"project\":{\"name\":\"${website}\",\"displayName\":\"Shop\",\"etag\":\"1\"},\"updateMask\":\"displayName\"}"

STEP="Admin gives the cluster 4096 MiB per runner"
call ok "${admin}" ironorg.clusters.v1.ClusterService/UpdateCluster \
  "{\"cluster\":{\"name\":\"${cluster}\",\"memoryPerRunnerMb\":4096},\"updateMask\":\"memoryPerRunnerMb\"}"
STEP="Admin rotates the cluster token"
call ok "${admin}" ironorg.clusters.v1.ClusterService/RotateClusterToken "{\"name\":\"${cluster}\"}"
cluster_token="$(field .clusterToken)"
STEP="a runner registers with the old token"
call unauthenticated "${first_cluster_token}" ironorg.clusters.v1.RunnerService/RegisterRunner \
  "{\"cluster\":\"${cluster}\",\"hostname\":\"runner-1.acme.example\"}"
STEP="a runner registers with the new token"
call ok "${cluster_token}" ironorg.clusters.v1.RunnerService/RegisterRunner \
  "{\"cluster\":\"${cluster}\",\"hostname\":\"runner-1.acme.example\"}"
runner="$(field .runner.name)"
memory="$(field .memoryPerRunnerMb)"
if [[ "${memory}" != "4096" ]]; then
  echo "      the runner got ${memory} MiB per runner, expected 4096"
  mismatches=$((mismatches + 1))
fi
STEP="the runner sends a heartbeat"
call ok "${cluster_token}" ironorg.clusters.v1.RunnerService/Heartbeat "{\"name\":\"${runner}\"}"
STEP="the Developer registers a runner with a user token"
call permission_denied "${developer}" ironorg.clusters.v1.RunnerService/RegisterRunner \
  "{\"cluster\":\"${cluster}\",\"hostname\":\"laptop\"}"
STEP="Developer lists the granted cluster's runners"
call ok "${developer}" ironorg.clusters.v1.RunnerService/ListRunners "{\"parent\":\"${cluster}\"}"
STEP="Developer reads the cluster (now ready)"
call ok "${developer}" ironorg.clusters.v1.ClusterService/GetCluster "{\"name\":\"${cluster}\"}"
state="$(field .state)"
if [[ "${state}" != "STATE_READY" ]]; then
  echo "      the cluster is ${state}, expected STATE_READY"
  mismatches=$((mismatches + 1))
fi

STEP="Accountant moves IronWorker to the Launch plan"
call ok "${accountant}" ironorg.billing.v1.SubscriptionService/ChangePlan \
  "{\"name\":\"${org}/subscriptions/iron-worker\",\"plan\":\"plans/iron-worker-launch\",\"requestId\":\"plan-${suffix}\"}"
STEP="Developer changes a plan"
call permission_denied "${developer}" ironorg.billing.v1.SubscriptionService/ChangePlan \
  "{\"name\":\"${org}/subscriptions/iron-worker\",\"plan\":\"plans/iron-worker-professional\"}"
STEP="Admin read-only lists the IronWorker plan history"
call ok "${read_only}" ironorg.billing.v1.SubscriptionService/ListPlanChanges \
  "{\"parent\":\"${org}/subscriptions/iron-worker\"}"
STEP="Accountant sets the billing contact and payment token"
call ok "${accountant}" ironorg.billing.v1.BillingAccountService/UpdateBillingAccount \
  "{\"billingAccount\":{\"name\":\"${org}/billingAccount\",\"billingEmail\":\"billing@acme.example\",\"companyName\":\"Acme Inc.\",\"paymentMethod\":\"pm_1Q2w3E4r5T\"},\"updateMask\":\"billingEmail,companyName,paymentMethod\"}"
STEP="Accountant pastes a card number as payment method"
call invalid_argument "${accountant}" ironorg.billing.v1.BillingAccountService/UpdateBillingAccount \
  "{\"billingAccount\":{\"name\":\"${org}/billingAccount\",\"paymentMethod\":\"4242 4242 4242 4242\"},\"updateMask\":\"paymentMethod\"}"
STEP="Admin read-only reads the billing account"
call ok "${read_only}" ironorg.billing.v1.BillingAccountService/GetBillingAccount \
  "{\"name\":\"${org}/billingAccount\"}"

STEP="Admin deletes Payroll"
call ok "${admin}" ironorg.projects.v1.ProjectService/DeleteProject "{\"name\":\"${payroll}\"}"
STEP="Admin deletes Tom"
call ok "${admin}" ironorg.identity.v1.UserService/DeleteUser "{\"name\":\"${tom}\"}"
# Projects removes Tom's grants when it reads identity's change feed,
# which it follows continuously, so the check polls for up to 10 seconds.
STEP="Storefront's members no longer include Tom"
step_number=$((step_number + 1))
outcome="Tom still a member"
for _ in $(seq 1 50); do
  if members="$("${buf}" curl --protocol grpc --http2-prior-knowledge \
      -H "authorization: Bearer ${admin}" -d "{\"project\":\"${website}\"}" \
      "http://${gateway}/ironorg.projects.v1.ProjectAccessService/ListProjectMembers" 2>/dev/null)" &&
     ! jq -e --arg tom "${tom}" '(.users // []) | index($tom)' <<<"${members}" >/dev/null; then
    outcome="ok"
    break
  fi
  sleep 0.2
done
verdict="as expected"
if [[ "${outcome}" != "ok" ]]; then
  verdict="EXPECTED ok within 10 s"
  mismatches=$((mismatches + 1))
fi
printf '%2d. %-58s %-18s %s\n' "${step_number}" "${STEP}" "${outcome}" "${verdict}"

echo
if ((mismatches > 0)); then
  echo "${mismatches} checks failed in ${step_number} steps"
  exit 1
fi
echo "all ${step_number} steps got the expected status"

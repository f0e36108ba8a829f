// The gateway's permission decision for one call: finding the method's
// rule, and deciding for a caller before any grant lookup.

#include <string>
#include <vector>

#include "benchmark/benchmark.h"
#include "ironorg/clusters/v1/cluster.pb.h"
#include "ironorg/identity/v1/principal.pb.h"
#include "ironorg/identity/v1/user.pb.h"
#include "ironorg/projects/v1/project.pb.h"
#include "services/gateway/policy.h"

namespace ironorg::gateway {
namespace {

using ::ironorg::identity::v1::Principal;

constexpr char kGetProject[] = "ironorg.projects.v1.ProjectService/GetProject";

Principal UserCaller(ironorg::identity::v1::Role role) {
  Principal principal;
  principal.set_kind(Principal::KIND_USER_ACCESS_TOKEN);
  principal.set_organization("organizations/o4kq9mz2x7c1vb");
  principal.set_user("organizations/o4kq9mz2x7c1vb/users/u8w2rj5n0hq3te");
  principal.set_role(role);
  principal.set_token_id("t3m8x1c7v0b2nq");
  return principal;
}

ironorg::projects::v1::GetProjectRequest GetProjectIn(
    const std::string& organization) {
  ironorg::projects::v1::GetProjectRequest request;
  request.set_name(organization + "/projects/p5d1k8s2w9f0ra");
  return request;
}

// Looks up the rule of every public method in turn, as the gateway would
// for each call if it did not keep the rule with the method at start-up.
void BM_FindRule(benchmark::State& state) {
  std::vector<std::string> methods;
  for (const MethodRule& rule : AllRules()) {
    methods.push_back(rule.method);
  }
  size_t next = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(FindRule(methods[next]));
    next = (next + 1) % methods.size();
  }
}
BENCHMARK(BM_FindRule);

void BM_FindRuleUnknownMethod(benchmark::State& state) {
  const std::string method = "ironorg.projects.v1.ProjectService/Unknown";
  for (auto _ : state) {
    benchmark::DoNotOptimize(FindRule(method));
  }
}
BENCHMARK(BM_FindRuleUnknownMethod);

// An Admin reading a project of their organization: allowed on role alone.
void BM_DecideAdminAllowed(benchmark::State& state) {
  const MethodRule& rule = *FindRule(kGetProject);
  const Principal caller = UserCaller(ironorg::identity::v1::ROLE_ADMIN);
  const auto request = GetProjectIn(caller.organization());
  for (auto _ : state) {
    benchmark::DoNotOptimize(Decide(rule, caller, request));
  }
}
BENCHMARK(BM_DecideAdminAllowed);

// A Developer reading a project: the decision requires a grant lookup,
// which this benchmark does not make.
void BM_DecideDeveloperNeedsGrant(benchmark::State& state) {
  const MethodRule& rule = *FindRule(kGetProject);
  const Principal caller = UserCaller(ironorg::identity::v1::ROLE_DEVELOPER);
  const auto request = GetProjectIn(caller.organization());
  for (auto _ : state) {
    benchmark::DoNotOptimize(Decide(rule, caller, request));
  }
}
BENCHMARK(BM_DecideDeveloperNeedsGrant);

// An Admin naming a project of another organization: PERMISSION_DENIED,
// with the denial message built.
void BM_DecideOtherOrganizationDenied(benchmark::State& state) {
  const MethodRule& rule = *FindRule(kGetProject);
  const Principal caller = UserCaller(ironorg::identity::v1::ROLE_ADMIN);
  const auto request = GetProjectIn("organizations/o7other0org1xy");
  for (auto _ : state) {
    benchmark::DoNotOptimize(Decide(rule, caller, request));
  }
}
BENCHMARK(BM_DecideOtherOrganizationDenied);

// A Developer calling an Admin-only method: denied on role.
void BM_DecideRoleDenied(benchmark::State& state) {
  const MethodRule& rule =
      *FindRule("ironorg.clusters.v1.ClusterService/DeleteCluster");
  const Principal caller = UserCaller(ironorg::identity::v1::ROLE_DEVELOPER);
  ironorg::clusters::v1::DeleteClusterRequest request;
  request.set_name(caller.organization() + "/clusters/c7h2m4q9z1x0kd");
  for (auto _ : state) {
    benchmark::DoNotOptimize(Decide(rule, caller, request));
  }
}
BENCHMARK(BM_DecideRoleDenied);

// A user reading their own user: allowed as self.
void BM_DecideSelfAllowed(benchmark::State& state) {
  const MethodRule& rule = *FindRule("ironorg.identity.v1.UserService/GetUser");
  const Principal caller = UserCaller(ironorg::identity::v1::ROLE_DEVELOPER);
  ironorg::identity::v1::GetUserRequest request;
  request.set_name(caller.user());
  for (auto _ : state) {
    benchmark::DoNotOptimize(Decide(rule, caller, request));
  }
}
BENCHMARK(BM_DecideSelfAllowed);

}  // namespace
}  // namespace ironorg::gateway

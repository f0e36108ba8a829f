#include "services/gateway/policy.h"

#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/errors.h"
#include "common/log.h"
#include "common/names.h"
#include "google/protobuf/descriptor.h"

namespace ironorg::gateway {
namespace {

using ::google::protobuf::FieldDescriptor;
using ::google::protobuf::Message;
using ::google::protobuf::Reflection;
using ::ironorg::identity::v1::Principal;
using ::ironorg::identity::v1::Role;

constexpr char kOrganizationPattern[] = "organizations/{organization}";
constexpr char kUserPattern[] = "organizations/{organization}/users/{user}";
constexpr char kApiTokenPattern[] =
    "organizations/{organization}/users/{user}/apiTokens/{api_token}";
constexpr char kProjectPattern[] =
    "organizations/{organization}/projects/{project}";
constexpr char kClusterPattern[] =
    "organizations/{organization}/clusters/{cluster}";
constexpr char kRunnerPattern[] =
    "organizations/{organization}/clusters/{cluster}/runners/{runner}";
constexpr char kSubscriptionPattern[] =
    "organizations/{organization}/subscriptions/{product}";
constexpr char kBillingAccountPattern[] =
    "organizations/{organization}/billingAccount";

// Names under a user or a cluster start with these four segments:
// organizations/{organization}/users/{user} or .../clusters/{cluster}.
constexpr int kOwnerSegments = 4;

// Builds one table row; each setter returns the row so rows read as one
// expression.
class Rule {
 public:
  Rule(absl::string_view method, uint32_t callers) {
    rule_.method = std::string(method);
    rule_.callers = callers;
  }
  Rule& Target(absl::string_view field, absl::string_view pattern) {
    rule_.target_field = std::string(field);
    rule_.target_pattern = std::string(pattern);
    return *this;
  }
  Rule& Grant(GrantKind kind) {
    rule_.grant = kind;
    return *this;
  }
  Rule& AlsoInOrganization(absl::string_view field) {
    rule_.also_in_organization = std::string(field);
    return *this;
  }
  Rule& AccessTokenOnly() {
    rule_.access_token_only = true;
    return *this;
  }
  Rule& SelfUpdateMaskOnly(absl::string_view field) {
    rule_.self_update_mask_only = std::string(field);
    return *this;
  }
  operator MethodRule() const { return rule_; }  // NOLINT: table syntax

 private:
  MethodRule rule_;
};

std::vector<MethodRule> BuildTable() {
  constexpr uint32_t kA = kAdmin;
  constexpr uint32_t kAR = kAdmin | kAdminReadOnly;
  constexpr uint32_t kARC = kAdmin | kAdminReadOnly | kAccountant;
  constexpr uint32_t kAC = kAdmin | kAccountant;

  return {
      // ironorg.identity.v1: organizations, users, tokens.
      Rule("ironorg.identity.v1.OrganizationService/CreateOrganization",
           kOperator),
      Rule("ironorg.identity.v1.OrganizationService/GetOrganization", kAnyRole)
          .Target("name", kOrganizationPattern),

      Rule("ironorg.identity.v1.UserService/CreateUser", kA)
          .Target("parent", kOrganizationPattern),
      Rule("ironorg.identity.v1.UserService/GetUser", kAR | kSelf)
          .Target("name", kUserPattern),
      Rule("ironorg.identity.v1.UserService/ListUsers", kAR)
          .Target("parent", kOrganizationPattern),
      Rule("ironorg.identity.v1.UserService/UpdateUser", kA | kSelf)
          .Target("user.name", kUserPattern)
          .SelfUpdateMaskOnly("display_name"),
      Rule("ironorg.identity.v1.UserService/SetUserRole", kA)
          .Target("name", kUserPattern),
      Rule("ironorg.identity.v1.UserService/ResetUserPassword", kA)
          .Target("name", kUserPattern),
      Rule("ironorg.identity.v1.UserService/DeleteUser", kA)
          .Target("name", kUserPattern),
      Rule("ironorg.identity.v1.UserService/ListAuditEvents", kAR)
          .Target("parent", kOrganizationPattern),

      Rule("ironorg.identity.v1.AuthService/Login", kAnonymous),
      Rule("ironorg.identity.v1.AuthService/Logout", kAnyRole),
      // ChangePassword always acts on the caller, so any user may call it.
      Rule("ironorg.identity.v1.AuthService/ChangePassword", kAnyRole)
          .AccessTokenOnly(),
      Rule("ironorg.identity.v1.AuthService/CreateApiToken", kSelf)
          .Target("parent", kUserPattern)
          .AccessTokenOnly(),
      Rule("ironorg.identity.v1.AuthService/ListApiTokens", kAR | kSelf)
          .Target("parent", kUserPattern),
      Rule("ironorg.identity.v1.AuthService/RevokeApiToken", kA | kSelf)
          .Target("name", kApiTokenPattern),

      // ironorg.projects.v1: projects and project grants.
      Rule("ironorg.projects.v1.ProjectService/CreateProject", kA)
          .Target("parent", kOrganizationPattern),
      Rule("ironorg.projects.v1.ProjectService/GetProject",
           kAR | kGrantedDeveloper)
          .Target("name", kProjectPattern)
          .Grant(GrantKind::kProject),
      // Developers may list; the projects service returns only the
      // projects granted to them.
      Rule("ironorg.projects.v1.ProjectService/ListProjects", kAR | kDeveloper)
          .Target("parent", kOrganizationPattern),
      Rule("ironorg.projects.v1.ProjectService/UpdateProject", kA)
          .Target("project.name", kProjectPattern),
      Rule("ironorg.projects.v1.ProjectService/DeleteProject", kA)
          .Target("name", kProjectPattern),
      Rule("ironorg.projects.v1.ProjectService/ListAuditEvents", kAR)
          .Target("parent", kOrganizationPattern),

      Rule("ironorg.projects.v1.ProjectAccessService/GrantProjectAccess", kA)
          .Target("project", kProjectPattern)
          .AlsoInOrganization("user"),
      Rule("ironorg.projects.v1.ProjectAccessService/RevokeProjectAccess", kA)
          .Target("project", kProjectPattern)
          .AlsoInOrganization("user"),
      Rule("ironorg.projects.v1.ProjectAccessService/ListProjectMembers", kAR)
          .Target("project", kProjectPattern),
      Rule("ironorg.projects.v1.ProjectAccessService/ListUserProjects",
           kAR | kSelf)
          .Target("user", kUserPattern),
      Rule("ironorg.projects.v1.ProjectAccessService/SetUserProjects", kA)
          .Target("user", kUserPattern)
          .AlsoInOrganization("projects"),

      // ironorg.clusters.v1: clusters, cluster grants, runners.
      Rule("ironorg.clusters.v1.ClusterService/CreateCluster", kA)
          .Target("parent", kOrganizationPattern),
      Rule("ironorg.clusters.v1.ClusterService/GetCluster",
           kAR | kGrantedDeveloper)
          .Target("name", kClusterPattern)
          .Grant(GrantKind::kCluster),
      // Developers may list; the clusters service returns only the
      // clusters granted to them.
      Rule("ironorg.clusters.v1.ClusterService/ListClusters", kAR | kDeveloper)
          .Target("parent", kOrganizationPattern),
      Rule("ironorg.clusters.v1.ClusterService/UpdateCluster", kA)
          .Target("cluster.name", kClusterPattern),
      Rule("ironorg.clusters.v1.ClusterService/DeleteCluster", kA)
          .Target("name", kClusterPattern),
      Rule("ironorg.clusters.v1.ClusterService/RotateClusterToken", kA)
          .Target("name", kClusterPattern),
      Rule("ironorg.clusters.v1.ClusterService/ListAuditEvents", kAR)
          .Target("parent", kOrganizationPattern),

      Rule("ironorg.clusters.v1.ClusterAccessService/GrantClusterAccess", kA)
          .Target("cluster", kClusterPattern)
          .AlsoInOrganization("user"),
      Rule("ironorg.clusters.v1.ClusterAccessService/RevokeClusterAccess", kA)
          .Target("cluster", kClusterPattern)
          .AlsoInOrganization("user"),
      Rule("ironorg.clusters.v1.ClusterAccessService/ListClusterMembers", kAR)
          .Target("cluster", kClusterPattern),
      Rule("ironorg.clusters.v1.ClusterAccessService/ListUserClusters",
           kAR | kSelf)
          .Target("user", kUserPattern),
      Rule("ironorg.clusters.v1.ClusterAccessService/SetUserClusters", kA)
          .Target("user", kUserPattern)
          .AlsoInOrganization("clusters"),

      Rule("ironorg.clusters.v1.RunnerService/RegisterRunner", kClusterToken)
          .Target("cluster", kClusterPattern),
      Rule("ironorg.clusters.v1.RunnerService/Heartbeat", kClusterToken)
          .Target("name", kRunnerPattern),
      Rule("ironorg.clusters.v1.RunnerService/ListRunners",
           kAR | kGrantedDeveloper)
          .Target("parent", kClusterPattern)
          .Grant(GrantKind::kCluster),

      // ironorg.billing.v1: the plan catalog is public to every
      // authenticated caller but a runner; the rest is billing data.
      Rule("ironorg.billing.v1.PlanService/ListPlans", kAnyRole | kOperator),
      Rule("ironorg.billing.v1.PlanService/GetPlan", kAnyRole | kOperator),

      Rule("ironorg.billing.v1.SubscriptionService/ListSubscriptions", kARC)
          .Target("parent", kOrganizationPattern),
      Rule("ironorg.billing.v1.SubscriptionService/ChangePlan", kAC)
          .Target("name", kSubscriptionPattern),
      // The plan history is read like the subscriptions themselves.
      Rule("ironorg.billing.v1.SubscriptionService/ListPlanChanges", kARC)
          .Target("parent", kSubscriptionPattern),

      Rule("ironorg.billing.v1.BillingAccountService/GetBillingAccount", kARC)
          .Target("name", kBillingAccountPattern),
      Rule("ironorg.billing.v1.BillingAccountService/UpdateBillingAccount", kAC)
          .Target("billing_account.name", kBillingAccountPattern),
      Rule("ironorg.billing.v1.BillingAccountService/ListAuditEvents", kARC)
          .Target("parent", kOrganizationPattern),

      // ironorg.gateway.v1: served by the gateway itself.
      Rule("ironorg.gateway.v1.AccessService/ExplainAccess", kAR)
          .Target("user", kUserPattern),
  };
}

uint32_t RoleBit(Role role) {
  switch (role) {
    case identity::v1::ROLE_ADMIN:
      return kAdmin;
    case identity::v1::ROLE_ADMIN_READ_ONLY:
      return kAdminReadOnly;
    case identity::v1::ROLE_DEVELOPER:
      return kDeveloper;
    case identity::v1::ROLE_ACCOUNTANT:
      return kAccountant;
    default:
      return 0;
  }
}

// Returns the first `count` segments of `name`, or an empty string when it
// has fewer.
std::string Prefix(absl::string_view name, int count) {
  std::vector<absl::string_view> parts = absl::StrSplit(name, '/');
  if (static_cast<int>(parts.size()) < count) {
    return std::string();
  }
  parts.resize(static_cast<size_t>(count));
  return absl::StrJoin(parts, "/");
}

// Finds the field at the end of `path`, such as "user.name", and sets
// `*holder` to the message that contains it. `*holder` is nullptr when an
// intermediate message is unset. Returns nullptr when `path` names no field.
const FieldDescriptor* ResolvePath(const Message& request,
                                   absl::string_view path,
                                   const Message** holder) {
  const google::protobuf::Descriptor* type = request.GetDescriptor();
  const Message* current = &request;
  const FieldDescriptor* field = nullptr;
  for (absl::string_view part : absl::StrSplit(path, '.')) {
    if (field != nullptr) {
      // Step into the previous field, which must be a singular message.
      if (field->is_repeated() ||
          field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) {
        return nullptr;
      }
      type = field->message_type();
      if (current != nullptr) {
        const Reflection* reflection = current->GetReflection();
        current = reflection->HasField(*current, field)
                      ? &reflection->GetMessage(*current, field)
                      : nullptr;
      }
    }
    field = type->FindFieldByName(std::string(part));
    if (field == nullptr) {
      return nullptr;
    }
  }
  *holder = current;
  return field;
}

// Reads every string at `path`: one value for a singular field, each
// element of a repeated one, none when an intermediate message is unset.
// Returns INTERNAL when `path` names no string field of the request, which
// is a defect in the table.
absl::StatusOr<std::vector<std::string>> ReadStrings(const Message& request,
                                                     absl::string_view path) {
  const Message* holder = nullptr;
  const FieldDescriptor* field = ResolvePath(request, path, &holder);
  if (field == nullptr ||
      field->cpp_type() != FieldDescriptor::CPPTYPE_STRING) {
    IRONORG_LOG(ERROR) << "permission table names field \"" << path
                       << "\", which is not a string field of "
                       << request.GetDescriptor()->full_name();
    return errors::Internal();
  }

  std::vector<std::string> values;
  if (holder == nullptr) {
    return values;
  }
  const Reflection* reflection = holder->GetReflection();
  if (field->is_repeated()) {
    const int size = reflection->FieldSize(*holder, field);
    for (int i = 0; i < size; ++i) {
      values.push_back(reflection->GetRepeatedString(*holder, field, i));
    }
  } else {
    values.push_back(reflection->GetString(*holder, field));
  }
  return values;
}

// Returns true when the request's `update_mask` is not empty and every
// path in it is `allowed_path`.
bool UpdateMaskIsOnly(const Message& request, absl::string_view allowed_path) {
  absl::StatusOr<std::vector<std::string>> paths =
      ReadStrings(request, "update_mask.paths");
  if (!paths.ok() || paths->empty()) {
    return false;
  }
  for (const std::string& path : *paths) {
    if (path != allowed_path) {
      return false;
    }
  }
  return true;
}

absl::Status Denied(const MethodRule& rule) {
  return errors::PermissionDenied(
      absl::StrCat(rule.method, " requires ", DescribeCallers(rule)));
}

absl::Status OutsideOrganization(const MethodRule& rule,
                                 const Principal& caller,
                                 absl::string_view field,
                                 absl::string_view name) {
  const std::string own = caller.organization().empty() ? std::string("none")
                                                        : caller.organization();
  return errors::PermissionDenied(absl::StrCat(
      rule.method, " is limited to the caller's own organization (", own, "); ",
      field, " \"", name, "\" is outside it"));
}

Decision Deny(absl::Status status) {
  Decision decision;
  decision.status = std::move(status);
  return decision;
}

Decision Allow() { return Decision(); }

// Reads and checks the form of the rule's target name.
absl::StatusOr<std::string> ReadTarget(const MethodRule& rule,
                                       const Message& request) {
  absl::StatusOr<std::vector<std::string>> values =
      ReadStrings(request, rule.target_field);
  if (!values.ok()) {
    return values.status();
  }
  const std::string target = values->empty() ? std::string() : values->front();
  absl::StatusOr<std::vector<std::string>> ids =
      names::Parse(target, rule.target_pattern, rule.target_field);
  if (!ids.ok()) {
    return ids.status();
  }
  return target;
}

Decision DecideForClusterToken(const MethodRule& rule, const Principal& caller,
                               const Message& request) {
  if ((rule.callers & kClusterToken) == 0) {
    return Deny(Denied(rule));
  }
  absl::StatusOr<std::string> target = ReadTarget(rule, request);
  if (!target.ok()) {
    return Deny(target.status());
  }
  if (caller.cluster().empty() ||
      Prefix(*target, kOwnerSegments) != caller.cluster()) {
    return Deny(errors::PermissionDenied(absl::StrCat(
        rule.method, " requires the cluster token of the cluster in ",
        rule.target_field,
        "; the token presented belongs to another cluster")));
  }
  return Allow();
}

Decision DecideForUser(const MethodRule& rule, const Principal& caller,
                       const Message& request) {
  if (rule.access_token_only &&
      caller.kind() != Principal::KIND_USER_ACCESS_TOKEN) {
    return Deny(errors::PermissionDenied(
        absl::StrCat(rule.method,
                     " requires an access token from Login; an API token "
                     "cannot call it")));
  }
  const bool role_allowed = (rule.callers & RoleBit(caller.role())) != 0;
  const bool may_be_self = (rule.callers & kSelf) != 0;
  const bool may_hold_grant = (rule.callers & kGrantedDeveloper) != 0 &&
                              caller.role() == identity::v1::ROLE_DEVELOPER;
  if (!role_allowed && !may_be_self && !may_hold_grant) {
    return Deny(Denied(rule));
  }
  if (rule.target_field.empty()) {
    return role_allowed ? Allow() : Deny(Denied(rule));
  }

  absl::StatusOr<std::string> target = ReadTarget(rule, request);
  if (!target.ok()) {
    return Deny(target.status());
  }
  if (caller.organization().empty() ||
      names::OrganizationOf(*target) != caller.organization()) {
    return Deny(OutsideOrganization(rule, caller, rule.target_field, *target));
  }
  if (!rule.also_in_organization.empty()) {
    absl::StatusOr<std::vector<std::string>> others =
        ReadStrings(request, rule.also_in_organization);
    if (!others.ok()) {
      return Deny(others.status());
    }
    for (const std::string& other : *others) {
      const std::string organization = names::OrganizationOf(other);
      if (!organization.empty() && organization != caller.organization()) {
        return Deny(OutsideOrganization(rule, caller, rule.also_in_organization,
                                        other));
      }
    }
  }

  if (role_allowed) {
    return Allow();
  }
  if (may_be_self && !caller.user().empty() &&
      Prefix(*target, kOwnerSegments) == caller.user() &&
      (rule.self_update_mask_only.empty() ||
       UpdateMaskIsOnly(request, rule.self_update_mask_only))) {
    return Allow();
  }
  if (may_hold_grant && rule.grant != GrantKind::kNone) {
    Decision decision;
    decision.required_grant = rule.grant;
    decision.resource = *target;
    decision.status_if_no_grant = Denied(rule);
    return decision;
  }
  return Deny(Denied(rule));
}

}  // namespace

const std::vector<MethodRule>& AllRules() {
  static const std::vector<MethodRule>* const rules =
      new std::vector<MethodRule>(BuildTable());
  return *rules;
}

const MethodRule* FindRule(absl::string_view method) {
  static const absl::flat_hash_map<std::string, const MethodRule*>* const
      index = [] {
        auto* map = new absl::flat_hash_map<std::string, const MethodRule*>();
        for (const MethodRule& rule : AllRules()) {
          map->emplace(rule.method, &rule);
        }
        return map;
      }();
  auto it = index->find(method);
  return it == index->end() ? nullptr : it->second;
}

std::string DescribeCallers(const MethodRule& rule) {
  if ((rule.callers & kAnonymous) != 0) {
    return "no credential";
  }
  const std::string token_suffix =
      rule.access_token_only ? " with an access token from Login" : "";
  if (rule.callers == (kAnyRole | kOperator)) {
    return "any credential but a cluster token";
  }
  if (rule.callers == kAnyRole) {
    return rule.access_token_only ? "a user's access token from Login"
                                  : "a user token";
  }

  std::vector<std::string> roles;
  if ((rule.callers & kAdmin) != 0) {
    roles.push_back("ROLE_ADMIN");
  }
  if ((rule.callers & kAdminReadOnly) != 0) {
    roles.push_back("ROLE_ADMIN_READ_ONLY");
  }
  if ((rule.callers & kDeveloper) != 0) {
    roles.push_back("ROLE_DEVELOPER");
  }
  if ((rule.callers & kAccountant) != 0) {
    roles.push_back("ROLE_ACCOUNTANT");
  }

  std::vector<std::string> alternatives;
  if (!roles.empty()) {
    alternatives.push_back(absl::StrJoin(roles, " or "));
  }
  if ((rule.callers & kSelf) != 0) {
    std::string self =
        absl::StrCat("the caller's own user in ", rule.target_field);
    if (!rule.self_update_mask_only.empty()) {
      absl::StrAppend(&self, " with update_mask \"", rule.self_update_mask_only,
                      "\" only");
    }
    alternatives.push_back(std::move(self));
  }
  if ((rule.callers & kGrantedDeveloper) != 0) {
    alternatives.push_back(
        absl::StrCat("ROLE_DEVELOPER with a grant on the ",
                     rule.grant == GrantKind::kProject ? "project" : "cluster",
                     " in ", rule.target_field));
  }
  if ((rule.callers & kOperator) != 0) {
    alternatives.push_back("the operator token");
  }
  if ((rule.callers & kClusterToken) != 0) {
    alternatives.push_back(absl::StrCat("the cluster token of the cluster in ",
                                        rule.target_field));
  }
  return absl::StrCat(absl::StrJoin(alternatives, ", or "), token_suffix);
}

Decision Decide(const MethodRule& rule, const Principal& caller,
                const Message& request) {
  if ((rule.callers & kAnonymous) != 0) {
    return Allow();
  }
  switch (caller.kind()) {
    case Principal::KIND_OPERATOR:
      // The operator is outside every organization, so the rules that
      // admit it name no organization's resource.
      return (rule.callers & kOperator) != 0 && rule.target_field.empty()
                 ? Allow()
                 : Deny(Denied(rule));
    case Principal::KIND_CLUSTER_TOKEN:
      return DecideForClusterToken(rule, caller, request);
    case Principal::KIND_USER_ACCESS_TOKEN:
    case Principal::KIND_USER_API_TOKEN:
      return DecideForUser(rule, caller, request);
    case Principal::KIND_UNSPECIFIED:
      return Deny(errors::Unauthenticated(
          "missing authorization metadata; send authorization: Bearer "
          "<token>"));
    default:
      return Deny(Denied(rule));
  }
}

void Authorize(const MethodRule& rule, const Principal& caller,
               const Message& request, GrantChecker& grants,
               std::function<void(absl::Status)> done) {
  Decision decision = Decide(rule, caller, request);
  if (!decision.status.ok() || decision.required_grant == GrantKind::kNone) {
    done(std::move(decision.status));
    return;
  }
  grants.CheckGrant(decision.required_grant, caller.user(), decision.resource,
                    [denial = std::move(decision.status_if_no_grant),
                     done = std::move(done)](absl::StatusOr<bool> granted) {
                      if (!granted.ok()) {
                        done(granted.status());
                      } else if (!*granted) {
                        done(denial);
                      } else {
                        done(absl::OkStatus());
                      }
                    });
}

std::string DescribePrincipal(const Principal& caller) {
  switch (caller.kind()) {
    case Principal::KIND_USER_ACCESS_TOKEN:
    case Principal::KIND_USER_API_TOKEN:
      return caller.user();
    case Principal::KIND_OPERATOR:
      return "operator";
    case Principal::KIND_CLUSTER_TOKEN:
      return caller.cluster();
    case Principal::KIND_SERVICE:
      return "service";
    default:
      return "anonymous";
  }
}

}  // namespace ironorg::gateway

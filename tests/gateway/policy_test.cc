// Unit tests of the permission table: its coverage of the public protos and
// its decisions for each kind of caller.
#include "services/gateway/policy.h"

#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "ironorg/billing/v1/catalog.pb.h"
#include "ironorg/identity/v1/principal.pb.h"
#include "services/gateway/gateway.h"

namespace ironorg::gateway {
namespace {

using ::google::protobuf::DescriptorPool;
using ::google::protobuf::FieldDescriptor;
using ::google::protobuf::FileDescriptor;
using ::google::protobuf::MethodDescriptor;
using ::google::protobuf::ServiceDescriptor;
using ::ironorg::identity::v1::Principal;

// Every proto file of the five service packages.
const std::vector<std::string>& ServiceProtoFiles() {
  static const std::vector<std::string>* const files =
      new std::vector<std::string>{
          "ironorg/identity/v1/organization.proto",
          "ironorg/identity/v1/user.proto",
          "ironorg/identity/v1/auth.proto",
          "ironorg/identity/v1/principal.proto",
          "ironorg/identity/v1/internal.proto",
          "ironorg/projects/v1/project.proto",
          "ironorg/projects/v1/project_access.proto",
          "ironorg/projects/v1/internal.proto",
          "ironorg/clusters/v1/cluster.proto",
          "ironorg/clusters/v1/cluster_access.proto",
          "ironorg/clusters/v1/runner.proto",
          "ironorg/clusters/v1/internal.proto",
          "ironorg/billing/v1/plan.proto",
          "ironorg/billing/v1/subscription.proto",
          "ironorg/billing/v1/billing_account.proto",
          "ironorg/billing/v1/catalog.proto",
          "ironorg/gateway/v1/access.proto",
      };
  return *files;
}

bool IsInternal(const ServiceDescriptor& service) {
  return absl::StartsWith(service.name(), "Internal");
}

std::vector<const ServiceDescriptor*> AllServices() {
  // Naming PublicServices links every public proto file into the binary;
  // catalog.proto defines no service, so one of its messages is named.
  (void)PublicServices();
  (void)billing::v1::PlanCatalog::descriptor();
  std::vector<const ServiceDescriptor*> services;
  for (const std::string& name : ServiceProtoFiles()) {
    const FileDescriptor* file =
        DescriptorPool::generated_pool()->FindFileByName(name);
    EXPECT_NE(file, nullptr) << name << " is not in the generated pool";
    if (file == nullptr) {
      continue;
    }
    for (int i = 0; i < file->service_count(); ++i) {
      services.push_back(file->service(i));
    }
  }
  return services;
}

std::string FullName(const MethodDescriptor& method) {
  return absl::StrCat(method.service()->full_name(), "/", method.name());
}

const MethodDescriptor* FindMethod(absl::string_view full_name) {
  const std::vector<std::string> parts = absl::StrSplit(full_name, '/');
  if (parts.size() != 2) {
    return nullptr;
  }
  const ServiceDescriptor* service =
      DescriptorPool::generated_pool()->FindServiceByName(parts[0]);
  return service == nullptr ? nullptr : service->FindMethodByName(parts[1]);
}

// Returns the field at `path` ("user.name") of `message`, following
// singular message fields, or nullptr.
const FieldDescriptor* FieldAtPath(const google::protobuf::Descriptor* message,
                                   absl::string_view path) {
  const FieldDescriptor* field = nullptr;
  for (absl::string_view part : absl::StrSplit(path, '.')) {
    if (message == nullptr) {
      return nullptr;
    }
    field = message->FindFieldByName(std::string(part));
    if (field == nullptr) {
      return nullptr;
    }
    message = field->is_repeated() ? nullptr : field->message_type();
  }
  return field;
}

TEST(PolicyTable, FindsTheFiveServicePackages) {
  EXPECT_EQ(AllServices().size(), 17u);
}

TEST(PolicyTable, EveryPublicMethodHasExactlyOneRule) {
  std::map<std::string, int> rules_per_method;
  for (const MethodRule& rule : AllRules()) {
    ++rules_per_method[rule.method];
  }

  for (const ServiceDescriptor* service : AllServices()) {
    if (IsInternal(*service)) {
      continue;
    }
    for (int i = 0; i < service->method_count(); ++i) {
      const std::string method = FullName(*service->method(i));
      EXPECT_EQ(rules_per_method[method], 1) << method;
      EXPECT_NE(FindRule(method), nullptr) << method;
    }
  }
}

TEST(PolicyTable, EveryRuleNamesAPublicMethod) {
  for (const MethodRule& rule : AllRules()) {
    const MethodDescriptor* method = FindMethod(rule.method);
    ASSERT_NE(method, nullptr) << rule.method << " does not exist";
    EXPECT_FALSE(IsInternal(*method->service())) << rule.method;
  }
}

TEST(PolicyTable, InternalMethodsHaveNoRule) {
  int internal_methods = 0;
  for (const ServiceDescriptor* service : AllServices()) {
    if (!IsInternal(*service)) {
      continue;
    }
    for (int i = 0; i < service->method_count(); ++i) {
      ++internal_methods;
      EXPECT_EQ(FindRule(FullName(*service->method(i))), nullptr)
          << FullName(*service->method(i));
    }
  }
  EXPECT_GT(internal_methods, 0);
}

TEST(PolicyTable, TargetFieldsAreSingularStringsOfTheRequest) {
  for (const MethodRule& rule : AllRules()) {
    const MethodDescriptor* method = FindMethod(rule.method);
    ASSERT_NE(method, nullptr) << rule.method;
    if (rule.target_field.empty()) {
      EXPECT_TRUE(rule.target_pattern.empty()) << rule.method;
      continue;
    }
    const FieldDescriptor* field =
        FieldAtPath(method->input_type(), rule.target_field);
    ASSERT_NE(field, nullptr) << rule.method << ": " << rule.target_field;
    EXPECT_EQ(field->cpp_type(), FieldDescriptor::CPPTYPE_STRING)
        << rule.method;
    EXPECT_FALSE(field->is_repeated()) << rule.method;
    EXPECT_FALSE(rule.target_pattern.empty()) << rule.method;
  }
}

TEST(PolicyTable, OtherOrganizationFieldsAreStringsOfTheRequest) {
  for (const MethodRule& rule : AllRules()) {
    if (rule.also_in_organization.empty()) {
      continue;
    }
    const MethodDescriptor* method = FindMethod(rule.method);
    ASSERT_NE(method, nullptr) << rule.method;
    const FieldDescriptor* field =
        FieldAtPath(method->input_type(), rule.also_in_organization);
    ASSERT_NE(field, nullptr) << rule.method;
    EXPECT_EQ(field->cpp_type(), FieldDescriptor::CPPTYPE_STRING)
        << rule.method;
  }
}

TEST(PolicyTable, GrantRulesNameWhereGrantsLive) {
  for (const MethodRule& rule : AllRules()) {
    const bool needs_grant = (rule.callers & kGrantedDeveloper) != 0;
    EXPECT_EQ(needs_grant, rule.grant != GrantKind::kNone) << rule.method;
  }
}

TEST(PolicyTable, SelfRulesNameATarget) {
  for (const MethodRule& rule : AllRules()) {
    if ((rule.callers & (kSelf | kClusterToken)) != 0) {
      EXPECT_FALSE(rule.target_field.empty()) << rule.method;
    }
  }
}

TEST(PublicServices, ListNonInternalServices) {
  std::set<std::string> expected;
  for (const ServiceDescriptor* service : AllServices()) {
    if (!IsInternal(*service) &&
        service->full_name() != "ironorg.gateway.v1.AccessService") {
      expected.insert(service->full_name());
    }
  }
  std::set<std::string> listed;
  for (const PublicService& service : PublicServices()) {
    ASSERT_NE(service.descriptor, nullptr);
    listed.insert(service.descriptor->full_name());
  }
  EXPECT_EQ(listed, expected);
  EXPECT_EQ(listed.size(), 11u);
}

// The organization and users every decision case is made in.
constexpr char kOrg[] = "organizations/org1";
constexpr char kOtherOrg[] = "organizations/org2";
constexpr char kAdminUser[] = "organizations/org1/users/admin";
constexpr char kReaderUser[] = "organizations/org1/users/reader";
constexpr char kDeveloperUser[] = "organizations/org1/users/dev";
constexpr char kAccountantUser[] = "organizations/org1/users/acct";
constexpr char kCluster[] = "organizations/org1/clusters/c1";

Principal User(const std::string& user, identity::v1::Role role,
               Principal::Kind kind = Principal::KIND_USER_ACCESS_TOKEN) {
  Principal principal;
  principal.set_kind(kind);
  principal.set_organization(kOrg);
  principal.set_user(user);
  principal.set_role(role);
  principal.set_token_id("t1");
  return principal;
}

// The callers of the decision table, by short name.
Principal CallerNamed(const std::string& name) {
  if (name == "admin") {
    return User(kAdminUser, identity::v1::ROLE_ADMIN);
  }
  if (name == "reader") {
    return User(kReaderUser, identity::v1::ROLE_ADMIN_READ_ONLY);
  }
  if (name == "developer") {
    return User(kDeveloperUser, identity::v1::ROLE_DEVELOPER);
  }
  if (name == "accountant") {
    return User(kAccountantUser, identity::v1::ROLE_ACCOUNTANT);
  }
  if (name == "developer-api-token") {
    return User(kDeveloperUser, identity::v1::ROLE_DEVELOPER,
                Principal::KIND_USER_API_TOKEN);
  }
  if (name == "admin-api-token") {
    return User(kAdminUser, identity::v1::ROLE_ADMIN,
                Principal::KIND_USER_API_TOKEN);
  }
  Principal principal;
  if (name == "operator") {
    principal.set_kind(Principal::KIND_OPERATOR);
  } else if (name == "cluster-token") {
    principal.set_kind(Principal::KIND_CLUSTER_TOKEN);
    principal.set_cluster(kCluster);
    principal.set_organization(kOrg);
  } else if (name == "service") {
    principal.set_kind(Principal::KIND_SERVICE);
  }
  // "anonymous" keeps KIND_UNSPECIFIED.
  return principal;
}

// Looks grants up in a fixed set and records each lookup.
class FakeGrantChecker final : public GrantChecker {
 public:
  void Grant(const std::string& user, const std::string& resource) {
    grants_.insert({user, resource});
  }
  void FailWith(absl::Status status) { failure_ = std::move(status); }

  void CheckGrant(GrantKind kind, const std::string& user,
                  const std::string& resource,
                  std::function<void(absl::StatusOr<bool>)> done) override {
    lookups_.push_back({kind, resource});
    if (!failure_.ok()) {
      done(failure_);
      return;
    }
    done(grants_.count({user, resource}) > 0);
  }

  const std::vector<std::pair<GrantKind, std::string>>& lookups() const {
    return lookups_;
  }

 private:
  std::set<std::pair<std::string, std::string>> grants_;
  absl::Status failure_;
  std::vector<std::pair<GrantKind, std::string>> lookups_;
};

struct DecisionCase {
  std::string method;
  std::string caller;
  // The request in protobuf text format.
  std::string request;
  absl::StatusCode expected;
};

std::ostream& operator<<(std::ostream& out, const DecisionCase& c) {
  return out << c.caller << " calls " << c.method << " {" << c.request << "}";
}

// Runs Authorize for one case. The developer has grants on project p1,
// cluster c1 and nothing else.
absl::Status AuthorizeCase(const DecisionCase& c,
                           FakeGrantChecker* grants = nullptr) {
  FakeGrantChecker default_grants;
  if (grants == nullptr) {
    grants = &default_grants;
  }
  grants->Grant(kDeveloperUser, "organizations/org1/projects/p1");
  grants->Grant(kDeveloperUser, "organizations/org1/clusters/c1");

  const MethodRule* rule = FindRule(c.method);
  if (rule == nullptr) {
    return absl::NotFoundError(absl::StrCat("no rule for ", c.method));
  }
  const MethodDescriptor* method = FindMethod(c.method);
  if (method == nullptr) {
    return absl::NotFoundError(absl::StrCat("no method ", c.method));
  }
  std::unique_ptr<google::protobuf::Message> request(
      google::protobuf::MessageFactory::generated_factory()
          ->GetPrototype(method->input_type())
          ->New());
  if (!google::protobuf::TextFormat::ParseFromString(c.request,
                                                     request.get())) {
    return absl::InvalidArgumentError(
        absl::StrCat("test request does not parse: ", c.request));
  }

  absl::Status result = absl::UnknownError("done was never called");
  Authorize(*rule, CallerNamed(c.caller), *request, *grants,
            [&result](absl::Status status) { result = std::move(status); });
  return result;
}

constexpr absl::StatusCode kOk = absl::StatusCode::kOk;
constexpr absl::StatusCode kDenied = absl::StatusCode::kPermissionDenied;
constexpr absl::StatusCode kInvalid = absl::StatusCode::kInvalidArgument;
constexpr absl::StatusCode kUnauthenticated =
    absl::StatusCode::kUnauthenticated;

class DecisionTable : public ::testing::TestWithParam<DecisionCase> {};

TEST_P(DecisionTable, MatchesProductTable) {
  const DecisionCase& c = GetParam();
  EXPECT_EQ(AuthorizeCase(c).code(), c.expected) << AuthorizeCase(c);
}

const std::string kUserName = "name: 'organizations/org1/users/someone'";
const std::string kOtherOrgUserName =
    "name: 'organizations/org2/users/someone'";

INSTANTIATE_TEST_SUITE_P(
    Organizations, DecisionTable,
    ::testing::Values(
        DecisionCase{"ironorg.identity.v1.OrganizationService/"
                     "CreateOrganization",
                     "operator", "organization { display_name: 'Acme' }", kOk},
        DecisionCase{"ironorg.identity.v1.OrganizationService/"
                     "CreateOrganization",
                     "admin", "", kDenied},
        DecisionCase{"ironorg.identity.v1.OrganizationService/"
                     "CreateOrganization",
                     "anonymous", "", kUnauthenticated},
        DecisionCase{"ironorg.identity.v1.OrganizationService/"
                     "GetOrganization",
                     "accountant", "name: 'organizations/org1'", kOk},
        DecisionCase{"ironorg.identity.v1.OrganizationService/"
                     "GetOrganization",
                     "developer", "name: 'organizations/org1'", kOk},
        DecisionCase{"ironorg.identity.v1.OrganizationService/"
                     "GetOrganization",
                     "admin", "name: 'organizations/org2'", kDenied},
        DecisionCase{"ironorg.identity.v1.OrganizationService/"
                     "GetOrganization",
                     "operator", "name: 'organizations/org1'", kDenied},
        DecisionCase{"ironorg.identity.v1.OrganizationService/"
                     "GetOrganization",
                     "admin", "name: 'org1'", kInvalid},
        DecisionCase{"ironorg.identity.v1.OrganizationService/"
                     "GetOrganization",
                     "admin", "", kInvalid}));

INSTANTIATE_TEST_SUITE_P(
    Users, DecisionTable,
    ::testing::Values(
        DecisionCase{"ironorg.identity.v1.UserService/CreateUser", "admin",
                     "parent: 'organizations/org1'", kOk},
        DecisionCase{"ironorg.identity.v1.UserService/CreateUser", "reader",
                     "parent: 'organizations/org1'", kDenied},
        DecisionCase{"ironorg.identity.v1.UserService/CreateUser", "admin",
                     "parent: 'organizations/org2'", kDenied},
        DecisionCase{"ironorg.identity.v1.UserService/CreateUser", "operator",
                     "parent: 'organizations/org1'", kDenied},
        DecisionCase{"ironorg.identity.v1.UserService/GetUser", "reader",
                     kUserName, kOk},
        DecisionCase{"ironorg.identity.v1.UserService/GetUser", "developer",
                     kUserName, kDenied},
        DecisionCase{"ironorg.identity.v1.UserService/GetUser", "developer",
                     "name: 'organizations/org1/users/dev'", kOk},
        DecisionCase{"ironorg.identity.v1.UserService/GetUser", "accountant",
                     "name: 'organizations/org1/users/acct'", kOk},
        DecisionCase{"ironorg.identity.v1.UserService/GetUser", "admin",
                     kOtherOrgUserName, kDenied},
        DecisionCase{"ironorg.identity.v1.UserService/GetUser", "admin",
                     "name: 'organizations/org1/projects/p1'", kInvalid},
        DecisionCase{"ironorg.identity.v1.UserService/GetUser", "cluster-token",
                     kUserName, kDenied},
        DecisionCase{"ironorg.identity.v1.UserService/ListUsers", "developer",
                     "parent: 'organizations/org1'", kDenied},
        DecisionCase{"ironorg.identity.v1.UserService/ListUsers", "reader",
                     "parent: 'organizations/org1'", kOk},
        DecisionCase{"ironorg.identity.v1.UserService/UpdateUser", "admin",
                     "user { name: 'organizations/org1/users/someone' } "
                     "update_mask { paths: 'email' }",
                     kOk},
        DecisionCase{"ironorg.identity.v1.UserService/UpdateUser", "developer",
                     "user { name: 'organizations/org1/users/dev' } "
                     "update_mask { paths: 'display_name' }",
                     kOk},
        DecisionCase{"ironorg.identity.v1.UserService/UpdateUser", "developer",
                     "user { name: 'organizations/org1/users/dev' } "
                     "update_mask { paths: 'email' }",
                     kDenied},
        DecisionCase{"ironorg.identity.v1.UserService/UpdateUser", "developer",
                     "user { name: 'organizations/org1/users/dev' }", kDenied},
        DecisionCase{"ironorg.identity.v1.UserService/UpdateUser", "developer",
                     "user { name: 'organizations/org1/users/someone' } "
                     "update_mask { paths: 'display_name' }",
                     kDenied},
        DecisionCase{"ironorg.identity.v1.UserService/UpdateUser", "admin",
                     "update_mask { paths: 'display_name' }", kInvalid},
        DecisionCase{"ironorg.identity.v1.UserService/SetUserRole", "admin",
                     kUserName, kOk},
        DecisionCase{"ironorg.identity.v1.UserService/SetUserRole", "reader",
                     kUserName, kDenied},
        DecisionCase{"ironorg.identity.v1.UserService/ResetUserPassword",
                     "admin", kOtherOrgUserName, kDenied},
        DecisionCase{"ironorg.identity.v1.UserService/DeleteUser", "developer",
                     "name: 'organizations/org1/users/dev'", kDenied},
        DecisionCase{"ironorg.identity.v1.UserService/ListAuditEvents",
                     "reader", "parent: 'organizations/org1'", kOk},
        DecisionCase{"ironorg.identity.v1.UserService/ListAuditEvents",
                     "accountant", "parent: 'organizations/org1'", kDenied}));

INSTANTIATE_TEST_SUITE_P(
    Auth, DecisionTable,
    ::testing::Values(
        DecisionCase{"ironorg.identity.v1.AuthService/Login", "anonymous",
                     "email: 'a@example.com'", kOk},
        DecisionCase{"ironorg.identity.v1.AuthService/Login", "cluster-token",
                     "", kOk},
        DecisionCase{"ironorg.identity.v1.AuthService/Logout", "developer", "",
                     kOk},
        DecisionCase{"ironorg.identity.v1.AuthService/Logout",
                     "developer-api-token", "", kOk},
        DecisionCase{"ironorg.identity.v1.AuthService/Logout", "operator", "",
                     kDenied},
        DecisionCase{"ironorg.identity.v1.AuthService/Logout", "cluster-token",
                     "", kDenied},
        DecisionCase{"ironorg.identity.v1.AuthService/Logout", "anonymous", "",
                     kUnauthenticated},
        DecisionCase{"ironorg.identity.v1.AuthService/ChangePassword",
                     "accountant", "current_password: 'x'", kOk},
        DecisionCase{"ironorg.identity.v1.AuthService/ChangePassword",
                     "developer-api-token", "current_password: 'x'", kDenied},
        DecisionCase{"ironorg.identity.v1.AuthService/ChangePassword",
                     "operator", "", kDenied},
        DecisionCase{"ironorg.identity.v1.AuthService/CreateApiToken",
                     "developer", "parent: 'organizations/org1/users/dev'",
                     kOk},
        DecisionCase{"ironorg.identity.v1.AuthService/CreateApiToken",
                     "developer-api-token",
                     "parent: 'organizations/org1/users/dev'", kDenied},
        DecisionCase{"ironorg.identity.v1.AuthService/CreateApiToken", "admin",
                     "parent: 'organizations/org1/users/dev'", kDenied},
        DecisionCase{"ironorg.identity.v1.AuthService/CreateApiToken",
                     "admin-api-token",
                     "parent: 'organizations/org1/users/admin'", kDenied},
        DecisionCase{"ironorg.identity.v1.AuthService/ListApiTokens",
                     "developer", "parent: 'organizations/org1/users/dev'",
                     kOk},
        DecisionCase{"ironorg.identity.v1.AuthService/ListApiTokens", "reader",
                     "parent: 'organizations/org1/users/dev'", kOk},
        DecisionCase{"ironorg.identity.v1.AuthService/ListApiTokens",
                     "developer", "parent: 'organizations/org1/users/admin'",
                     kDenied},
        DecisionCase{"ironorg.identity.v1.AuthService/RevokeApiToken",
                     "developer",
                     "name: 'organizations/org1/users/dev/apiTokens/k1'", kOk},
        DecisionCase{"ironorg.identity.v1.AuthService/RevokeApiToken", "admin",
                     "name: 'organizations/org1/users/dev/apiTokens/k1'", kOk},
        DecisionCase{"ironorg.identity.v1.AuthService/RevokeApiToken", "reader",
                     "name: 'organizations/org1/users/dev/apiTokens/k1'",
                     kDenied},
        DecisionCase{"ironorg.identity.v1.AuthService/RevokeApiToken", "admin",
                     "name: 'organizations/org2/users/dev/apiTokens/k1'",
                     kDenied}));

INSTANTIATE_TEST_SUITE_P(
    Projects, DecisionTable,
    ::testing::Values(
        DecisionCase{"ironorg.projects.v1.ProjectService/CreateProject",
                     "admin", "parent: 'organizations/org1'", kOk},
        DecisionCase{"ironorg.projects.v1.ProjectService/CreateProject",
                     "developer", "parent: 'organizations/org1'", kDenied},
        DecisionCase{"ironorg.projects.v1.ProjectService/GetProject", "reader",
                     "name: 'organizations/org1/projects/p2'", kOk},
        DecisionCase{"ironorg.projects.v1.ProjectService/GetProject",
                     "developer", "name: 'organizations/org1/projects/p1'",
                     kOk},
        DecisionCase{"ironorg.projects.v1.ProjectService/GetProject",
                     "developer", "name: 'organizations/org1/projects/p2'",
                     kDenied},
        DecisionCase{"ironorg.projects.v1.ProjectService/GetProject",
                     "developer", "name: 'organizations/org2/projects/p1'",
                     kDenied},
        DecisionCase{"ironorg.projects.v1.ProjectService/GetProject",
                     "accountant", "name: 'organizations/org1/projects/p1'",
                     kDenied},
        DecisionCase{"ironorg.projects.v1.ProjectService/ListProjects",
                     "developer", "parent: 'organizations/org1'", kOk},
        DecisionCase{"ironorg.projects.v1.ProjectService/ListProjects",
                     "accountant", "parent: 'organizations/org1'", kDenied},
        DecisionCase{"ironorg.projects.v1.ProjectService/UpdateProject",
                     "admin",
                     "project { name: 'organizations/org1/projects/p1' }", kOk},
        DecisionCase{
            "ironorg.projects.v1.ProjectService/UpdateProject", "admin",
            "project { name: 'organizations/org2/projects/p1' }", kDenied},
        DecisionCase{"ironorg.projects.v1.ProjectService/DeleteProject",
                     "reader", "name: 'organizations/org1/projects/p1'",
                     kDenied},
        DecisionCase{"ironorg.projects.v1.ProjectService/ListAuditEvents",
                     "developer", "parent: 'organizations/org1'", kDenied},
        DecisionCase{"ironorg.projects.v1.ProjectAccessService/"
                     "GrantProjectAccess",
                     "admin",
                     "project: 'organizations/org1/projects/p1' "
                     "user: 'organizations/org1/users/dev'",
                     kOk},
        DecisionCase{"ironorg.projects.v1.ProjectAccessService/"
                     "GrantProjectAccess",
                     "admin",
                     "project: 'organizations/org1/projects/p1' "
                     "user: 'organizations/org2/users/dev'",
                     kDenied},
        DecisionCase{"ironorg.projects.v1.ProjectAccessService/"
                     "RevokeProjectAccess",
                     "reader",
                     "project: 'organizations/org1/projects/p1' "
                     "user: 'organizations/org1/users/dev'",
                     kDenied},
        DecisionCase{"ironorg.projects.v1.ProjectAccessService/"
                     "ListProjectMembers",
                     "reader", "project: 'organizations/org1/projects/p1'",
                     kOk},
        DecisionCase{"ironorg.projects.v1.ProjectAccessService/"
                     "ListUserProjects",
                     "developer", "user: 'organizations/org1/users/dev'", kOk},
        DecisionCase{"ironorg.projects.v1.ProjectAccessService/"
                     "ListUserProjects",
                     "developer", "user: 'organizations/org1/users/admin'",
                     kDenied},
        DecisionCase{"ironorg.projects.v1.ProjectAccessService/"
                     "SetUserProjects",
                     "admin",
                     "user: 'organizations/org1/users/dev' "
                     "projects: 'organizations/org1/projects/p1' "
                     "projects: 'organizations/org2/projects/p9'",
                     kDenied},
        DecisionCase{"ironorg.projects.v1.ProjectAccessService/"
                     "SetUserProjects",
                     "admin",
                     "user: 'organizations/org1/users/dev' "
                     "projects: 'organizations/org1/projects/p1'",
                     kOk}));

INSTANTIATE_TEST_SUITE_P(
    Clusters, DecisionTable,
    ::testing::Values(
        DecisionCase{"ironorg.clusters.v1.ClusterService/CreateCluster",
                     "admin", "parent: 'organizations/org1'", kOk},
        DecisionCase{"ironorg.clusters.v1.ClusterService/GetCluster",
                     "developer", "name: 'organizations/org1/clusters/c1'",
                     kOk},
        DecisionCase{"ironorg.clusters.v1.ClusterService/GetCluster",
                     "developer", "name: 'organizations/org1/clusters/c2'",
                     kDenied},
        DecisionCase{"ironorg.clusters.v1.ClusterService/ListClusters",
                     "developer", "parent: 'organizations/org1'", kOk},
        DecisionCase{
            "ironorg.clusters.v1.ClusterService/UpdateCluster", "developer",
            "cluster { name: 'organizations/org1/clusters/c1' }", kDenied},
        DecisionCase{"ironorg.clusters.v1.ClusterService/RotateClusterToken",
                     "admin", "name: 'organizations/org1/clusters/c1'", kOk},
        DecisionCase{"ironorg.clusters.v1.ClusterService/RotateClusterToken",
                     "cluster-token", "name: 'organizations/org1/clusters/c1'",
                     kDenied},
        DecisionCase{"ironorg.clusters.v1.ClusterAccessService/"
                     "ListUserClusters",
                     "reader", "user: 'organizations/org1/users/dev'", kOk},
        DecisionCase{"ironorg.clusters.v1.ClusterAccessService/"
                     "SetUserClusters",
                     "reader", "user: 'organizations/org1/users/dev'", kDenied},
        DecisionCase{"ironorg.clusters.v1.RunnerService/RegisterRunner",
                     "cluster-token",
                     "cluster: 'organizations/org1/clusters/c1' "
                     "hostname: 'h1'",
                     kOk},
        DecisionCase{"ironorg.clusters.v1.RunnerService/RegisterRunner",
                     "cluster-token",
                     "cluster: 'organizations/org1/clusters/c2' "
                     "hostname: 'h1'",
                     kDenied},
        DecisionCase{"ironorg.clusters.v1.RunnerService/RegisterRunner",
                     "admin",
                     "cluster: 'organizations/org1/clusters/c1' "
                     "hostname: 'h1'",
                     kDenied},
        DecisionCase{"ironorg.clusters.v1.RunnerService/RegisterRunner",
                     "cluster-token", "hostname: 'h1'", kInvalid},
        DecisionCase{"ironorg.clusters.v1.RunnerService/Heartbeat",
                     "cluster-token",
                     "name: 'organizations/org1/clusters/c1/runners/r1'", kOk},
        DecisionCase{
            "ironorg.clusters.v1.RunnerService/Heartbeat", "cluster-token",
            "name: 'organizations/org1/clusters/c2/runners/r1'", kDenied},
        DecisionCase{"ironorg.clusters.v1.RunnerService/Heartbeat", "developer",
                     "name: 'organizations/org1/clusters/c1/runners/r1'",
                     kDenied},
        DecisionCase{"ironorg.clusters.v1.RunnerService/ListRunners",
                     "developer", "parent: 'organizations/org1/clusters/c1'",
                     kOk},
        DecisionCase{"ironorg.clusters.v1.RunnerService/ListRunners",
                     "developer", "parent: 'organizations/org1/clusters/c2'",
                     kDenied},
        DecisionCase{"ironorg.clusters.v1.RunnerService/ListRunners",
                     "cluster-token",
                     "parent: 'organizations/org1/clusters/c1'", kDenied}));

INSTANTIATE_TEST_SUITE_P(
    Billing, DecisionTable,
    ::testing::Values(
        DecisionCase{"ironorg.billing.v1.PlanService/ListPlans", "developer",
                     "", kOk},
        DecisionCase{"ironorg.billing.v1.PlanService/ListPlans", "operator", "",
                     kOk},
        DecisionCase{"ironorg.billing.v1.PlanService/GetPlan", "cluster-token",
                     "name: 'plans/free'", kDenied},
        DecisionCase{"ironorg.billing.v1.PlanService/GetPlan", "anonymous",
                     "name: 'plans/free'", kUnauthenticated},
        DecisionCase{"ironorg.billing.v1.SubscriptionService/"
                     "ListSubscriptions",
                     "accountant", "parent: 'organizations/org1'", kOk},
        DecisionCase{"ironorg.billing.v1.SubscriptionService/"
                     "ListSubscriptions",
                     "developer", "parent: 'organizations/org1'", kDenied},
        DecisionCase{"ironorg.billing.v1.SubscriptionService/ChangePlan",
                     "accountant",
                     "name: 'organizations/org1/subscriptions/iron-worker' "
                     "plan: 'plans/pro'",
                     kOk},
        DecisionCase{
            "ironorg.billing.v1.SubscriptionService/ChangePlan", "reader",
            "name: 'organizations/org1/subscriptions/iron-worker'", kDenied},
        DecisionCase{
            "ironorg.billing.v1.SubscriptionService/ChangePlan", "accountant",
            "name: 'organizations/org2/subscriptions/iron-worker'", kDenied},
        DecisionCase{"ironorg.billing.v1.BillingAccountService/"
                     "GetBillingAccount",
                     "reader", "name: 'organizations/org1/billingAccount'",
                     kOk},
        DecisionCase{"ironorg.billing.v1.BillingAccountService/"
                     "UpdateBillingAccount",
                     "accountant",
                     "billing_account { name: "
                     "'organizations/org1/billingAccount' }",
                     kOk},
        DecisionCase{"ironorg.billing.v1.BillingAccountService/"
                     "UpdateBillingAccount",
                     "reader",
                     "billing_account { name: "
                     "'organizations/org1/billingAccount' }",
                     kDenied},
        DecisionCase{"ironorg.billing.v1.BillingAccountService/"
                     "ListAuditEvents",
                     "accountant", "parent: 'organizations/org1'", kOk},
        DecisionCase{"ironorg.gateway.v1.AccessService/ExplainAccess", "reader",
                     "user: 'organizations/org1/users/dev'", kOk},
        DecisionCase{"ironorg.gateway.v1.AccessService/ExplainAccess",
                     "developer", "user: 'organizations/org1/users/dev'",
                     kDenied},
        DecisionCase{"ironorg.gateway.v1.AccessService/ExplainAccess", "admin",
                     "user: 'organizations/org2/users/dev'", kDenied}));

TEST(Decide, DenialNamesWhoMayCall) {
  const absl::Status status =
      AuthorizeCase({"ironorg.identity.v1.UserService/CreateUser", "reader",
                     "parent: 'organizations/org1'", kDenied});
  EXPECT_EQ(status.message(),
            "permission denied: ironorg.identity.v1.UserService/CreateUser "
            "requires ROLE_ADMIN");
}

TEST(Decide, DenialDoesNotRevealExistence) {
  // A developer without a grant reads the same denial whether or not the
  // project exists, because the gateway never looks it up.
  const absl::Status missing = AuthorizeCase(
      {"ironorg.projects.v1.ProjectService/GetProject", "developer",
       "name: 'organizations/org1/projects/nonexistent'", kDenied});
  const absl::Status ungranted = AuthorizeCase(
      {"ironorg.projects.v1.ProjectService/GetProject", "developer",
       "name: 'organizations/org1/projects/p2'", kDenied});
  EXPECT_EQ(missing.message(), ungranted.message());
  EXPECT_THAT(std::string(ungranted.message()),
              ::testing::HasSubstr("ROLE_DEVELOPER with a grant"));
}

TEST(Decide, MalformedTargetNamesTheField) {
  const absl::Status status =
      AuthorizeCase({"ironorg.identity.v1.UserService/UpdateUser", "admin",
                     "user { name: 'users/u1' }", kInvalid});
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), ::testing::HasSubstr("user.name"));
  EXPECT_TRUE(status.GetPayload("type.googleapis.com/google.rpc.BadRequest")
                  .has_value());
}

TEST(Decide, ApiTokenDenialExplainsTheTokenKind) {
  const absl::Status status =
      AuthorizeCase({"ironorg.identity.v1.AuthService/ChangePassword",
                     "developer-api-token", "", kDenied});
  EXPECT_THAT(std::string(status.message()),
              ::testing::HasSubstr("access token from Login"));
}

TEST(Authorize, AsksForTheGrantOnTheTargetCluster) {
  FakeGrantChecker grants;
  const absl::Status status = AuthorizeCase(
      {"ironorg.clusters.v1.RunnerService/ListRunners", "developer",
       "parent: 'organizations/org1/clusters/c1'", kOk},
      &grants);
  EXPECT_TRUE(status.ok()) << status;
  ASSERT_EQ(grants.lookups().size(), 1u);
  EXPECT_EQ(grants.lookups()[0].first, GrantKind::kCluster);
  EXPECT_EQ(grants.lookups()[0].second, "organizations/org1/clusters/c1");
}

TEST(Authorize, AdminNeedsNoGrantLookup) {
  FakeGrantChecker grants;
  const absl::Status status =
      AuthorizeCase({"ironorg.projects.v1.ProjectService/GetProject", "admin",
                     "name: 'organizations/org1/projects/p2'", kOk},
                    &grants);
  EXPECT_TRUE(status.ok()) << status;
  EXPECT_TRUE(grants.lookups().empty());
}

TEST(Authorize, OtherOrganizationIsDeniedBeforeAnyGrantLookup) {
  FakeGrantChecker grants;
  const absl::Status status = AuthorizeCase(
      {"ironorg.projects.v1.ProjectService/GetProject", "developer",
       "name: 'organizations/org2/projects/p1'", kDenied},
      &grants);
  EXPECT_EQ(status.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_TRUE(grants.lookups().empty());
}

TEST(Authorize, GrantLookupFailureIsReturned) {
  FakeGrantChecker grants;
  grants.FailWith(absl::UnavailableError("projects is down"));
  const absl::Status status = AuthorizeCase(
      {"ironorg.projects.v1.ProjectService/GetProject", "developer",
       "name: 'organizations/org1/projects/p1'", kOk},
      &grants);
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
}

TEST(Authorize, ServicePrincipalIsDenied) {
  const absl::Status status = AuthorizeCase(
      {"ironorg.billing.v1.PlanService/ListPlans", "service", "", kDenied});
  EXPECT_EQ(status.code(), absl::StatusCode::kPermissionDenied);
}

TEST(FindRule, UnknownMethodHasNoRule) {
  EXPECT_EQ(FindRule("ironorg.identity.v1.UserService/Unknown"), nullptr);
  EXPECT_EQ(FindRule("ironorg.identity.v1.InternalAuthService/IntrospectToken"),
            nullptr);
}

TEST(DescribeCallers, PlanRuleExcludesOnlyClusterTokens) {
  const MethodRule* rule = FindRule("ironorg.billing.v1.PlanService/GetPlan");
  ASSERT_NE(rule, nullptr);
  EXPECT_EQ(DescribeCallers(*rule), "any credential but a cluster token");
}

}  // namespace
}  // namespace ironorg::gateway

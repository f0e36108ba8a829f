// Tests of ExplainAccess's decisions over the real permission table, with
// a double for the identity and grant lookups.
#include "services/gateway/explain_access.h"

#include <map>
#include <set>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ironorg/identity/v1/user.pb.h"
#include "ironorg/projects/v1/project.pb.h"

namespace ironorg::gateway {
namespace {

using ::ironorg::gateway::v1::ExplainAccessRequest;
using ::ironorg::gateway::v1::ExplainAccessResponse;
using ::testing::HasSubstr;

constexpr char kDeveloper[] = "organizations/org1/users/dev";
constexpr char kAccountant[] = "organizations/org1/users/acct";
constexpr char kGrantedProject[] = "organizations/org1/projects/granted";
constexpr char kOtherProject[] = "organizations/org1/projects/other";

// Returns lookup results at once from fixed tables.
class TableTools final : public LocalCallTools, public GrantChecker {
 public:
  TableTools() {
    users_[kDeveloper] = identity::v1::ROLE_DEVELOPER;
    users_[kAccountant] = identity::v1::ROLE_ACCOUNTANT;
    grants_.insert({kDeveloper, kGrantedProject});
  }

  void LookupUser(const std::string& name,
                  std::function<void(absl::StatusOr<identity::v1::User>)> done)
      override {
    auto it = users_.find(name);
    if (it == users_.end()) {
      done(absl::NotFoundError("user not found"));
      return;
    }
    identity::v1::User user;
    user.set_name(name);
    user.set_role(it->second);
    done(user);
  }

  GrantChecker& grants() override { return *this; }

  void CheckGrant(GrantKind /*kind*/, const std::string& user,
                  const std::string& resource,
                  std::function<void(absl::StatusOr<bool>)> done) override {
    ++grant_lookups;
    done(grants_.count({user, resource}) > 0);
  }

  int grant_lookups = 0;

 private:
  std::map<std::string, identity::v1::Role> users_;
  std::set<std::pair<std::string, std::string>> grants_;
};

absl::StatusOr<ExplainAccessResponse> Explain(TableTools& tools,
                                              const std::string& user,
                                              const std::string& method,
                                              const std::string& resource) {
  ExplainAccessRequest request;
  request.set_user(user);
  request.set_method(method);
  request.set_resource(resource);
  absl::StatusOr<ExplainAccessResponse> result = absl::InternalError("unset");
  ExplainAccess(request, tools,
                [&result](absl::StatusOr<ExplainAccessResponse> explained) {
                  result = std::move(explained);
                });
  return result;
}

TEST(ExplainAccessTest, GrantedDeveloperIsAllowed) {
  TableTools tools;

  absl::StatusOr<ExplainAccessResponse> response =
      Explain(tools, kDeveloper, "ironorg.projects.v1.ProjectService/GetProject",
              kGrantedProject);

  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_TRUE(response->allowed());
  EXPECT_THAT(response->rule(), HasSubstr("a grant on"));
  EXPECT_EQ(tools.grant_lookups, 1);
}

TEST(ExplainAccessTest, UngrantedDeveloperNamesMissingGrant) {
  TableTools tools;

  absl::StatusOr<ExplainAccessResponse> response =
      Explain(tools, kDeveloper, "ironorg.projects.v1.ProjectService/GetProject",
              kOtherProject);

  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_FALSE(response->allowed());
  EXPECT_THAT(response->rule(), HasSubstr("no grant on"));
  EXPECT_THAT(response->rule(), HasSubstr(kOtherProject));
}

TEST(ExplainAccessTest, AccountantDeniedByRole) {
  TableTools tools;

  absl::StatusOr<ExplainAccessResponse> response = Explain(
      tools, kAccountant, "ironorg.projects.v1.ProjectService/GetProject",
      kGrantedProject);

  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_FALSE(response->allowed());
  EXPECT_THAT(response->rule(), HasSubstr("ROLE_ACCOUNTANT"));
  EXPECT_EQ(tools.grant_lookups, 0);
}

TEST(ExplainAccessTest, LeadingSlashInMethodIsAccepted) {
  TableTools tools;

  absl::StatusOr<ExplainAccessResponse> response = Explain(
      tools, kAccountant, "/ironorg.billing.v1.PlanService/ListPlans", "");

  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_TRUE(response->allowed());
}

TEST(ExplainAccessTest, SelfDisplayNameUpdateIsAllowed) {
  TableTools tools;

  absl::StatusOr<ExplainAccessResponse> response = Explain(
      tools, kDeveloper, "ironorg.identity.v1.UserService/UpdateUser",
      kDeveloper);

  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_TRUE(response->allowed());
}

TEST(ExplainAccessTest, UnknownMethodIsDenied) {
  TableTools tools;

  absl::StatusOr<ExplainAccessResponse> response = Explain(
      tools, kDeveloper, "ironorg.identity.v1.InternalAuthService/IntrospectToken",
      "");

  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_FALSE(response->allowed());
  EXPECT_THAT(response->rule(), HasSubstr("not a public method"));
}

TEST(ExplainAccessTest, MalformedResourceIsInvalid) {
  TableTools tools;

  absl::StatusOr<ExplainAccessResponse> response =
      Explain(tools, kDeveloper, "ironorg.projects.v1.ProjectService/GetProject",
              "projects/x");

  EXPECT_EQ(response.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(response.status().message(), HasSubstr("resource"));
}

TEST(ExplainAccessTest, ResourceForMethodWithoutOneIsInvalid) {
  TableTools tools;

  absl::StatusOr<ExplainAccessResponse> response =
      Explain(tools, kDeveloper, "ironorg.billing.v1.PlanService/ListPlans",
              kGrantedProject);

  EXPECT_EQ(response.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(ExplainAccessTest, UnknownUserIsNotFound) {
  TableTools tools;

  absl::StatusOr<ExplainAccessResponse> response =
      Explain(tools, "organizations/org1/users/ghost",
              "ironorg.projects.v1.ProjectService/GetProject", kGrantedProject);

  EXPECT_EQ(response.status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace ironorg::gateway

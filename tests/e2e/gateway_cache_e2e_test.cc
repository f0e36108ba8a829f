// End-to-end tests of the gateway cache with two gateway replicas. Each
// test uses a token or grant on both gateways, so both cache it, and then
// makes a change through the first gateway. The first gateway must apply
// it to its very next call. The second learns it from the change feeds,
// and the tests poll it with a deadline. Real binaries on loopback, real
// gRPC.
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "common/crypto.h"
#include "gtest/gtest.h"
#include "ironorg/clusters/v1/cluster.grpc.pb.h"
#include "ironorg/clusters/v1/runner.grpc.pb.h"
#include "ironorg/identity/v1/auth.grpc.pb.h"
#include "ironorg/identity/v1/organization.grpc.pb.h"
#include "ironorg/identity/v1/user.grpc.pb.h"
#include "ironorg/projects/v1/project.grpc.pb.h"
#include "ironorg/projects/v1/project_access.grpc.pb.h"
#include "tests/e2e/suite.h"

namespace ironorg::testing {
namespace {

namespace clusters = ::ironorg::clusters::v1;
namespace identity = ::ironorg::identity::v1;
namespace projects = ::ironorg::projects::v1;

constexpr char kPassword[] = "correct horse battery";

// How long the second gateway may take to apply a change, well above the
// default staleness bound of 1 s, and how often the tests poll.
constexpr auto kConvergenceDeadline = std::chrono::seconds(5);
constexpr auto kPollInterval = std::chrono::milliseconds(50);

// Calls `call` every kPollInterval until it returns `expected` or the
// deadline passes. Returns the last status.
grpc::Status PollUntil(grpc::StatusCode expected,
                       const std::function<grpc::Status()>& call) {
  const auto end = std::chrono::steady_clock::now() + kConvergenceDeadline;
  grpc::Status status = call();
  while (status.error_code() != expected &&
         std::chrono::steady_clock::now() < end) {
    std::this_thread::sleep_for(kPollInterval);
    status = call();
  }
  return status;
}

// The stubs of one gateway.
struct GatewayClient {
  explicit GatewayClient(const std::shared_ptr<grpc::Channel>& channel)
      : organizations(identity::OrganizationService::NewStub(channel)),
        users(identity::UserService::NewStub(channel)),
        auth(identity::AuthService::NewStub(channel)),
        projects(projects::ProjectService::NewStub(channel)),
        project_access(projects::ProjectAccessService::NewStub(channel)),
        clusters(clusters::ClusterService::NewStub(channel)),
        runners(clusters::RunnerService::NewStub(channel)) {}

  grpc::Status ListUsers(const std::string& token,
                         const std::string& organization) {
    identity::ListUsersRequest request;
    request.set_parent(organization);
    identity::ListUsersResponse response;
    return users->ListUsers(ContextWithToken(token).get(), request, &response);
  }

  grpc::Status GetUser(const std::string& token, const std::string& user) {
    identity::GetUserRequest request;
    request.set_name(user);
    identity::User response;
    return users->GetUser(ContextWithToken(token).get(), request, &response);
  }

  grpc::Status GetProject(const std::string& token,
                          const std::string& project) {
    projects::GetProjectRequest request;
    request.set_name(project);
    projects::Project response;
    return projects->GetProject(ContextWithToken(token).get(), request,
                                &response);
  }

  grpc::Status RegisterRunner(const std::string& cluster_token,
                              const std::string& cluster) {
    clusters::RegisterRunnerRequest request;
    request.set_cluster(cluster);
    request.set_hostname("runner-1.example.com");
    clusters::RegisterRunnerResponse response;
    return runners->RegisterRunner(ContextWithToken(cluster_token).get(),
                                   request, &response);
  }

  std::unique_ptr<identity::OrganizationService::Stub> organizations;
  std::unique_ptr<identity::UserService::Stub> users;
  std::unique_ptr<identity::AuthService::Stub> auth;
  std::unique_ptr<projects::ProjectService::Stub> projects;
  std::unique_ptr<projects::ProjectAccessService::Stub> project_access;
  std::unique_ptr<clusters::ClusterService::Stub> clusters;
  std::unique_ptr<clusters::RunnerService::Stub> runners;
};

class GatewayCacheE2eTest : public ::testing::Test {
 protected:
  // One suite and one second gateway for every test, which each create
  // their own organization.
  static void SetUpTestSuite() {
    absl::StatusOr<std::unique_ptr<Suite>> suite = Suite::Start();
    ASSERT_TRUE(suite.ok()) << suite.status();
    suite_ = suite->release();
    absl::StatusOr<std::string> second = suite_->StartExtraGateway();
    ASSERT_TRUE(second.ok()) << second.status();
    second_address_ = new std::string(*second);
  }

  static void TearDownTestSuite() {
    delete suite_;
    suite_ = nullptr;
    delete second_address_;
    second_address_ = nullptr;
  }

  void SetUp() override {
    ASSERT_NE(suite_, nullptr);
    ASSERT_NE(second_address_, nullptr);
    first_ = std::make_unique<GatewayClient>(suite_->GatewayChannel());
    second_ = std::make_unique<GatewayClient>(grpc::CreateChannel(
        *second_address_, grpc::InsecureChannelCredentials()));
    CreateOrganization();
  }

  void CreateOrganization() {
    const std::string admin_email =
        absl::StrCat("admin-", crypto::NewResourceId(), "@example.com");
    identity::CreateOrganizationRequest request;
    request.mutable_organization()->set_display_name("Cache Inc");
    request.set_admin_email(admin_email);
    request.set_admin_display_name("Ada Admin");
    request.set_admin_password(kPassword);
    identity::Organization created;
    const grpc::Status status = first_->organizations->CreateOrganization(
        ContextWithToken(suite_->operator_token()).get(), request, &created);
    ASSERT_TRUE(status.ok()) << status.error_message();
    organization_ = created.name();
    admin_token_ = Login(admin_email);
  }

  std::string Login(const std::string& email) {
    identity::LoginRequest request;
    request.set_email(email);
    request.set_password(kPassword);
    identity::LoginResponse response;
    const grpc::Status status =
        first_->auth->Login(ContextWithToken("").get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.access_token();
  }

  // Creates a user with `role` and returns its name; `*token` receives an
  // access token of the user.
  std::string CreateUser(identity::Role role, std::string* token) {
    const std::string email =
        absl::StrCat("user-", crypto::NewResourceId(), "@example.com");
    identity::CreateUserRequest request;
    request.set_parent(organization_);
    request.mutable_user()->set_email(email);
    request.mutable_user()->set_display_name("Cached User");
    request.mutable_user()->set_role(role);
    request.set_password(kPassword);
    identity::User user;
    const grpc::Status status = first_->users->CreateUser(
        ContextWithToken(admin_token_).get(), request, &user);
    EXPECT_TRUE(status.ok()) << status.error_message();
    *token = Login(email);
    return user.name();
  }

  static Suite* suite_;
  static std::string* second_address_;
  std::unique_ptr<GatewayClient> first_;
  std::unique_ptr<GatewayClient> second_;
  std::string organization_;
  std::string admin_token_;
};

Suite* GatewayCacheE2eTest::suite_ = nullptr;
std::string* GatewayCacheE2eTest::second_address_ = nullptr;

TEST_F(GatewayCacheE2eTest, RoleChangeAppliesOnBothGateways) {
  std::string token;
  const std::string user = CreateUser(identity::ROLE_ADMIN, &token);
  ASSERT_TRUE(first_->ListUsers(token, organization_).ok());
  ASSERT_TRUE(second_->ListUsers(token, organization_).ok());
  identity::SetUserRoleRequest demote;
  demote.set_name(user);
  demote.set_role(identity::ROLE_DEVELOPER);
  identity::User demoted;
  ASSERT_TRUE(first_->users
                  ->SetUserRole(ContextWithToken(admin_token_).get(), demote,
                                &demoted)
                  .ok());

  const grpc::Status first_status = first_->ListUsers(token, organization_);
  const grpc::Status second_status =
      PollUntil(grpc::StatusCode::PERMISSION_DENIED,
                [&] { return second_->ListUsers(token, organization_); });

  EXPECT_EQ(first_status.error_code(), grpc::StatusCode::PERMISSION_DENIED)
      << first_status.error_message();
  EXPECT_EQ(second_status.error_code(), grpc::StatusCode::PERMISSION_DENIED)
      << "the second gateway did not apply the role change within 5 s: "
      << second_status.error_message();
}

TEST_F(GatewayCacheE2eTest, RevokedApiTokenFailsOnBothGateways) {
  std::string access_token;
  const std::string user = CreateUser(identity::ROLE_DEVELOPER, &access_token);
  identity::CreateApiTokenRequest create;
  create.set_parent(user);
  create.mutable_api_token()->set_display_name("ci");
  identity::ApiToken api_token;
  ASSERT_TRUE(first_->auth
                  ->CreateApiToken(ContextWithToken(access_token).get(), create,
                                   &api_token)
                  .ok());
  ASSERT_TRUE(first_->GetUser(api_token.secret(), user).ok());
  ASSERT_TRUE(second_->GetUser(api_token.secret(), user).ok());
  identity::RevokeApiTokenRequest revoke;
  revoke.set_name(api_token.name());
  identity::ApiToken revoked;
  ASSERT_TRUE(first_->auth
                  ->RevokeApiToken(ContextWithToken(access_token).get(), revoke,
                                   &revoked)
                  .ok());

  const grpc::Status first_status = first_->GetUser(api_token.secret(), user);
  const grpc::Status second_status =
      PollUntil(grpc::StatusCode::UNAUTHENTICATED,
                [&] { return second_->GetUser(api_token.secret(), user); });

  EXPECT_EQ(first_status.error_code(), grpc::StatusCode::UNAUTHENTICATED)
      << first_status.error_message();
  EXPECT_EQ(second_status.error_code(), grpc::StatusCode::UNAUTHENTICATED)
      << "the second gateway did not apply the revocation within 5 s: "
      << second_status.error_message();
}

TEST_F(GatewayCacheE2eTest, RemovedGrantDeniedOnBothGateways) {
  std::string token;
  const std::string user = CreateUser(identity::ROLE_DEVELOPER, &token);
  projects::CreateProjectRequest create;
  create.set_parent(organization_);
  create.mutable_project()->set_display_name("Cached Project");
  projects::Project project;
  ASSERT_TRUE(first_->projects
                  ->CreateProject(ContextWithToken(admin_token_).get(), create,
                                  &project)
                  .ok());
  projects::GrantProjectAccessRequest grant;
  grant.set_project(project.name());
  grant.set_user(user);
  projects::GrantProjectAccessResponse granted;
  ASSERT_TRUE(first_->project_access
                  ->GrantProjectAccess(ContextWithToken(admin_token_).get(),
                                       grant, &granted)
                  .ok());
  ASSERT_TRUE(first_->GetProject(token, project.name()).ok());
  ASSERT_TRUE(
      PollUntil(grpc::StatusCode::OK, [&] {
        return second_->GetProject(token, project.name());
      }).ok());
  projects::RevokeProjectAccessRequest revoke;
  revoke.set_project(project.name());
  revoke.set_user(user);
  projects::RevokeProjectAccessResponse revoked;
  ASSERT_TRUE(first_->project_access
                  ->RevokeProjectAccess(ContextWithToken(admin_token_).get(),
                                        revoke, &revoked)
                  .ok());

  const grpc::Status first_status = first_->GetProject(token, project.name());
  const grpc::Status second_status =
      PollUntil(grpc::StatusCode::PERMISSION_DENIED,
                [&] { return second_->GetProject(token, project.name()); });

  EXPECT_EQ(first_status.error_code(), grpc::StatusCode::PERMISSION_DENIED)
      << first_status.error_message();
  EXPECT_EQ(second_status.error_code(), grpc::StatusCode::PERMISSION_DENIED)
      << "the second gateway did not apply the revoked grant within 5 s: "
      << second_status.error_message();
}

TEST_F(GatewayCacheE2eTest, RotatedClusterTokenFailsOnBothGateways) {
  clusters::CreateClusterRequest create;
  create.set_parent(organization_);
  create.mutable_cluster()->set_display_name("cached-cluster");
  clusters::Cluster cluster;
  ASSERT_TRUE(first_->clusters
                  ->CreateCluster(ContextWithToken(admin_token_).get(), create,
                                  &cluster)
                  .ok());
  const std::string old_token = cluster.cluster_token();
  ASSERT_TRUE(first_->RegisterRunner(old_token, cluster.name()).ok());
  ASSERT_TRUE(second_->RegisterRunner(old_token, cluster.name()).ok());
  clusters::RotateClusterTokenRequest rotate;
  rotate.set_name(cluster.name());
  clusters::Cluster rotated;
  ASSERT_TRUE(first_->clusters
                  ->RotateClusterToken(ContextWithToken(admin_token_).get(),
                                       rotate, &rotated)
                  .ok());

  const grpc::Status first_status =
      first_->RegisterRunner(old_token, cluster.name());
  const grpc::Status second_status =
      PollUntil(grpc::StatusCode::UNAUTHENTICATED, [&] {
        return second_->RegisterRunner(old_token, cluster.name());
      });
  const grpc::Status new_token_status =
      second_->RegisterRunner(rotated.cluster_token(), cluster.name());

  EXPECT_EQ(first_status.error_code(), grpc::StatusCode::UNAUTHENTICATED)
      << first_status.error_message();
  EXPECT_EQ(second_status.error_code(), grpc::StatusCode::UNAUTHENTICATED)
      << "the second gateway did not apply the rotation within 5 s: "
      << second_status.error_message();
  EXPECT_TRUE(new_token_status.ok()) << new_token_status.error_message();
}

TEST_F(GatewayCacheE2eTest, LogoutAppliesOnBothGateways) {
  std::string token;
  const std::string user = CreateUser(identity::ROLE_DEVELOPER, &token);
  ASSERT_TRUE(first_->GetUser(token, user).ok());
  ASSERT_TRUE(second_->GetUser(token, user).ok());
  identity::LogoutRequest logout;
  identity::LogoutResponse logged_out;
  ASSERT_TRUE(
      first_->auth->Logout(ContextWithToken(token).get(), logout, &logged_out)
          .ok());

  const grpc::Status first_status = first_->GetUser(token, user);
  const grpc::Status second_status = PollUntil(
      grpc::StatusCode::UNAUTHENTICATED,
      [&] { return second_->GetUser(token, user); });

  EXPECT_EQ(first_status.error_code(), grpc::StatusCode::UNAUTHENTICATED)
      << first_status.error_message();
  EXPECT_EQ(second_status.error_code(), grpc::StatusCode::UNAUTHENTICATED)
      << "the second gateway did not apply the logout within 5 s: "
      << second_status.error_message();
}

}  // namespace
}  // namespace ironorg::testing

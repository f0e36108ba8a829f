// End-to-end tests: the five real binaries on loopback, called through the
// gateway over real gRPC, as an organization admin's day uses them.
#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "common/crypto.h"
#include "common/internal_auth.h"
#include "gmock/gmock.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "gtest/gtest.h"
#include "ironorg/billing/v1/plan.grpc.pb.h"
#include "ironorg/billing/v1/subscription.grpc.pb.h"
#include "ironorg/clusters/v1/cluster.grpc.pb.h"
#include "ironorg/clusters/v1/cluster_access.grpc.pb.h"
#include "ironorg/gateway/v1/access.grpc.pb.h"
#include "ironorg/identity/v1/auth.grpc.pb.h"
#include "ironorg/identity/v1/organization.grpc.pb.h"
#include "ironorg/identity/v1/user.grpc.pb.h"
#include "ironorg/projects/v1/project.grpc.pb.h"
#include "ironorg/projects/v1/project_access.grpc.pb.h"
#include "tests/e2e/organization_setup.h"
#include "tests/e2e/suite.h"

namespace ironorg::testing {
namespace {

namespace billing = ::ironorg::billing::v1;
namespace clusters = ::ironorg::clusters::v1;
namespace identity = ::ironorg::identity::v1;
namespace projects = ::ironorg::projects::v1;

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::UnorderedElementsAre;

class GatewayEndToEndTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    absl::StatusOr<std::unique_ptr<Suite>> suite = Suite::Start();
    ASSERT_TRUE(suite.ok()) << suite.status();
    suite_ = std::move(*suite).release();
  }

  static void TearDownTestSuite() {
    delete suite_;
    suite_ = nullptr;
  }

  void SetUp() override {
    ASSERT_NE(suite_, nullptr);
    channel_ = suite_->GatewayChannel();
    organizations_ = identity::OrganizationService::NewStub(channel_);
    users_ = identity::UserService::NewStub(channel_);
    auth_ = identity::AuthService::NewStub(channel_);
    projects_ = projects::ProjectService::NewStub(channel_);
    project_access_ = projects::ProjectAccessService::NewStub(channel_);
    clusters_ = clusters::ClusterService::NewStub(channel_);
    cluster_access_ = clusters::ClusterAccessService::NewStub(channel_);
    plans_ = billing::PlanService::NewStub(channel_);
    subscriptions_ = billing::SubscriptionService::NewStub(channel_);
    setup_ = std::make_unique<OrganizationSetup>(*suite_);
  }

  // Creates an organization with one logged-in user of each role.
  TestOrganization CreateOrganization() {
    return setup_->CreateOrganization("Acme Hybrid");
  }

  std::vector<std::string> ListProjectNames(const std::string& token,
                                            const std::string& parent) {
    projects::ListProjectsRequest request;
    request.set_parent(parent);
    projects::ListProjectsResponse response;
    grpc::Status status = projects_->ListProjects(
        ContextWithToken(token).get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    std::vector<std::string> names;
    for (const projects::Project& project : response.projects()) {
      names.push_back(project.name());
    }
    return names;
  }

  static Suite* suite_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<identity::OrganizationService::Stub> organizations_;
  std::unique_ptr<identity::UserService::Stub> users_;
  std::unique_ptr<identity::AuthService::Stub> auth_;
  std::unique_ptr<projects::ProjectService::Stub> projects_;
  std::unique_ptr<projects::ProjectAccessService::Stub> project_access_;
  std::unique_ptr<clusters::ClusterService::Stub> clusters_;
  std::unique_ptr<clusters::ClusterAccessService::Stub> cluster_access_;
  std::unique_ptr<billing::PlanService::Stub> plans_;
  std::unique_ptr<billing::SubscriptionService::Stub> subscriptions_;
  std::unique_ptr<OrganizationSetup> setup_;
};

Suite* GatewayEndToEndTest::suite_ = nullptr;

TEST_F(GatewayEndToEndTest, HealthServingOnEveryProcess) {
  for (const std::string& service : Suite::ServiceNames()) {
    auto health =
        grpc::health::v1::Health::NewStub(suite_->ServiceChannel(service));
    grpc::health::v1::HealthCheckRequest request;
    grpc::health::v1::HealthCheckResponse response;
    grpc::Status status =
        health->Check(ContextWithToken("").get(), request, &response);
    ASSERT_TRUE(status.ok()) << service << ": " << status.error_message();
    EXPECT_EQ(response.status(),
              grpc::health::v1::HealthCheckResponse::SERVING)
        << service;
  }
}

TEST_F(GatewayEndToEndTest, ReflectionListsPublicServices) {
  absl::StatusOr<std::string> output = RunCommand(absl::StrCat(
      IRONORG_BUF, " curl --protocol grpc --http2-prior-knowledge ",
      "--list-services http://", suite_->address("gateway")));
  ASSERT_TRUE(output.ok()) << output.status();
  std::vector<std::string> services =
      absl::StrSplit(*output, '\n', absl::SkipWhitespace());

  EXPECT_THAT(services,
              UnorderedElementsAre(
                  "grpc.health.v1.Health",
                  "grpc.reflection.v1alpha.ServerReflection",
                  "ironorg.identity.v1.OrganizationService",
                  "ironorg.identity.v1.UserService",
                  "ironorg.identity.v1.AuthService",
                  "ironorg.projects.v1.ProjectService",
                  "ironorg.projects.v1.ProjectAccessService",
                  "ironorg.clusters.v1.ClusterService",
                  "ironorg.clusters.v1.ClusterAccessService",
                  "ironorg.clusters.v1.RunnerService",
                  "ironorg.billing.v1.PlanService",
                  "ironorg.billing.v1.SubscriptionService",
                  "ironorg.billing.v1.BillingAccountService",
                  "ironorg.gateway.v1.AccessService"));
}

TEST_F(GatewayEndToEndTest, HealthCheckThroughReflectionWithoutToken) {
  absl::StatusOr<std::string> output = RunCommand(absl::StrCat(
      IRONORG_BUF, " curl --protocol grpc --http2-prior-knowledge ",
      "http://", suite_->address("gateway"),
      "/grpc.health.v1.Health/Check"));
  ASSERT_TRUE(output.ok()) << output.status();
  EXPECT_THAT(*output, HasSubstr("SERVING"));
}

TEST_F(GatewayEndToEndTest, MissingTokenIsUnauthenticated) {
  projects::ListProjectsRequest request;
  request.set_parent("organizations/abc");
  projects::ListProjectsResponse response;
  grpc::Status status =
      projects_->ListProjects(ContextWithToken("").get(), request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(GatewayEndToEndTest, UnknownTokenIsUnauthenticated) {
  projects::ListProjectsRequest request;
  request.set_parent("organizations/abc");
  projects::ListProjectsResponse response;
  grpc::Status status = projects_->ListProjects(
      ContextWithToken(crypto::NewToken("ioa_")).get(), request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(GatewayEndToEndTest, WrongPasswordAndUnknownEmailReadTheSame) {
  TestOrganization org = CreateOrganization();
  identity::LoginRequest wrong_password;
  wrong_password.set_email(org.admin_email);
  wrong_password.set_password("not the password at all");
  identity::LoginRequest unknown_email;
  unknown_email.set_email(UniqueEmail("nobody"));
  unknown_email.set_password(kPassword);
  identity::LoginResponse response;

  grpc::Status first =
      auth_->Login(ContextWithToken("").get(), wrong_password, &response);
  grpc::Status second =
      auth_->Login(ContextWithToken("").get(), unknown_email, &response);

  EXPECT_EQ(first.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(second.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(first.error_message(), second.error_message());
}

TEST_F(GatewayEndToEndTest, OnlyOperatorCreatesOrganizations) {
  TestOrganization org = CreateOrganization();
  identity::CreateOrganizationRequest request;
  request.mutable_organization()->set_display_name("Sneaky");
  request.set_admin_email(UniqueEmail("sneaky"));
  request.set_admin_display_name("Sneaky Admin");
  request.set_admin_password(kPassword);
  identity::Organization created;

  grpc::Status status = organizations_->CreateOrganization(
      ContextWithToken(org.admin_token).get(), request, &created);

  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(GatewayEndToEndTest, DuplicateEmailIsAlreadyExists) {
  TestOrganization org = CreateOrganization();
  TestOrganization other = CreateOrganization();
  identity::CreateUserRequest request;
  request.set_parent(other.name);
  request.mutable_user()->set_email(
      absl::StrCat("  ", absl::AsciiStrToUpper(org.admin_email), " "));
  request.mutable_user()->set_display_name("Copy");
  request.mutable_user()->set_role(identity::ROLE_DEVELOPER);
  request.set_password(kPassword);
  identity::User user;

  grpc::Status status =
      users_->CreateUser(ContextWithToken(other.admin_token).get(), request,
                         &user);

  EXPECT_EQ(status.error_code(), grpc::StatusCode::ALREADY_EXISTS);
}

TEST_F(GatewayEndToEndTest, TokenOfOneOrganizationCannotReadAnother) {
  TestOrganization a = CreateOrganization();
  TestOrganization b = CreateOrganization();
  identity::ListUsersRequest list;
  list.set_parent(b.name);
  identity::ListUsersResponse users;
  identity::GetUserRequest get;
  get.set_name(b.admin.name().empty() ? b.developer.name() : b.admin.name());
  identity::User user;

  grpc::Status list_status =
      users_->ListUsers(ContextWithToken(a.admin_token).get(), list, &users);
  grpc::Status get_status =
      users_->GetUser(ContextWithToken(a.admin_token).get(), get, &user);

  EXPECT_EQ(list_status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(get_status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(GatewayEndToEndTest, NameInOtherOrganizationReadsLikeMissingOne) {
  TestOrganization a = CreateOrganization();
  TestOrganization b = CreateOrganization();
  projects::Project project = setup_->CreateProject(b, "B's secret project");
  projects::GetProjectRequest existing;
  existing.set_name(project.name());
  projects::GetProjectRequest missing;
  missing.set_name(absl::StrCat(b.name, "/projects/", crypto::NewResourceId()));
  projects::Project response;

  grpc::Status existing_status = projects_->GetProject(
      ContextWithToken(a.admin_token).get(), existing, &response);
  grpc::Status missing_status = projects_->GetProject(
      ContextWithToken(a.admin_token).get(), missing, &response);

  EXPECT_EQ(existing_status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(existing_status.error_code(), missing_status.error_code());
  // The messages differ only by the name the caller sent.
  EXPECT_EQ(absl::StrReplaceAll(existing_status.error_message(),
                                {{existing.name(), "NAME"}}),
            absl::StrReplaceAll(missing_status.error_message(),
                                {{missing.name(), "NAME"}}));
}

TEST_F(GatewayEndToEndTest, DeveloperListsOnlyGrantedProjects) {
  TestOrganization org = CreateOrganization();
  projects::Project granted = setup_->CreateProject(org, "Granted");
  projects::Project other = setup_->CreateProject(org, "Not granted");
  ASSERT_TRUE(setup_->GrantProject(org.admin_token, granted.name(),
                           org.developer.name())
                  .ok());

  std::vector<std::string> developer_view =
      ListProjectNames(org.developer_token, org.name);
  std::vector<std::string> admin_view =
      ListProjectNames(org.admin_token, org.name);

  EXPECT_THAT(developer_view, UnorderedElementsAre(granted.name()));
  EXPECT_THAT(admin_view, UnorderedElementsAre(granted.name(), other.name()));
}

TEST_F(GatewayEndToEndTest, RevokedGrantDisappearsOnNextCall) {
  TestOrganization org = CreateOrganization();
  projects::Project project = setup_->CreateProject(org, "Short-lived access");
  ASSERT_TRUE(
      setup_->GrantProject(org.admin_token, project.name(), org.developer.name()).ok());
  ASSERT_THAT(ListProjectNames(org.developer_token, org.name),
              Contains(project.name()));
  projects::RevokeProjectAccessRequest revoke;
  revoke.set_project(project.name());
  revoke.set_user(org.developer.name());
  projects::RevokeProjectAccessResponse revoked;
  ASSERT_TRUE(project_access_
                  ->RevokeProjectAccess(ContextWithToken(org.admin_token).get(),
                                        revoke, &revoked)
                  .ok());
  projects::GetProjectRequest get;
  get.set_name(project.name());
  projects::Project response;

  std::vector<std::string> listed =
      ListProjectNames(org.developer_token, org.name);
  grpc::Status get_status = projects_->GetProject(
      ContextWithToken(org.developer_token).get(), get, &response);

  EXPECT_THAT(listed, Not(Contains(project.name())));
  EXPECT_EQ(get_status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(GatewayEndToEndTest, GrantingTwiceSucceeds) {
  TestOrganization org = CreateOrganization();
  projects::Project project = setup_->CreateProject(org, "Twice");

  grpc::Status first =
      setup_->GrantProject(org.admin_token, project.name(), org.developer.name());
  grpc::Status second =
      setup_->GrantProject(org.admin_token, project.name(), org.developer.name());

  EXPECT_TRUE(first.ok()) << first.error_message();
  EXPECT_TRUE(second.ok()) << second.error_message();
}

TEST_F(GatewayEndToEndTest, ZeroClusterMemoryNamesTheField) {
  TestOrganization org = CreateOrganization();
  clusters::CreateClusterRequest request;
  request.set_parent(org.name);
  request.mutable_cluster()->set_display_name("Zero memory");
  request.mutable_cluster()->set_memory_per_runner_mb(0);
  clusters::Cluster cluster;

  grpc::Status status = clusters_->CreateCluster(
      ContextWithToken(org.admin_token).get(), request, &cluster);

  ASSERT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("memory_per_runner_mb"));
  google::rpc::Status details;
  ASSERT_TRUE(details.ParseFromString(status.error_details()));
  ASSERT_EQ(details.details_size(), 1);
  google::rpc::BadRequest bad_request;
  ASSERT_TRUE(details.details(0).UnpackTo(&bad_request));
  ASSERT_EQ(bad_request.field_violations_size(), 1);
  EXPECT_EQ(bad_request.field_violations(0).field(),
            "cluster.memory_per_runner_mb");
}

TEST_F(GatewayEndToEndTest, ClusterTokenShownOnceAndDefaultsApplied) {
  TestOrganization org = CreateOrganization();
  clusters::CreateClusterRequest request;
  request.set_parent(org.name);
  request.mutable_cluster()->set_display_name("Defaults");
  clusters::Cluster created;
  ASSERT_TRUE(clusters_
                  ->CreateCluster(ContextWithToken(org.admin_token).get(),
                                  request, &created)
                  .ok());
  clusters::GetClusterRequest get;
  get.set_name(created.name());
  clusters::Cluster read;
  ASSERT_TRUE(
      clusters_->GetCluster(ContextWithToken(org.admin_token).get(), get, &read)
          .ok());

  EXPECT_THAT(created.cluster_token(), ::testing::StartsWith("ioc_"));
  EXPECT_EQ(read.cluster_token(), "");
  EXPECT_EQ(read.memory_per_runner_mb(), 512);
  EXPECT_EQ(read.disk_per_runner_gb(), 10);
  EXPECT_EQ(read.state(), clusters::Cluster::STATE_PROVISIONING);
}

TEST_F(GatewayEndToEndTest, NewOrganizationStartsOnFreePlans) {
  TestOrganization org = CreateOrganization();
  billing::ListSubscriptionsRequest request;
  request.set_parent(org.name);
  billing::ListSubscriptionsResponse response;

  grpc::Status status = subscriptions_->ListSubscriptions(
      ContextWithToken(org.accountant_token).get(), request, &response);

  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(response.subscriptions_size(), 3);
  for (const billing::Subscription& subscription : response.subscriptions()) {
    billing::GetPlanRequest get;
    get.set_name(subscription.plan());
    billing::Plan plan;
    ASSERT_TRUE(
        plans_->GetPlan(ContextWithToken(org.accountant_token).get(), get, &plan)
            .ok());
    EXPECT_EQ(plan.monthly_price_cents(), 0) << subscription.name();
  }
}

// Which role may make which implemented call, through the gateway. Allowed
// calls must not fail with PERMISSION_DENIED or UNAUTHENTICATED; denied
// ones must fail with PERMISSION_DENIED.
TEST_F(GatewayEndToEndTest, RolesGetTheCallsTheTableAllows) {
  TestOrganization org = CreateOrganization();
  projects::Project granted = setup_->CreateProject(org, "Developer's project");
  projects::Project ungranted = setup_->CreateProject(org, "Someone else's");
  ASSERT_TRUE(
      setup_->GrantProject(org.admin_token, granted.name(), org.developer.name()).ok());
  clusters::CreateClusterRequest create_cluster;
  create_cluster.set_parent(org.name);
  create_cluster.mutable_cluster()->set_display_name("Role matrix cluster");
  clusters::Cluster cluster;
  ASSERT_TRUE(clusters_
                  ->CreateCluster(ContextWithToken(org.admin_token).get(),
                                  create_cluster, &cluster)
                  .ok());

  enum Role { kAdmin, kReadOnly, kDeveloper, kAccountant };
  const std::vector<std::pair<Role, std::string>> callers = {
      {kAdmin, org.admin_token},
      {kReadOnly, org.read_only_token},
      {kDeveloper, org.developer_token},
      {kAccountant, org.accountant_token}};

  struct Case {
    std::string call;
    std::vector<bool> allowed;  // Indexed by Role.
    std::function<grpc::Status(const std::string& token)> make;
  };
  int counter = 0;
  const std::vector<Case> cases = {
      {"GetOrganization",
       {true, true, true, true},
       [&](const std::string& token) {
         identity::GetOrganizationRequest request;
         request.set_name(org.name);
         identity::Organization response;
         return organizations_->GetOrganization(ContextWithToken(token).get(),
                                                request, &response);
       }},
      {"CreateUser",
       {true, false, false, false},
       [&](const std::string& token) {
         identity::CreateUserRequest request;
         request.set_parent(org.name);
         request.mutable_user()->set_email(UniqueEmail("matrix"));
         request.mutable_user()->set_display_name("Matrix");
         request.mutable_user()->set_role(identity::ROLE_DEVELOPER);
         request.set_password(kPassword);
         identity::User response;
         return users_->CreateUser(ContextWithToken(token).get(), request,
                                   &response);
       }},
      {"ListUsers",
       {true, true, false, false},
       [&](const std::string& token) {
         identity::ListUsersRequest request;
         request.set_parent(org.name);
         identity::ListUsersResponse response;
         return users_->ListUsers(ContextWithToken(token).get(), request,
                                  &response);
       }},
      {"GetUser of the Admin",
       {true, true, false, false},
       [&](const std::string& token) {
         identity::ListUsersRequest list;
         identity::GetUserRequest request;
         request.set_name(org.read_only.name());
         identity::User response;
         return users_->GetUser(ContextWithToken(token).get(), request,
                                &response);
       }},
      {"CreateProject",
       {true, false, false, false},
       [&](const std::string& token) {
         projects::CreateProjectRequest request;
         request.set_parent(org.name);
         request.mutable_project()->set_display_name(
             absl::StrCat("Matrix ", ++counter));
         projects::Project response;
         return projects_->CreateProject(ContextWithToken(token).get(),
                                         request, &response);
       }},
      {"GetProject granted",
       {true, true, true, false},
       [&](const std::string& token) {
         projects::GetProjectRequest request;
         request.set_name(granted.name());
         projects::Project response;
         return projects_->GetProject(ContextWithToken(token).get(), request,
                                      &response);
       }},
      {"GetProject not granted",
       {true, true, false, false},
       [&](const std::string& token) {
         projects::GetProjectRequest request;
         request.set_name(ungranted.name());
         projects::Project response;
         return projects_->GetProject(ContextWithToken(token).get(), request,
                                      &response);
       }},
      {"ListProjects",
       {true, true, true, false},
       [&](const std::string& token) {
         projects::ListProjectsRequest request;
         request.set_parent(org.name);
         projects::ListProjectsResponse response;
         return projects_->ListProjects(ContextWithToken(token).get(), request,
                                        &response);
       }},
      {"GrantProjectAccess",
       {true, false, false, false},
       [&](const std::string& token) {
         return setup_->GrantProject(token, ungranted.name(), org.read_only.name());
       }},
      {"CreateCluster",
       {true, false, false, false},
       [&](const std::string& token) {
         clusters::CreateClusterRequest request;
         request.set_parent(org.name);
         request.mutable_cluster()->set_display_name(
             absl::StrCat("Matrix cluster ", ++counter));
         clusters::Cluster response;
         return clusters_->CreateCluster(ContextWithToken(token).get(),
                                         request, &response);
       }},
      {"GetCluster not granted",
       {true, true, false, false},
       [&](const std::string& token) {
         clusters::GetClusterRequest request;
         request.set_name(cluster.name());
         clusters::Cluster response;
         return clusters_->GetCluster(ContextWithToken(token).get(), request,
                                      &response);
       }},
      {"ListClusters",
       {true, true, true, false},
       [&](const std::string& token) {
         clusters::ListClustersRequest request;
         request.set_parent(org.name);
         clusters::ListClustersResponse response;
         return clusters_->ListClusters(ContextWithToken(token).get(), request,
                                        &response);
       }},
      {"GrantClusterAccess",
       {true, false, false, false},
       [&](const std::string& token) {
         clusters::GrantClusterAccessRequest request;
         request.set_cluster(cluster.name());
         request.set_user(org.read_only.name());
         clusters::GrantClusterAccessResponse response;
         return cluster_access_->GrantClusterAccess(
             ContextWithToken(token).get(), request, &response);
       }},
      {"ListPlans",
       {true, true, true, true},
       [&](const std::string& token) {
         billing::ListPlansRequest request;
         billing::ListPlansResponse response;
         return plans_->ListPlans(ContextWithToken(token).get(), request,
                                  &response);
       }},
      {"ListSubscriptions",
       {true, true, false, true},
       [&](const std::string& token) {
         billing::ListSubscriptionsRequest request;
         request.set_parent(org.name);
         billing::ListSubscriptionsResponse response;
         return subscriptions_->ListSubscriptions(
             ContextWithToken(token).get(), request, &response);
       }},
  };

  for (const Case& test_case : cases) {
    for (const auto& [role, token] : callers) {
      grpc::Status status = test_case.make(token);
      if (test_case.allowed[role]) {
        EXPECT_NE(status.error_code(), grpc::StatusCode::PERMISSION_DENIED)
            << test_case.call << " as role " << role << ": "
            << status.error_message();
        EXPECT_NE(status.error_code(), grpc::StatusCode::UNAUTHENTICATED)
            << test_case.call << " as role " << role;
      } else {
        EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED)
            << test_case.call << " as role " << role << ": "
            << status.error_message();
      }
    }
  }
}

TEST_F(GatewayEndToEndTest, DeveloperReadsSelfButNotOthers) {
  TestOrganization org = CreateOrganization();
  identity::GetUserRequest self;
  self.set_name(org.developer.name());
  identity::GetUserRequest other;
  other.set_name(org.accountant.name());
  identity::User user;

  grpc::Status self_status =
      users_->GetUser(ContextWithToken(org.developer_token).get(), self, &user);
  grpc::Status other_status = users_->GetUser(
      ContextWithToken(org.developer_token).get(), other, &user);

  EXPECT_TRUE(self_status.ok()) << self_status.error_message();
  EXPECT_EQ(other_status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(GatewayEndToEndTest, ForgedIdentityAtServicePortIsRejected) {
  TestOrganization org = CreateOrganization();
  identity::Principal forged;
  forged.set_kind(identity::Principal::KIND_USER_ACCESS_TOKEN);
  forged.set_organization(org.name);
  forged.set_user(org.developer.name());
  forged.set_role(identity::ROLE_ADMIN);
  auto users = identity::UserService::NewStub(suite_->ServiceChannel("identity"));
  identity::ListUsersRequest request;
  request.set_parent(org.name);
  identity::ListUsersResponse response;

  grpc::ClientContext unsigned_context;
  unsigned_context.AddMetadata(kPrincipalMetadataKey,
                               forged.SerializeAsString());
  grpc::Status unsigned_status =
      users->ListUsers(&unsigned_context, request, &response);

  absl::StatusOr<InternalCredential> wrong_secret =
      InternalCredential::Create(crypto::NewToken("not-the-secret-"));
  ASSERT_TRUE(wrong_secret.ok());
  grpc::ClientContext signed_context;
  wrong_secret->Sign(
      MethodPath(identity::UserService::service_full_name(), "ListUsers"),
      forged, &signed_context);
  grpc::Status wrong_secret_status =
      users->ListUsers(&signed_context, request, &response);

  EXPECT_EQ(unsigned_status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(wrong_secret_status.error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(GatewayEndToEndTest, ExplainAccessFollowsGrants) {
  TestOrganization org = CreateOrganization();
  projects::Project project = setup_->CreateProject(org, "Explained");
  auto access = ::ironorg::gateway::v1::AccessService::NewStub(channel_);
  ::ironorg::gateway::v1::ExplainAccessRequest request;
  request.set_user(org.developer.name());
  request.set_method("ironorg.projects.v1.ProjectService/GetProject");
  request.set_resource(project.name());
  ::ironorg::gateway::v1::ExplainAccessResponse before;
  ::ironorg::gateway::v1::ExplainAccessResponse after;

  grpc::Status before_status = access->ExplainAccess(
      ContextWithToken(org.read_only_token).get(), request, &before);
  ASSERT_TRUE(
      setup_->GrantProject(org.admin_token, project.name(), org.developer.name()).ok());
  grpc::Status after_status = access->ExplainAccess(
      ContextWithToken(org.admin_token).get(), request, &after);

  ASSERT_TRUE(before_status.ok()) << before_status.error_message();
  EXPECT_FALSE(before.allowed());
  EXPECT_THAT(before.rule(), HasSubstr("no grant on"));
  ASSERT_TRUE(after_status.ok()) << after_status.error_message();
  EXPECT_TRUE(after.allowed());
}

TEST_F(GatewayEndToEndTest, ExplainAccessStaysInOwnOrganization) {
  TestOrganization a = CreateOrganization();
  TestOrganization b = CreateOrganization();
  auto access = ::ironorg::gateway::v1::AccessService::NewStub(channel_);
  ::ironorg::gateway::v1::ExplainAccessRequest request;
  request.set_user(b.developer.name());
  request.set_method("ironorg.identity.v1.UserService/ListUsers");
  request.set_resource(b.name);
  ::ironorg::gateway::v1::ExplainAccessResponse response;

  grpc::Status status = access->ExplainAccess(
      ContextWithToken(a.admin_token).get(), request, &response);

  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
}

}  // namespace
}  // namespace ironorg::testing

// End-to-end: while billing is down, calls to identity, projects and
// clusters through the gateway keep working, billing calls fail fast with
// UNAVAILABLE, and billing calls work again once billing is restarted.
// While billing hangs, its calls end at the gateway's deadline cap.
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "common/crypto.h"
#include "gtest/gtest.h"
#include "ironorg/billing/v1/plan.grpc.pb.h"
#include "ironorg/clusters/v1/cluster.grpc.pb.h"
#include "ironorg/identity/v1/auth.grpc.pb.h"
#include "ironorg/identity/v1/organization.grpc.pb.h"
#include "ironorg/identity/v1/user.grpc.pb.h"
#include "ironorg/projects/v1/project.grpc.pb.h"
#include "tests/e2e/suite.h"

namespace ironorg::testing {
namespace {

namespace billing = ::ironorg::billing::v1;
namespace clusters = ::ironorg::clusters::v1;
namespace identity = ::ironorg::identity::v1;
namespace projects = ::ironorg::projects::v1;

constexpr char kPassword[] = "correct horse battery";

// The deadline of a billing call while billing is down. The call must fail
// with UNAVAILABLE well before it, not wait for billing to come back.
constexpr auto kOutageCallTimeout = std::chrono::seconds(5);

// How long billing gets to serve calls through the gateway again after its
// restart.
constexpr auto kRecoveryTimeout = std::chrono::seconds(30);

// The gateway's cap on every call's deadline in these tests, and a client
// deadline far above it: longer than ctest's timeout for this test, so
// that only the gateway's cap can end the hung call while the test runs.
constexpr char kGatewayMaxCallTimeoutFlag[] = "--max_call_timeout=2s";
constexpr auto kPatientCallTimeout = std::chrono::seconds(900);

class OutageEndToEndTest : public ::testing::Test {
 protected:
  // Starts the suite, creates an organization and logs its admin in.
  void SetUp() override {
    SuiteOptions options;
    options.extra_flags["gateway"] = {kGatewayMaxCallTimeoutFlag};
    absl::StatusOr<std::unique_ptr<Suite>> started = Suite::Start(options);
    ASSERT_TRUE(started.ok()) << started.status();
    suite_ = *std::move(started);
    auto channel = suite_->GatewayChannel();
    organizations_ = identity::OrganizationService::NewStub(channel);
    users_ = identity::UserService::NewStub(channel);
    auth_ = identity::AuthService::NewStub(channel);
    projects_ = projects::ProjectService::NewStub(channel);
    clusters_ = clusters::ClusterService::NewStub(channel);
    plans_ = billing::PlanService::NewStub(channel);

    admin_email_ =
        absl::StrCat("admin-", crypto::NewResourceId(), "@example.com");
    identity::CreateOrganizationRequest request;
    request.mutable_organization()->set_display_name("Outage Inc");
    request.set_admin_email(admin_email_);
    request.set_admin_display_name("Olga Outage");
    request.set_admin_password(kPassword);
    grpc::Status created = organizations_->CreateOrganization(
        ContextWithToken(suite_->operator_token()).get(), request,
        &organization_);
    ASSERT_TRUE(created.ok()) << created.error_message();
    admin_token_ = Login();
    ASSERT_FALSE(admin_token_.empty());
  }

  std::string Login() {
    identity::LoginRequest request;
    request.set_email(admin_email_);
    request.set_password(kPassword);
    identity::LoginResponse response;
    grpc::Status status =
        auth_->Login(ContextWithToken("").get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.access_token();
  }

  // Calls ListPlans with `timeout` as the deadline.
  grpc::Status ListPlans(std::chrono::seconds timeout,
                         billing::ListPlansResponse* response) {
    std::unique_ptr<grpc::ClientContext> context =
        ContextWithToken(admin_token_);
    context->set_deadline(std::chrono::system_clock::now() + timeout);
    return plans_->ListPlans(context.get(), billing::ListPlansRequest(),
                             response);
  }

  std::unique_ptr<Suite> suite_;
  std::unique_ptr<identity::OrganizationService::Stub> organizations_;
  std::unique_ptr<identity::UserService::Stub> users_;
  std::unique_ptr<identity::AuthService::Stub> auth_;
  std::unique_ptr<projects::ProjectService::Stub> projects_;
  std::unique_ptr<clusters::ClusterService::Stub> clusters_;
  std::unique_ptr<billing::PlanService::Stub> plans_;
  identity::Organization organization_;
  std::string admin_email_;
  std::string admin_token_;
};

TEST_F(OutageEndToEndTest, OtherServicesWorkWhileBillingIsDown) {
  billing::ListPlansResponse plans_before;
  grpc::Status before = ListPlans(std::chrono::seconds(10), &plans_before);
  ASSERT_TRUE(before.ok()) << before.error_message();

  suite_->Kill("billing");

  const std::string login_token = Login();
  identity::ListUsersRequest list_users;
  list_users.set_parent(organization_.name());
  identity::ListUsersResponse listed_users;
  grpc::Status list_users_status = users_->ListUsers(
      ContextWithToken(admin_token_).get(), list_users, &listed_users);

  projects::CreateProjectRequest create_project;
  create_project.set_parent(organization_.name());
  create_project.mutable_project()->set_display_name("Unbilled");
  projects::Project project;
  grpc::Status project_status = projects_->CreateProject(
      ContextWithToken(admin_token_).get(), create_project, &project);
  projects::ListProjectsRequest list_projects;
  list_projects.set_parent(organization_.name());
  projects::ListProjectsResponse listed_projects;
  grpc::Status list_projects_status = projects_->ListProjects(
      ContextWithToken(admin_token_).get(), list_projects, &listed_projects);

  clusters::CreateClusterRequest create_cluster;
  create_cluster.set_parent(organization_.name());
  create_cluster.mutable_cluster()->set_display_name("Unbilled");
  create_cluster.mutable_cluster()->set_memory_per_runner_mb(1024);
  clusters::Cluster cluster;
  grpc::Status cluster_status = clusters_->CreateCluster(
      ContextWithToken(admin_token_).get(), create_cluster, &cluster);
  clusters::ListClustersRequest list_clusters;
  list_clusters.set_parent(organization_.name());
  clusters::ListClustersResponse listed_clusters;
  grpc::Status list_clusters_status = clusters_->ListClusters(
      ContextWithToken(admin_token_).get(), list_clusters, &listed_clusters);

  billing::ListPlansResponse plans_during;
  grpc::Status billing_status = ListPlans(kOutageCallTimeout, &plans_during);

  EXPECT_FALSE(login_token.empty());
  ASSERT_TRUE(list_users_status.ok()) << list_users_status.error_message();
  EXPECT_EQ(listed_users.users_size(), 1);
  EXPECT_TRUE(project_status.ok()) << project_status.error_message();
  ASSERT_TRUE(list_projects_status.ok())
      << list_projects_status.error_message();
  EXPECT_EQ(listed_projects.projects_size(), 1);
  EXPECT_TRUE(cluster_status.ok()) << cluster_status.error_message();
  ASSERT_TRUE(list_clusters_status.ok())
      << list_clusters_status.error_message();
  EXPECT_EQ(listed_clusters.clusters_size(), 1);
  EXPECT_EQ(billing_status.error_code(), grpc::StatusCode::UNAVAILABLE)
      << billing_status.error_message();
}

TEST_F(OutageEndToEndTest, BillingServesAgainAfterRestart) {
  billing::ListPlansResponse plans_before;
  grpc::Status before = ListPlans(std::chrono::seconds(10), &plans_before);
  ASSERT_TRUE(before.ok()) << before.error_message();
  suite_->Kill("billing");
  billing::ListPlansResponse plans_during;
  ASSERT_EQ(ListPlans(kOutageCallTimeout, &plans_during).error_code(),
            grpc::StatusCode::UNAVAILABLE);

  ASSERT_TRUE(suite_->Restart("billing").ok());

  // The gateway reconnects with at most one second of backoff, so poll
  // until a call gets through.
  const auto deadline = std::chrono::steady_clock::now() + kRecoveryTimeout;
  billing::ListPlansResponse plans_after;
  grpc::Status after = ListPlans(kOutageCallTimeout, &plans_after);
  while (after.error_code() == grpc::StatusCode::UNAVAILABLE &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    plans_after.Clear();
    after = ListPlans(kOutageCallTimeout, &plans_after);
  }
  ASSERT_TRUE(after.ok()) << after.error_message();
  EXPECT_EQ(plans_after.plans_size(), plans_before.plans_size());
  EXPECT_GT(plans_after.plans_size(), 0);
}

TEST_F(OutageEndToEndTest, HungBillingEndsAtGatewayCap) {
  billing::ListPlansResponse plans;
  grpc::Status before = ListPlans(std::chrono::seconds(10), &plans);
  ASSERT_TRUE(before.ok()) << before.error_message();

  suite_->Pause("billing");
  grpc::Status hung = ListPlans(
      std::chrono::duration_cast<std::chrono::seconds>(kPatientCallTimeout),
      &plans);
  identity::ListUsersRequest list_users;
  list_users.set_parent(organization_.name());
  identity::ListUsersResponse listed_users;
  grpc::Status users_status = users_->ListUsers(
      ContextWithToken(admin_token_).get(), list_users, &listed_users);
  suite_->Resume("billing");

  // The caller allowed 15 minutes; the gateway's 2-second cap ended it.
  EXPECT_EQ(hung.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED)
      << hung.error_message();
  EXPECT_TRUE(users_status.ok()) << users_status.error_message();
  const auto deadline = std::chrono::steady_clock::now() + kRecoveryTimeout;
  grpc::Status after;
  do {
    after = ListPlans(std::chrono::seconds(5), &plans);
  } while (!after.ok() && std::chrono::steady_clock::now() < deadline);
  EXPECT_TRUE(after.ok()) << after.error_message();
}

}  // namespace
}  // namespace ironorg::testing

// End-to-end tests of clusters and runners: the five real binaries on
// loopback, called through the gateway with Admin, Developer, Accountant
// and cluster tokens. The clusters service runs with a short
// --runner_offline_after so that a silent runner turns offline quickly.
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "gtest/gtest.h"
#include "ironorg/clusters/v1/cluster.grpc.pb.h"
#include "ironorg/clusters/v1/cluster_access.grpc.pb.h"
#include "ironorg/clusters/v1/runner.grpc.pb.h"
#include "ironorg/identity/v1/user.grpc.pb.h"
#include "tests/e2e/organization_setup.h"
#include "tests/e2e/suite.h"

namespace ironorg::testing {
namespace {

namespace clusters = ::ironorg::clusters::v1;
namespace identity = ::ironorg::identity::v1;

using ::testing::HasSubstr;
using ::testing::StartsWith;

// Short, so that the offline tests wait only seconds. The tests that need
// a runner online send a heartbeat right before they read.
constexpr char kRunnerOfflineAfterFlag[] = "--runner_offline_after=2s";

// How long a poll waits for the suite to reach a state.
constexpr absl::Duration kPollDeadline = absl::Seconds(20);

// Returns the field named by the BadRequest detail of `status`, or "".
std::string BadRequestField(const grpc::Status& status) {
  google::rpc::Status details;
  if (!details.ParseFromString(status.error_details()) ||
      details.details_size() != 1) {
    return "";
  }
  google::rpc::BadRequest bad_request;
  if (!details.details(0).UnpackTo(&bad_request) ||
      bad_request.field_violations_size() != 1) {
    return "";
  }
  return bad_request.field_violations(0).field();
}

// Calls `condition` until it returns true or kPollDeadline passes, and
// returns its last result.
bool PollUntil(const std::function<bool()>& condition) {
  const absl::Time deadline = absl::Now() + kPollDeadline;
  while (!condition()) {
    if (absl::Now() > deadline) {
      return false;
    }
    absl::SleepFor(absl::Milliseconds(50));
  }
  return true;
}

class ClustersEndToEndTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    SuiteOptions options;
    options.extra_flags["clusters"] = {kRunnerOfflineAfterFlag};
    absl::StatusOr<std::unique_ptr<Suite>> suite = Suite::Start(options);
    ASSERT_TRUE(suite.ok()) << suite.status();
    suite_ = std::move(*suite).release();
  }

  static void TearDownTestSuite() {
    delete suite_;
    suite_ = nullptr;
  }

  void SetUp() override {
    ASSERT_NE(suite_, nullptr);
    std::shared_ptr<grpc::Channel> channel = suite_->GatewayChannel();
    clusters_ = clusters::ClusterService::NewStub(channel);
    cluster_access_ = clusters::ClusterAccessService::NewStub(channel);
    runners_ = clusters::RunnerService::NewStub(channel);
    setup_ = std::make_unique<OrganizationSetup>(*suite_);
  }

  // Creates the organization each test starts from.
  TestOrganization CreateOrganization() {
    return setup_->CreateOrganization("Hybrid Co");
  }

  grpc::Status GetCluster(const std::string& token, const std::string& name,
                          clusters::Cluster* cluster) {
    clusters::GetClusterRequest request;
    request.set_name(name);
    return clusters_->GetCluster(ContextWithToken(token).get(), request,
                                 cluster);
  }

  grpc::Status RegisterRunner(const std::string& token,
                              const std::string& cluster,
                              const std::string& hostname,
                              clusters::RegisterRunnerResponse* response) {
    clusters::RegisterRunnerRequest request;
    request.set_cluster(cluster);
    request.set_hostname(hostname);
    return runners_->RegisterRunner(ContextWithToken(token).get(), request,
                                    response);
  }

  grpc::Status Heartbeat(const std::string& token, const std::string& runner,
                         clusters::Runner* response) {
    clusters::HeartbeatRequest request;
    request.set_name(runner);
    return runners_->Heartbeat(ContextWithToken(token).get(), request,
                               response);
  }

  grpc::Status ListRunners(const std::string& token, const std::string& cluster,
                           clusters::ListRunnersResponse* response) {
    clusters::ListRunnersRequest request;
    request.set_parent(cluster);
    return runners_->ListRunners(ContextWithToken(token).get(), request,
                                 response);
  }

  grpc::Status UpdateDisplayName(const std::string& token,
                                 const std::string& cluster,
                                 const std::string& display_name,
                                 const std::string& etag,
                                 clusters::Cluster* updated) {
    clusters::UpdateClusterRequest request;
    request.mutable_cluster()->set_name(cluster);
    request.mutable_cluster()->set_display_name(display_name);
    request.mutable_cluster()->set_etag(etag);
    request.mutable_update_mask()->add_paths("display_name");
    return clusters_->UpdateCluster(ContextWithToken(token).get(), request,
                                    updated);
  }

  grpc::Status DeleteCluster(const std::string& token,
                             const std::string& cluster,
                             const std::string& etag) {
    clusters::DeleteClusterRequest request;
    request.set_name(cluster);
    request.set_etag(etag);
    clusters::DeleteClusterResponse response;
    return clusters_->DeleteCluster(ContextWithToken(token).get(), request,
                                    &response);
  }

  grpc::Status RotateToken(const std::string& token, const std::string& cluster,
                           clusters::Cluster* rotated) {
    clusters::RotateClusterTokenRequest request;
    request.set_name(cluster);
    return clusters_->RotateClusterToken(ContextWithToken(token).get(), request,
                                         rotated);
  }

  static Suite* suite_;
  std::unique_ptr<clusters::ClusterService::Stub> clusters_;
  std::unique_ptr<clusters::ClusterAccessService::Stub> cluster_access_;
  std::unique_ptr<clusters::RunnerService::Stub> runners_;
  std::unique_ptr<OrganizationSetup> setup_;
};

Suite* ClustersEndToEndTest::suite_ = nullptr;

TEST_F(ClustersEndToEndTest, RotatedTokenStopsAndNewTokenWorks) {
  TestOrganization org = CreateOrganization();
  const clusters::Cluster cluster = setup_->CreateCluster(org, "Rotating");
  clusters::Cluster rotated;
  ASSERT_TRUE(RotateToken(org.admin_token, cluster.name(), &rotated).ok());

  clusters::RegisterRunnerResponse with_old;
  grpc::Status old_status = RegisterRunner(
      cluster.cluster_token(), cluster.name(), "runner-1", &with_old);
  clusters::RegisterRunnerResponse with_new;
  grpc::Status new_status = RegisterRunner(
      rotated.cluster_token(), cluster.name(), "runner-1", &with_new);
  clusters::Cluster read;
  ASSERT_TRUE(GetCluster(org.admin_token, cluster.name(), &read).ok());

  EXPECT_THAT(rotated.cluster_token(), StartsWith("ioc_"));
  EXPECT_NE(rotated.cluster_token(), cluster.cluster_token());
  EXPECT_EQ(old_status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_TRUE(new_status.ok()) << new_status.error_message();
  EXPECT_EQ(read.cluster_token(), "");
}

TEST_F(ClustersEndToEndTest, UserTokensCannotRegisterRunners) {
  TestOrganization org = CreateOrganization();
  const clusters::Cluster cluster = setup_->CreateCluster(org, "Users only");

  for (const std::string& token :
       {org.admin_token, org.developer_token, org.accountant_token}) {
    clusters::RegisterRunnerResponse response;
    grpc::Status status =
        RegisterRunner(token, cluster.name(), "runner-1", &response);

    EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED)
        << status.error_message();
  }
}

TEST_F(ClustersEndToEndTest, OtherClusterTokenIsPermissionDenied) {
  TestOrganization org = CreateOrganization();
  const clusters::Cluster cluster = setup_->CreateCluster(org, "Target");
  const clusters::Cluster other = setup_->CreateCluster(org, "Other");
  clusters::RegisterRunnerResponse own;
  ASSERT_TRUE(
      RegisterRunner(cluster.cluster_token(), cluster.name(), "runner-1", &own)
          .ok());

  clusters::RegisterRunnerResponse registered;
  grpc::Status register_status = RegisterRunner(
      other.cluster_token(), cluster.name(), "runner-2", &registered);
  clusters::Runner beat;
  grpc::Status heartbeat_status =
      Heartbeat(other.cluster_token(), own.runner().name(), &beat);

  EXPECT_EQ(register_status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(heartbeat_status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(ClustersEndToEndTest, DeletedClusterTokenIsUnauthenticated) {
  TestOrganization org = CreateOrganization();
  const clusters::Cluster cluster = setup_->CreateCluster(org, "Doomed");
  clusters::RegisterRunnerResponse registered;
  ASSERT_TRUE(RegisterRunner(cluster.cluster_token(), cluster.name(),
                             "runner-1", &registered)
                  .ok());

  grpc::Status deleted = DeleteCluster(org.admin_token, cluster.name(), "");
  clusters::Runner beat;
  grpc::Status heartbeat_status =
      Heartbeat(cluster.cluster_token(), registered.runner().name(), &beat);
  clusters::RegisterRunnerResponse again;
  grpc::Status register_status = RegisterRunner(
      cluster.cluster_token(), cluster.name(), "runner-1", &again);
  clusters::Cluster read;
  grpc::Status get_status = GetCluster(org.admin_token, cluster.name(), &read);

  ASSERT_TRUE(deleted.ok()) << deleted.error_message();
  EXPECT_EQ(heartbeat_status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(register_status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(get_status.error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(ClustersEndToEndTest, StaleEtagDeletesNothing) {
  TestOrganization org = CreateOrganization();
  const clusters::Cluster cluster = setup_->CreateCluster(org, "Kept");
  clusters::Cluster renamed;
  ASSERT_TRUE(UpdateDisplayName(org.admin_token, cluster.name(), "Kept too",
                                cluster.etag(), &renamed)
                  .ok());

  grpc::Status deleted =
      DeleteCluster(org.admin_token, cluster.name(), cluster.etag());
  clusters::RegisterRunnerResponse registered;
  grpc::Status register_status = RegisterRunner(
      cluster.cluster_token(), cluster.name(), "runner-1", &registered);

  EXPECT_EQ(deleted.error_code(), grpc::StatusCode::ABORTED);
  EXPECT_TRUE(register_status.ok()) << register_status.error_message();
}

TEST_F(ClustersEndToEndTest, FirstRunnerMovesClusterToReady) {
  TestOrganization org = CreateOrganization();
  const clusters::Cluster cluster = setup_->CreateCluster(org, "Provisioning");
  clusters::Cluster before;
  ASSERT_TRUE(GetCluster(org.admin_token, cluster.name(), &before).ok());

  clusters::RegisterRunnerResponse registered;
  grpc::Status status = RegisterRunner(cluster.cluster_token(), cluster.name(),
                                       "Runner-1.Example.com", &registered);
  clusters::Cluster after;
  ASSERT_TRUE(GetCluster(org.admin_token, cluster.name(), &after).ok());

  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(before.state(), clusters::Cluster::STATE_PROVISIONING);
  EXPECT_EQ(after.state(), clusters::Cluster::STATE_READY);
  EXPECT_EQ(registered.runner().hostname(), "runner-1.example.com");
  EXPECT_EQ(registered.memory_per_runner_mb(), 512);
  EXPECT_EQ(registered.disk_per_runner_gb(), 10);
}

TEST_F(ClustersEndToEndTest, SameHostnameReturnsSameRunner) {
  TestOrganization org = CreateOrganization();
  const clusters::Cluster cluster = setup_->CreateCluster(org, "Idempotent");
  clusters::RegisterRunnerResponse first;
  ASSERT_TRUE(RegisterRunner(cluster.cluster_token(), cluster.name(),
                             "runner-1", &first)
                  .ok());

  clusters::RegisterRunnerResponse second;
  grpc::Status status = RegisterRunner(cluster.cluster_token(), cluster.name(),
                                       "runner-1", &second);
  clusters::Cluster read;
  ASSERT_TRUE(GetCluster(org.admin_token, cluster.name(), &read).ok());

  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(second.runner().name(), first.runner().name());
  EXPECT_EQ(read.runners_total(), 1);
}

TEST_F(ClustersEndToEndTest, InvalidHostnameNamesTheField) {
  TestOrganization org = CreateOrganization();
  const clusters::Cluster cluster = setup_->CreateCluster(org, "Strict");

  clusters::RegisterRunnerResponse registered;
  grpc::Status status = RegisterRunner(cluster.cluster_token(), cluster.name(),
                                       "runner_1", &registered);

  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(BadRequestField(status), "hostname");
}

TEST_F(ClustersEndToEndTest, GetCountsTotalAndOnlineRunners) {
  TestOrganization org = CreateOrganization();
  const clusters::Cluster cluster = setup_->CreateCluster(org, "Counted");
  clusters::RegisterRunnerResponse first;
  ASSERT_TRUE(RegisterRunner(cluster.cluster_token(), cluster.name(),
                             "runner-1", &first)
                  .ok());
  clusters::RegisterRunnerResponse second;
  ASSERT_TRUE(RegisterRunner(cluster.cluster_token(), cluster.name(),
                             "runner-2", &second)
                  .ok());

  // Two heartbeats right before each read keep both runners online, even
  // when a slow machine takes longer than the offline interval between
  // the registrations and the read.
  clusters::Cluster read;
  const bool both_online = PollUntil([&] {
    clusters::Runner beat;
    if (!Heartbeat(cluster.cluster_token(), first.runner().name(), &beat)
             .ok() ||
        !Heartbeat(cluster.cluster_token(), second.runner().name(), &beat)
             .ok()) {
      return false;
    }
    return GetCluster(org.admin_token, cluster.name(), &read).ok() &&
           read.runners_online() == 2;
  });

  EXPECT_TRUE(both_online) << read.ShortDebugString();
  EXPECT_EQ(read.runners_total(), 2);
}

TEST_F(ClustersEndToEndTest, SilentRunnerGoesOffline) {
  TestOrganization org = CreateOrganization();
  const clusters::Cluster cluster = setup_->CreateCluster(org, "Quiet");
  clusters::RegisterRunnerResponse registered;
  ASSERT_TRUE(RegisterRunner(cluster.cluster_token(), cluster.name(),
                             "runner-1", &registered)
                  .ok());

  clusters::ListRunnersResponse listed;
  const bool offline = PollUntil([&] {
    return ListRunners(org.admin_token, cluster.name(), &listed).ok() &&
           listed.runners_size() == 1 &&
           listed.runners(0).state() == clusters::Runner::STATE_OFFLINE;
  });
  clusters::Cluster read;
  ASSERT_TRUE(GetCluster(org.admin_token, cluster.name(), &read).ok());

  EXPECT_TRUE(offline) << listed.ShortDebugString();
  EXPECT_EQ(read.runners_total(), 1);
  EXPECT_EQ(read.runners_online(), 0);
  EXPECT_EQ(read.state(), clusters::Cluster::STATE_READY);
}

TEST_F(ClustersEndToEndTest, HeartbeatBringsRunnerBackOnline) {
  TestOrganization org = CreateOrganization();
  const clusters::Cluster cluster = setup_->CreateCluster(org, "Revived");
  clusters::RegisterRunnerResponse registered;
  ASSERT_TRUE(RegisterRunner(cluster.cluster_token(), cluster.name(),
                             "runner-1", &registered)
                  .ok());
  clusters::ListRunnersResponse listed;
  ASSERT_TRUE(PollUntil([&] {
    return ListRunners(org.admin_token, cluster.name(), &listed).ok() &&
           listed.runners_size() == 1 &&
           listed.runners(0).state() == clusters::Runner::STATE_OFFLINE;
  }));

  clusters::Runner beat;
  grpc::Status status =
      Heartbeat(cluster.cluster_token(), registered.runner().name(), &beat);

  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(beat.name(), registered.runner().name());
  EXPECT_EQ(beat.state(), clusters::Runner::STATE_ONLINE);
}

TEST_F(ClustersEndToEndTest, MemoryBelowMinimumNamesField) {
  TestOrganization org = CreateOrganization();
  const clusters::Cluster cluster = setup_->CreateCluster(org, "Sized");
  clusters::UpdateClusterRequest request;
  request.mutable_cluster()->set_name(cluster.name());
  request.mutable_cluster()->set_memory_per_runner_mb(64);
  request.mutable_update_mask()->add_paths("memory_per_runner_mb");

  clusters::Cluster updated;
  grpc::Status status = clusters_->UpdateCluster(
      ContextWithToken(org.admin_token).get(), request, &updated);
  clusters::Cluster read;
  ASSERT_TRUE(GetCluster(org.admin_token, cluster.name(), &read).ok());

  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(),
              HasSubstr("between 128 and 65536, got 64"));
  EXPECT_EQ(BadRequestField(status), "cluster.memory_per_runner_mb");
  EXPECT_EQ(read.memory_per_runner_mb(), 512);
  EXPECT_EQ(read.etag(), cluster.etag());
}

TEST_F(ClustersEndToEndTest, UpdateClusterRenamesAndChecksEtag) {
  TestOrganization org = CreateOrganization();
  const clusters::Cluster cluster = setup_->CreateCluster(org, "Before");
  setup_->CreateCluster(org, "Taken");

  clusters::Cluster renamed;
  grpc::Status renamed_status = UpdateDisplayName(
      org.admin_token, cluster.name(), "After", cluster.etag(), &renamed);
  clusters::Cluster stale;
  grpc::Status stale_status = UpdateDisplayName(
      org.admin_token, cluster.name(), "Stale", cluster.etag(), &stale);
  clusters::Cluster clash;
  grpc::Status clash_status =
      UpdateDisplayName(org.admin_token, cluster.name(), "Taken", "", &clash);
  clusters::Cluster read;
  ASSERT_TRUE(GetCluster(org.admin_token, cluster.name(), &read).ok());

  ASSERT_TRUE(renamed_status.ok()) << renamed_status.error_message();
  EXPECT_EQ(renamed.display_name(), "After");
  EXPECT_EQ(stale_status.error_code(), grpc::StatusCode::ABORTED);
  EXPECT_EQ(clash_status.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_EQ(read.display_name(), "After");
  EXPECT_EQ(read.etag(), renamed.etag());
}

// Developer and Accountant get PERMISSION_DENIED on every admin call and
// runner call, and nothing changes. The cluster token still works after.
TEST_F(ClustersEndToEndTest, DeveloperAndAccountantAreDenied) {
  TestOrganization org = CreateOrganization();
  const clusters::Cluster cluster = setup_->CreateCluster(org, "Guarded");
  clusters::RegisterRunnerResponse registered;
  ASSERT_TRUE(RegisterRunner(cluster.cluster_token(), cluster.name(),
                             "runner-1", &registered)
                  .ok());
  clusters::GrantClusterAccessRequest grant;
  grant.set_cluster(cluster.name());
  grant.set_user(org.developer.name());
  clusters::GrantClusterAccessResponse granted;
  ASSERT_TRUE(cluster_access_
                  ->GrantClusterAccess(ContextWithToken(org.admin_token).get(),
                                       grant, &granted)
                  .ok());

  for (const std::string& token : {org.developer_token, org.accountant_token}) {
    const std::string caller =
        token == org.developer_token ? "developer" : "accountant";
    clusters::Cluster updated;
    EXPECT_EQ(
        UpdateDisplayName(token, cluster.name(), "Taken over", "", &updated)
            .error_code(),
        grpc::StatusCode::PERMISSION_DENIED)
        << caller;
    EXPECT_EQ(DeleteCluster(token, cluster.name(), "").error_code(),
              grpc::StatusCode::PERMISSION_DENIED)
        << caller;
    clusters::Cluster rotated;
    EXPECT_EQ(RotateToken(token, cluster.name(), &rotated).error_code(),
              grpc::StatusCode::PERMISSION_DENIED)
        << caller;
    clusters::RegisterRunnerResponse runner;
    EXPECT_EQ(
        RegisterRunner(token, cluster.name(), "runner-2", &runner).error_code(),
        grpc::StatusCode::PERMISSION_DENIED)
        << caller;
    clusters::Runner beat;
    EXPECT_EQ(Heartbeat(token, registered.runner().name(), &beat).error_code(),
              grpc::StatusCode::PERMISSION_DENIED)
        << caller;
  }

  clusters::Cluster read;
  ASSERT_TRUE(GetCluster(org.admin_token, cluster.name(), &read).ok());
  EXPECT_EQ(read.display_name(), "Guarded");
  EXPECT_EQ(read.runners_total(), 1);
  clusters::RegisterRunnerResponse again;
  EXPECT_TRUE(RegisterRunner(cluster.cluster_token(), cluster.name(),
                             "runner-1", &again)
                  .ok());
}

TEST_F(ClustersEndToEndTest, ListRunnersFollowsGrantsAndRoles) {
  TestOrganization org = CreateOrganization();
  const clusters::Cluster cluster = setup_->CreateCluster(org, "Listed");
  clusters::RegisterRunnerResponse registered;
  ASSERT_TRUE(RegisterRunner(cluster.cluster_token(), cluster.name(),
                             "runner-1", &registered)
                  .ok());

  clusters::ListRunnersResponse before_grant;
  grpc::Status before_grant_status =
      ListRunners(org.developer_token, cluster.name(), &before_grant);
  clusters::GrantClusterAccessRequest grant;
  grant.set_cluster(cluster.name());
  grant.set_user(org.developer.name());
  clusters::GrantClusterAccessResponse granted;
  ASSERT_TRUE(cluster_access_
                  ->GrantClusterAccess(ContextWithToken(org.admin_token).get(),
                                       grant, &granted)
                  .ok());
  clusters::ListRunnersResponse after_grant;
  grpc::Status after_grant_status =
      ListRunners(org.developer_token, cluster.name(), &after_grant);
  clusters::ListRunnersResponse as_accountant;
  grpc::Status accountant_status =
      ListRunners(org.accountant_token, cluster.name(), &as_accountant);
  clusters::ListRunnersResponse as_runner;
  grpc::Status runner_status =
      ListRunners(cluster.cluster_token(), cluster.name(), &as_runner);

  EXPECT_EQ(before_grant_status.error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  ASSERT_TRUE(after_grant_status.ok()) << after_grant_status.error_message();
  ASSERT_EQ(after_grant.runners_size(), 1);
  EXPECT_EQ(after_grant.runners(0).name(), registered.runner().name());
  EXPECT_EQ(accountant_status.error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(runner_status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(ClustersEndToEndTest, OtherOrganizationCannotReachCluster) {
  TestOrganization org = CreateOrganization();
  TestOrganization other = CreateOrganization();
  const clusters::Cluster cluster = setup_->CreateCluster(org, "Private");

  clusters::Cluster rotated;
  grpc::Status rotate_status =
      RotateToken(other.admin_token, cluster.name(), &rotated);
  grpc::Status delete_status =
      DeleteCluster(other.admin_token, cluster.name(), "");
  clusters::ListRunnersResponse listed;
  grpc::Status list_status =
      ListRunners(other.admin_token, cluster.name(), &listed);

  EXPECT_EQ(rotate_status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(delete_status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(list_status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
}


TEST_F(ClustersEndToEndTest, SetUserClustersReplacesWholeSet) {
  TestOrganization org = CreateOrganization();
  const clusters::Cluster first = setup_->CreateCluster(org, "First rack");
  const clusters::Cluster second = setup_->CreateCluster(org, "Second rack");
  const clusters::Cluster third = setup_->CreateCluster(org, "Third rack");
  const auto set_clusters = [&](const std::vector<std::string>& names,
                                clusters::SetUserClustersResponse* response) {
    clusters::SetUserClustersRequest request;
    request.set_user(org.developer.name());
    for (const std::string& name : names) {
      request.add_clusters(name);
    }
    return cluster_access_->SetUserClusters(
        ContextWithToken(org.admin_token).get(), request, response);
  };
  clusters::SetUserClustersResponse initial;
  ASSERT_TRUE(set_clusters({first.name(), second.name()}, &initial).ok());

  clusters::SetUserClustersResponse replaced;
  const grpc::Status status =
      set_clusters({third.name(), second.name()}, &replaced);

  ASSERT_TRUE(status.ok()) << status.error_message();
  std::vector<std::string> expected = {second.name(), third.name()};
  std::sort(expected.begin(), expected.end());
  EXPECT_THAT(replaced.clusters(), ::testing::ElementsAreArray(expected));
  clusters::Cluster read;
  EXPECT_EQ(GetCluster(org.developer_token, first.name(), &read).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_TRUE(GetCluster(org.developer_token, third.name(), &read).ok());
}

TEST_F(ClustersEndToEndTest, SetUserClustersWithMissingClusterChangesNothing) {
  TestOrganization org = CreateOrganization();
  const clusters::Cluster kept = setup_->CreateCluster(org, "Kept rack");
  clusters::SetUserClustersRequest request;
  request.set_user(org.developer.name());
  request.add_clusters(kept.name());
  clusters::SetUserClustersResponse response;
  ASSERT_TRUE(cluster_access_
                  ->SetUserClusters(ContextWithToken(org.admin_token).get(),
                                    request, &response)
                  .ok());

  request.clear_clusters();
  request.add_clusters(absl::StrCat(org.name, "/clusters/missing"));
  const grpc::Status status = cluster_access_->SetUserClusters(
      ContextWithToken(org.admin_token).get(), request, &response);

  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  clusters::Cluster read;
  EXPECT_TRUE(GetCluster(org.developer_token, kept.name(), &read).ok());
}

TEST_F(ClustersEndToEndTest, ListClusterMembersPagesAndDeniesDeveloper) {
  TestOrganization org = CreateOrganization();
  const clusters::Cluster cluster = setup_->CreateCluster(org, "Shared rack");
  std::string second_token;
  identity::User second =
      setup_->CreateLoggedInUser(org, identity::ROLE_DEVELOPER, &second_token);
  for (const std::string& user : {org.developer.name(), second.name()}) {
    clusters::GrantClusterAccessRequest grant;
    grant.set_cluster(cluster.name());
    grant.set_user(user);
    clusters::GrantClusterAccessResponse granted;
    ASSERT_TRUE(cluster_access_
                    ->GrantClusterAccess(
                        ContextWithToken(org.admin_token).get(), grant, &granted)
                    .ok());
  }

  std::vector<std::string> members;
  std::string page_token;
  do {
    clusters::ListClusterMembersRequest request;
    request.set_cluster(cluster.name());
    request.set_page_size(1);
    request.set_page_token(page_token);
    clusters::ListClusterMembersResponse response;
    const grpc::Status status = cluster_access_->ListClusterMembers(
        ContextWithToken(org.admin_token).get(), request, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
    ASSERT_LE(response.users_size(), 1);
    members.insert(members.end(), response.users().begin(),
                   response.users().end());
    page_token = response.next_page_token();
  } while (!page_token.empty());
  clusters::ListClusterMembersRequest denied_request;
  denied_request.set_cluster(cluster.name());
  clusters::ListClusterMembersResponse denied_response;
  const grpc::Status denied = cluster_access_->ListClusterMembers(
      ContextWithToken(org.developer_token).get(), denied_request,
      &denied_response);

  EXPECT_THAT(members, ::testing::UnorderedElementsAre(org.developer.name(),
                                                       second.name()));
  EXPECT_TRUE(std::is_sorted(members.begin(), members.end()));
  EXPECT_EQ(denied.error_code(), grpc::StatusCode::PERMISSION_DENIED);
}

}  // namespace
}  // namespace ironorg::testing

// Service tests of RunnerService (RegisterRunner, Heartbeat, ListRunners)
// and of the runner counts on clusters, on a temporary SQLite file with a
// fake clock.
#include <atomic>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/errors.h"
#include "common/time_util.h"
#include "gmock/gmock.h"
#include "google/rpc/error_details.pb.h"
#include "gtest/gtest.h"
#include "services/clusters/cluster_service.h"
#include "tests/testing/scoped_temp_dir.h"
#include "tests/testing/test_support.h"

namespace ironorg::clusters {
namespace {

using ::ironorg::clusters::v1::Cluster;
using ::ironorg::clusters::v1::CreateClusterRequest;
using ::ironorg::clusters::v1::GetClusterRequest;
using ::ironorg::clusters::v1::GrantClusterAccessRequest;
using ::ironorg::clusters::v1::HeartbeatRequest;
using ::ironorg::clusters::v1::ListClustersRequest;
using ::ironorg::clusters::v1::ListClustersResponse;
using ::ironorg::clusters::v1::ListRunnersRequest;
using ::ironorg::clusters::v1::ListRunnersResponse;
using ::ironorg::clusters::v1::RegisterRunnerRequest;
using ::ironorg::clusters::v1::RegisterRunnerResponse;
using ::ironorg::clusters::v1::Runner;
using ::ironorg::identity::v1::Principal;
using ::ironorg::identity::v1::ROLE_ACCOUNTANT;
using ::ironorg::identity::v1::ROLE_ADMIN;
using ::ironorg::identity::v1::ROLE_ADMIN_READ_ONLY;
using ::ironorg::identity::v1::ROLE_DEVELOPER;
using ::ironorg::test::CountRows;
using ::ironorg::test::FakeUserDirectory;
using ::ironorg::test::ScopedTempDir;
using ::ironorg::test::UserCaller;
using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr char kDeveloperName[] = "organizations/org1/users/dev1";
constexpr int64_t kStartMicros = 1700000000000000;
constexpr absl::Duration kOfflineAfter = absl::Seconds(60);

// Returns the field named by the BadRequest payload of `status`, or "".
std::string BadRequestField(const absl::Status& status) {
  const auto payload = status.GetPayload(errors::kBadRequestTypeUrl);
  if (!payload.has_value()) {
    return "";
  }
  google::rpc::BadRequest bad_request;
  if (!bad_request.ParseFromString(std::string(*payload)) ||
      bad_request.field_violations_size() != 1) {
    return "";
  }
  return bad_request.field_violations(0).field();
}

Principal ClusterCaller(const Cluster& cluster) {
  Principal caller;
  caller.set_kind(Principal::KIND_CLUSTER_TOKEN);
  caller.set_organization("organizations/org1");
  caller.set_cluster(cluster.name());
  return caller;
}

class ClusterRunnerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<ClusterStore>> store =
        ClusterStore::Open(directory_.path());
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    ClusterServiceOptions options;
    options.runner_offline_after = kOfflineAfter;
    options.now_micros = [this] { return now_micros_.load(); };
    service_ = std::make_unique<ClusterService>(
        store_.get(), &users_, pagination::PageTokenCodec(std::string(32, 'k')),
        options);
    users_.AddUser(kDeveloperName);
  }

  void Advance(absl::Duration duration) {
    now_micros_ += absl::ToInt64Microseconds(duration);
  }

  Cluster Create(absl::string_view display_name) {
    CreateClusterRequest request;
    request.set_parent("organizations/org1");
    request.mutable_cluster()->set_display_name(std::string(display_name));
    request.mutable_cluster()->set_memory_per_runner_mb(2048);
    request.mutable_cluster()->set_disk_per_runner_gb(30);
    absl::StatusOr<Cluster> cluster = service_->CreateCluster(admin_, request);
    EXPECT_TRUE(cluster.ok()) << cluster.status();
    return cluster.ok() ? *cluster : Cluster();
  }

  absl::StatusOr<RegisterRunnerResponse> Register(const Principal& caller,
                                                  absl::string_view cluster,
                                                  absl::string_view hostname) {
    RegisterRunnerRequest request;
    request.set_cluster(std::string(cluster));
    request.set_hostname(std::string(hostname));
    return service_->RegisterRunner(caller, request);
  }

  // Registers `hostname` with `cluster` through the cluster's own token.
  Runner RegisterOwn(const Cluster& cluster, absl::string_view hostname) {
    absl::StatusOr<RegisterRunnerResponse> registered =
        Register(ClusterCaller(cluster), cluster.name(), hostname);
    EXPECT_TRUE(registered.ok()) << registered.status();
    return registered.ok() ? registered->runner() : Runner();
  }

  absl::StatusOr<Runner> Heartbeat(const Principal& caller,
                                   absl::string_view name) {
    HeartbeatRequest request;
    request.set_name(std::string(name));
    return service_->Heartbeat(caller, request);
  }

  absl::StatusOr<ListRunnersResponse> ListRunners(
      const Principal& caller, absl::string_view parent, int page_size = 0,
      absl::string_view page_token = "") {
    ListRunnersRequest request;
    request.set_parent(std::string(parent));
    request.set_page_size(page_size);
    request.set_page_token(std::string(page_token));
    return service_->ListRunners(caller, request);
  }

  Cluster Get(absl::string_view name) {
    GetClusterRequest request;
    request.set_name(std::string(name));
    absl::StatusOr<Cluster> cluster = service_->GetCluster(admin_, request);
    EXPECT_TRUE(cluster.ok()) << cluster.status();
    return cluster.ok() ? *cluster : Cluster();
  }

  absl::Status Grant(absl::string_view cluster, absl::string_view user) {
    GrantClusterAccessRequest request;
    request.set_cluster(std::string(cluster));
    request.set_user(std::string(user));
    return service_->GrantClusterAccess(admin_, request).status();
  }

  std::string DatabasePath() const {
    return directory_.File(kDatabaseFileName);
  }

  ScopedTempDir directory_;
  FakeUserDirectory users_;
  std::atomic<int64_t> now_micros_{kStartMicros};
  std::unique_ptr<ClusterStore> store_;
  std::unique_ptr<ClusterService> service_;
  const Principal admin_ = UserCaller("org1", "admin1", ROLE_ADMIN);
  const Principal read_only_ =
      UserCaller("org1", "reader1", ROLE_ADMIN_READ_ONLY);
  const Principal developer_ = UserCaller("org1", "dev1", ROLE_DEVELOPER);
  const Principal accountant_ = UserCaller("org1", "acct1", ROLE_ACCOUNTANT);
};

TEST_F(ClusterRunnerTest, RegisterRunnerReturnsRunnerAndSizes) {
  const Cluster cluster = Create("Edge");

  absl::StatusOr<RegisterRunnerResponse> registered =
      Register(ClusterCaller(cluster), cluster.name(), "Runner-1.Example.com");

  ASSERT_TRUE(registered.ok()) << registered.status();
  EXPECT_THAT(registered->runner().name(),
              StartsWith(absl::StrCat(cluster.name(), "/runners/")));
  EXPECT_EQ(registered->runner().hostname(), "runner-1.example.com");
  EXPECT_EQ(registered->runner().state(), Runner::STATE_ONLINE);
  EXPECT_EQ(FromTimestamp(registered->runner().last_heartbeat_time()),
            kStartMicros);
  EXPECT_EQ(registered->memory_per_runner_mb(), 2048);
  EXPECT_EQ(registered->disk_per_runner_gb(), 30);
}

TEST_F(ClusterRunnerTest, FirstRunnerMovesClusterToReady) {
  const Cluster cluster = Create("Edge");
  ASSERT_EQ(Get(cluster.name()).state(), Cluster::STATE_PROVISIONING);

  RegisterOwn(cluster, "runner-1");

  const Cluster ready = Get(cluster.name());
  EXPECT_EQ(ready.state(), Cluster::STATE_READY);
  EXPECT_EQ(ready.runners_total(), 1);
  EXPECT_EQ(ready.runners_online(), 1);
}

TEST_F(ClusterRunnerTest, SameHostnameReturnsSameRunner) {
  const Cluster cluster = Create("Edge");
  const Runner first = RegisterOwn(cluster, "runner-1");
  Advance(absl::Seconds(30));

  const Runner second = RegisterOwn(cluster, "RUNNER-1");

  EXPECT_EQ(second.name(), first.name());
  EXPECT_EQ(FromTimestamp(second.last_heartbeat_time()),
            kStartMicros + absl::ToInt64Microseconds(absl::Seconds(30)));
  EXPECT_EQ(Get(cluster.name()).runners_total(), 1);
}

TEST_F(ClusterRunnerTest, NewRunnerIsAuditedAsItsCluster) {
  const Cluster cluster = Create("Edge");
  const Runner runner = RegisterOwn(cluster, "runner-1");
  RegisterOwn(cluster, "runner-1");
  v1::ListAuditEventsRequest request;
  request.set_parent("organizations/org1");

  absl::StatusOr<v1::ListAuditEventsResponse> events =
      service_->ListAuditEvents(admin_, request);

  ASSERT_TRUE(events.ok()) << events.status();
  ASSERT_EQ(events->audit_events_size(), 2);
  EXPECT_EQ(events->audit_events(0).actor(), cluster.name());
  EXPECT_EQ(events->audit_events(0).action(), "RegisterRunner");
  EXPECT_EQ(events->audit_events(0).resource(), runner.name());
}

TEST_F(ClusterRunnerTest, OtherClusterTokenIsPermissionDenied) {
  const Cluster cluster = Create("Edge");
  const Cluster other = Create("Other");

  absl::StatusOr<RegisterRunnerResponse> registered =
      Register(ClusterCaller(other), cluster.name(), "runner-1");

  EXPECT_EQ(registered.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(registered.status().message(), HasSubstr("another cluster"));
  EXPECT_EQ(CountRows(DatabasePath(), "runners"), 0);
}

TEST_F(ClusterRunnerTest, NonRunnerCallersCannotRegister) {
  const Cluster cluster = Create("Edge");
  Principal operator_caller;
  operator_caller.set_kind(Principal::KIND_OPERATOR);
  Principal service_caller;
  service_caller.set_kind(Principal::KIND_SERVICE);

  for (const Principal& caller :
       {admin_, developer_, accountant_, operator_caller, service_caller}) {
    absl::StatusOr<RegisterRunnerResponse> registered =
        Register(caller, cluster.name(), "runner-1");

    EXPECT_EQ(registered.status().code(), absl::StatusCode::kPermissionDenied)
        << caller.ShortDebugString();
  }
  EXPECT_EQ(CountRows(DatabasePath(), "runners"), 0);
}

TEST_F(ClusterRunnerTest, PermissionIsCheckedBeforeHostname) {
  const Cluster cluster = Create("Edge");

  absl::StatusOr<RegisterRunnerResponse> registered =
      Register(admin_, cluster.name(), "not a hostname");

  EXPECT_EQ(registered.status().code(), absl::StatusCode::kPermissionDenied);
}

TEST_F(ClusterRunnerTest, RegisterRunnerOnDeletedClusterIsNotFound) {
  const Cluster cluster = Create("Edge");
  v1::DeleteClusterRequest request;
  request.set_name(cluster.name());
  ASSERT_TRUE(service_->DeleteCluster(admin_, request).ok());

  absl::StatusOr<RegisterRunnerResponse> registered =
      Register(ClusterCaller(cluster), cluster.name(), "runner-1");

  EXPECT_EQ(registered.status().code(), absl::StatusCode::kNotFound);
}

TEST_F(ClusterRunnerTest, RegisterRunnerRejectsInvalidHostnames) {
  const Cluster cluster = Create("Edge");
  const std::vector<std::string> invalid = {
      "",
      "-runner",
      "runner-",
      "runner..example.com",
      ".runner",
      "runner.",
      "runner_1",
      "runner 1",
      "r\xc3\xa9seau",
      std::string(64, 'a'),
      absl::StrCat(std::string(63, 'a'), ".", std::string(63, 'b'), ".",
                   std::string(63, 'c'), ".", std::string(62, 'd')),
  };

  for (const std::string& hostname : invalid) {
    absl::StatusOr<RegisterRunnerResponse> registered =
        Register(ClusterCaller(cluster), cluster.name(), hostname);

    EXPECT_EQ(registered.status().code(), absl::StatusCode::kInvalidArgument)
        << hostname;
    EXPECT_EQ(BadRequestField(registered.status()), "hostname") << hostname;
    EXPECT_THAT(registered.status().message(), HasSubstr("hostname"))
        << hostname;
  }
  EXPECT_EQ(CountRows(DatabasePath(), "runners"), 0);
  EXPECT_EQ(Get(cluster.name()).state(), Cluster::STATE_PROVISIONING);
}

TEST_F(ClusterRunnerTest, RegisterRunnerAcceptsRfc1123Hostnames) {
  const Cluster cluster = Create("Edge");
  const std::vector<std::string> valid = {
      "a",
      "1",
      "runner-1",
      "9runner",
      "runner-1.example.com",
      std::string(63, 'a'),
      absl::StrCat(std::string(63, 'a'), ".", std::string(63, 'b'), ".",
                   std::string(63, 'c'), ".", std::string(61, 'd')),
  };

  for (const std::string& hostname : valid) {
    absl::StatusOr<RegisterRunnerResponse> registered =
        Register(ClusterCaller(cluster), cluster.name(), hostname);

    EXPECT_TRUE(registered.ok()) << hostname << ": " << registered.status();
  }
  EXPECT_EQ(CountRows(DatabasePath(), "runners"),
            static_cast<int64_t>(valid.size()));
}

TEST_F(ClusterRunnerTest, OverlongHostnameNamesTheLimit) {
  const Cluster cluster = Create("Edge");

  absl::StatusOr<RegisterRunnerResponse> registered =
      Register(ClusterCaller(cluster), cluster.name(), std::string(300, 'a'));

  EXPECT_EQ(registered.status().message(),
            "hostname must be at most 253 characters, got 300");
}

TEST_F(ClusterRunnerTest, HeartbeatMovesTimeWithoutAudit) {
  const Cluster cluster = Create("Edge");
  const Runner runner = RegisterOwn(cluster, "runner-1");
  const int64_t audit_rows = CountRows(DatabasePath(), "audit_events");
  Advance(absl::Seconds(20));

  absl::StatusOr<Runner> beat =
      Heartbeat(ClusterCaller(cluster), runner.name());

  ASSERT_TRUE(beat.ok()) << beat.status();
  EXPECT_EQ(beat->name(), runner.name());
  EXPECT_EQ(beat->state(), Runner::STATE_ONLINE);
  EXPECT_EQ(FromTimestamp(beat->last_heartbeat_time()),
            kStartMicros + absl::ToInt64Microseconds(absl::Seconds(20)));
  EXPECT_EQ(CountRows(DatabasePath(), "audit_events"), audit_rows);
}

TEST_F(ClusterRunnerTest, HeartbeatOfOtherClusterIsDenied) {
  const Cluster cluster = Create("Edge");
  const Cluster other = Create("Other");
  const Runner runner = RegisterOwn(cluster, "runner-1");

  absl::StatusOr<Runner> beat = Heartbeat(ClusterCaller(other), runner.name());

  EXPECT_EQ(beat.status().code(), absl::StatusCode::kPermissionDenied);
}

TEST_F(ClusterRunnerTest, HeartbeatByUserIsPermissionDenied) {
  const Cluster cluster = Create("Edge");
  const Runner runner = RegisterOwn(cluster, "runner-1");

  absl::StatusOr<Runner> beat = Heartbeat(admin_, runner.name());

  EXPECT_EQ(beat.status().code(), absl::StatusCode::kPermissionDenied);
}

TEST_F(ClusterRunnerTest, HeartbeatOfUnknownRunnerIsNotFound) {
  const Cluster cluster = Create("Edge");
  const std::string name = absl::StrCat(cluster.name(), "/runners/missing");

  absl::StatusOr<Runner> beat = Heartbeat(ClusterCaller(cluster), name);

  EXPECT_EQ(beat.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(beat.status().message(),
            absl::StrCat("runner \"", name, "\" not found"));
}

TEST_F(ClusterRunnerTest, HeartbeatMalformedNameNamesField) {
  const Cluster cluster = Create("Edge");

  absl::StatusOr<Runner> beat = Heartbeat(ClusterCaller(cluster), "runners/r1");

  EXPECT_EQ(beat.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(BadRequestField(beat.status()), "name");
}

TEST_F(ClusterRunnerTest, RunnerGoesOfflineAfterInterval) {
  const Cluster cluster = Create("Edge");
  const Runner runner = RegisterOwn(cluster, "runner-1");

  Advance(kOfflineAfter);
  absl::StatusOr<ListRunnersResponse> at_limit =
      ListRunners(admin_, cluster.name());
  Advance(absl::Microseconds(1));
  absl::StatusOr<ListRunnersResponse> after_limit =
      ListRunners(admin_, cluster.name());

  ASSERT_TRUE(at_limit.ok()) << at_limit.status();
  ASSERT_EQ(at_limit->runners_size(), 1);
  EXPECT_EQ(at_limit->runners(0).state(), Runner::STATE_ONLINE);
  ASSERT_TRUE(after_limit.ok()) << after_limit.status();
  ASSERT_EQ(after_limit->runners_size(), 1);
  EXPECT_EQ(after_limit->runners(0).state(), Runner::STATE_OFFLINE);
  const Cluster read = Get(cluster.name());
  EXPECT_EQ(read.runners_total(), 1);
  EXPECT_EQ(read.runners_online(), 0);
  EXPECT_EQ(read.state(), Cluster::STATE_READY);
}

TEST_F(ClusterRunnerTest, HeartbeatBringsRunnerBackOnline) {
  const Cluster cluster = Create("Edge");
  const Runner runner = RegisterOwn(cluster, "runner-1");
  Advance(absl::Minutes(5));

  ASSERT_TRUE(Heartbeat(ClusterCaller(cluster), runner.name()).ok());

  absl::StatusOr<ListRunnersResponse> listed =
      ListRunners(admin_, cluster.name());
  ASSERT_TRUE(listed.ok()) << listed.status();
  ASSERT_EQ(listed->runners_size(), 1);
  EXPECT_EQ(listed->runners(0).state(), Runner::STATE_ONLINE);
  EXPECT_EQ(Get(cluster.name()).runners_online(), 1);
}

TEST_F(ClusterRunnerTest, ListClustersCountsOnlineRunners) {
  const Cluster cluster = Create("Edge");
  RegisterOwn(cluster, "old-runner");
  Advance(absl::Seconds(45));
  RegisterOwn(cluster, "new-runner");
  Advance(absl::Seconds(30));
  ListClustersRequest request;
  request.set_parent("organizations/org1");

  absl::StatusOr<ListClustersResponse> listed =
      service_->ListClusters(admin_, request);

  ASSERT_TRUE(listed.ok()) << listed.status();
  ASSERT_EQ(listed->clusters_size(), 1);
  EXPECT_EQ(listed->clusters(0).runners_total(), 2);
  EXPECT_EQ(listed->clusters(0).runners_online(), 1);
}

TEST_F(ClusterRunnerTest, ListRunnersPagesReturnEachRunnerOnce) {
  const Cluster cluster = Create("Edge");
  std::set<std::string> registered;
  for (int i = 0; i < 5; ++i) {
    registered.insert(RegisterOwn(cluster, absl::StrCat("runner-", i)).name());
  }

  std::multiset<std::string> listed;
  std::string page_token;
  int pages = 0;
  do {
    absl::StatusOr<ListRunnersResponse> page =
        ListRunners(admin_, cluster.name(), 2, page_token);
    ASSERT_TRUE(page.ok()) << page.status();
    ++pages;
    for (const Runner& runner : page->runners()) {
      listed.insert(runner.name());
    }
    page_token = page->next_page_token();
  } while (!page_token.empty());

  EXPECT_EQ(pages, 3);
  EXPECT_EQ(std::set<std::string>(listed.begin(), listed.end()), registered);
  EXPECT_EQ(listed.size(), registered.size());
}

TEST_F(ClusterRunnerTest, PageTokenOfOtherClusterIsInvalidArgument) {
  const Cluster cluster = Create("Edge");
  const Cluster other = Create("Other");
  RegisterOwn(cluster, "runner-1");
  RegisterOwn(cluster, "runner-2");
  absl::StatusOr<ListRunnersResponse> first =
      ListRunners(admin_, cluster.name(), 1);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_FALSE(first->next_page_token().empty());

  absl::StatusOr<ListRunnersResponse> reused =
      ListRunners(admin_, other.name(), 1, first->next_page_token());

  EXPECT_EQ(reused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(BadRequestField(reused.status()), "page_token");
}

TEST_F(ClusterRunnerTest, NegativePageSizeIsInvalidArgument) {
  const Cluster cluster = Create("Edge");

  absl::StatusOr<ListRunnersResponse> listed =
      ListRunners(admin_, cluster.name(), -1);

  EXPECT_EQ(listed.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(BadRequestField(listed.status()), "page_size");
}

TEST_F(ClusterRunnerTest, ReadOnlyAdminListsRunners) {
  const Cluster cluster = Create("Edge");
  RegisterOwn(cluster, "runner-1");

  absl::StatusOr<ListRunnersResponse> listed =
      ListRunners(read_only_, cluster.name());

  ASSERT_TRUE(listed.ok()) << listed.status();
  EXPECT_EQ(listed->runners_size(), 1);
}

TEST_F(ClusterRunnerTest, DeveloperWithGrantListsRunners) {
  const Cluster cluster = Create("Edge");
  RegisterOwn(cluster, "runner-1");
  ASSERT_TRUE(Grant(cluster.name(), kDeveloperName).ok());

  absl::StatusOr<ListRunnersResponse> listed =
      ListRunners(developer_, cluster.name());

  ASSERT_TRUE(listed.ok()) << listed.status();
  EXPECT_EQ(listed->runners_size(), 1);
}

TEST_F(ClusterRunnerTest, DeveloperWithoutGrantIsPermissionDenied) {
  const Cluster cluster = Create("Edge");

  absl::StatusOr<ListRunnersResponse> listed =
      ListRunners(developer_, cluster.name());

  EXPECT_EQ(listed.status().code(), absl::StatusCode::kPermissionDenied);
}

TEST_F(ClusterRunnerTest, AccountantListRunnersIsPermissionDenied) {
  const Cluster cluster = Create("Edge");

  absl::StatusOr<ListRunnersResponse> listed =
      ListRunners(accountant_, cluster.name());

  EXPECT_EQ(listed.status().code(), absl::StatusCode::kPermissionDenied);
}

TEST_F(ClusterRunnerTest, ClusterTokenListRunnersIsPermissionDenied) {
  const Cluster cluster = Create("Edge");

  absl::StatusOr<ListRunnersResponse> listed =
      ListRunners(ClusterCaller(cluster), cluster.name());

  EXPECT_EQ(listed.status().code(), absl::StatusCode::kPermissionDenied);
}

TEST_F(ClusterRunnerTest, MissingClusterReadsAsDeniedUnlessAdmin) {
  const std::string missing = "organizations/org1/clusters/missing";

  absl::StatusOr<ListRunnersResponse> as_developer =
      ListRunners(developer_, missing);
  absl::StatusOr<ListRunnersResponse> as_other_admin =
      ListRunners(UserCaller("org2", "admin9", ROLE_ADMIN), missing);
  absl::StatusOr<ListRunnersResponse> as_admin = ListRunners(admin_, missing);

  EXPECT_EQ(as_developer.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(as_other_admin.status().code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(as_admin.status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace ironorg::clusters

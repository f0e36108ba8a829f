#include "services/clusters/cluster_store.h"

#include <algorithm>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/crypto.h"
#include "common/time_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/scoped_temp_dir.h"
#include "tests/testing/test_support.h"

namespace ironorg::clusters {
namespace {

using ::ironorg::clusters::v1::Cluster;
using ::ironorg::test::CountRows;
using ::ironorg::test::ScopedTempDir;
using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr char kOrganization[] = "org1";
constexpr char kUser[] = "organizations/org1/users/user1";

// The time of every mutation, and an online threshold that counts a runner
// active at that time as online.
constexpr int64_t kTimeMicros = 1700000000000000;
constexpr int64_t kOnlineSinceMicros = kTimeMicros - 60000000;

Mutation MakeMutation(absl::string_view action,
                      absl::string_view request_id = "",
                      int64_t time_micros = kTimeMicros) {
  return Mutation{"organizations/org1/users/admin", std::string(action),
                  std::string(request_id), time_micros};
}

NewCluster MakeNewCluster(absl::string_view display_name,
                          absl::string_view token) {
  NewCluster cluster;
  cluster.display_name = std::string(display_name);
  cluster.memory_per_runner_mb = 1024;
  cluster.disk_per_runner_gb = 20;
  cluster.token_hash = crypto::Sha256Hex(token);
  return cluster;
}

// Returns the last segment of a resource name.
std::string IdOf(absl::string_view name) {
  return std::string(name.substr(name.rfind('/') + 1));
}

std::string IdOf(const Cluster& cluster) { return IdOf(cluster.name()); }

// Returns the number of outbox events of `type` in the database file.
int64_t CountOutboxEvents(const std::string& database_path,
                          absl::string_view type) {
  return CountRows(database_path,
                   absl::StrCat("outbox WHERE type = '", type, "'"));
}

class ClusterStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(directory_.path().empty());
    absl::StatusOr<std::unique_ptr<ClusterStore>> store =
        ClusterStore::Open(directory_.path());
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
  }

  Cluster Create(absl::string_view display_name,
                 absl::string_view token = "ioc_token") {
    absl::StatusOr<CreatedCluster> created = store_->CreateCluster(
        kOrganization, MakeNewCluster(display_name, token),
        MakeMutation("CreateCluster"), kOnlineSinceMicros);
    EXPECT_TRUE(created.ok()) << created.status();
    return created.ok() ? created->cluster : Cluster();
  }

  RegisteredRunner Register(const Cluster& cluster, absl::string_view hostname,
                            int64_t time_micros = kTimeMicros) {
    absl::StatusOr<RegisteredRunner> registered = store_->RegisterRunner(
        kOrganization, IdOf(cluster), hostname,
        Mutation{cluster.name(), "RegisterRunner", "", time_micros});
    EXPECT_TRUE(registered.ok()) << registered.status();
    return registered.ok() ? *registered : RegisteredRunner();
  }

  Cluster Get(const Cluster& cluster,
              int64_t online_since_micros = kOnlineSinceMicros) {
    absl::StatusOr<Cluster> found =
        store_->GetCluster(kOrganization, IdOf(cluster), online_since_micros);
    EXPECT_TRUE(found.ok()) << found.status();
    return found.ok() ? *found : Cluster();
  }

  std::string DatabasePath() const {
    return directory_.File(kDatabaseFileName);
  }

  ScopedTempDir directory_;
  std::unique_ptr<ClusterStore> store_;
};

TEST_F(ClusterStoreTest, CreateClusterStoresSettings) {
  const Cluster cluster = Create("Edge");

  EXPECT_THAT(cluster.name(), StartsWith("organizations/org1/clusters/"));
  EXPECT_EQ(cluster.display_name(), "Edge");
  EXPECT_EQ(cluster.memory_per_runner_mb(), 1024);
  EXPECT_EQ(cluster.disk_per_runner_gb(), 20);
  EXPECT_EQ(cluster.state(), Cluster::STATE_PROVISIONING);
  EXPECT_EQ(cluster.runners_total(), 0);
  EXPECT_EQ(cluster.runners_online(), 0);
  EXPECT_EQ(cluster.etag(), "1");
  EXPECT_TRUE(cluster.cluster_token().empty());
  EXPECT_EQ(CountRows(directory_.File(kDatabaseFileName), "audit_events"), 1);
  EXPECT_EQ(CountRows(directory_.File(kDatabaseFileName), "outbox"), 1);
}

TEST_F(ClusterStoreTest, CreateClusterWithTakenNameIsAlreadyExists) {
  Create("Edge", "ioc_first");

  absl::StatusOr<CreatedCluster> second =
      store_->CreateCluster(kOrganization, MakeNewCluster("Edge", "ioc_second"),
                            MakeMutation("CreateCluster"), kOnlineSinceMicros);

  EXPECT_EQ(second.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(second.status().message(),
            "a cluster named \"Edge\" already exists in organizations/org1");
  EXPECT_EQ(CountRows(directory_.File(kDatabaseFileName), "clusters"), 1);
}

TEST_F(ClusterStoreTest, SameNameInOtherOrganizationIsAllowed) {
  Create("Edge", "ioc_first");

  absl::StatusOr<CreatedCluster> other =
      store_->CreateCluster("org2", MakeNewCluster("Edge", "ioc_second"),
                            MakeMutation("CreateCluster"), kOnlineSinceMicros);

  EXPECT_TRUE(other.ok()) << other.status();
}

TEST_F(ClusterStoreTest, CreateClusterReplaysSeenRequestId) {
  absl::StatusOr<CreatedCluster> first = store_->CreateCluster(
      kOrganization, MakeNewCluster("Edge", "ioc_first"),
      MakeMutation("CreateCluster", "r1"), kOnlineSinceMicros);
  absl::StatusOr<CreatedCluster> second = store_->CreateCluster(
      kOrganization, MakeNewCluster("Edge", "ioc_second"),
      MakeMutation("CreateCluster", "r1"), kOnlineSinceMicros);

  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_TRUE(second->replayed);
  EXPECT_EQ(second->cluster.name(), first->cluster.name());
  EXPECT_EQ(CountRows(directory_.File(kDatabaseFileName), "clusters"), 1);
}

TEST_F(ClusterStoreTest, FindClusterByTokenHashReturnsName) {
  const Cluster cluster = Create("Edge", "ioc_secret");

  absl::StatusOr<std::string> found =
      store_->FindClusterByTokenHash(crypto::Sha256Hex("ioc_secret"));
  absl::StatusOr<std::string> missing =
      store_->FindClusterByTokenHash(crypto::Sha256Hex("ioc_other"));

  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(*found, cluster.name());
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
}

TEST_F(ClusterStoreTest, GetClusterOfOtherOrganizationIsNotFound) {
  const Cluster cluster = Create("Edge");

  absl::StatusOr<Cluster> found =
      store_->GetCluster("org2", IdOf(cluster), kOnlineSinceMicros);

  EXPECT_EQ(found.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(found.status().message(),
              HasSubstr("cluster \"organizations/org2/clusters/"));
}

TEST_F(ClusterStoreTest, GrantAccessTwiceStoresOneGrant) {
  const Cluster cluster = Create("Edge");

  absl::StatusOr<bool> first = store_->GrantAccess(
      kOrganization, IdOf(cluster), kUser, MakeMutation("GrantClusterAccess"));
  absl::StatusOr<bool> second = store_->GrantAccess(
      kOrganization, IdOf(cluster), kUser, MakeMutation("GrantClusterAccess"));

  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_TRUE(*first);
  EXPECT_FALSE(*second);
  EXPECT_EQ(CountRows(directory_.File(kDatabaseFileName), "cluster_grants"), 1);
  EXPECT_EQ(CountRows(directory_.File(kDatabaseFileName), "outbox"), 2);
}

TEST_F(ClusterStoreTest, ListGrantedClustersReturnsOnlyGrantedClusters) {
  const Cluster granted = Create("Granted", "ioc_a");
  Create("Other", "ioc_b");
  ASSERT_TRUE(store_
                  ->GrantAccess(kOrganization, IdOf(granted), kUser,
                                MakeMutation("GrantClusterAccess"))
                  .ok());

  absl::StatusOr<ClusterPage> page = store_->ListGrantedClusters(
      kOrganization, kUser, "", 50, kOnlineSinceMicros);

  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_EQ(page->clusters.size(), 1u);
  EXPECT_EQ(page->clusters[0].name(), granted.name());
}

TEST_F(ClusterStoreTest, DataSurvivesReopening) {
  const Cluster cluster = Create("Edge", "ioc_secret");
  ASSERT_TRUE(store_
                  ->GrantAccess(kOrganization, IdOf(cluster), kUser,
                                MakeMutation("GrantClusterAccess"))
                  .ok());
  store_.reset();

  absl::StatusOr<std::unique_ptr<ClusterStore>> reopened =
      ClusterStore::Open(directory_.path());
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  absl::StatusOr<Cluster> found =
      (*reopened)->GetCluster(kOrganization, IdOf(cluster), kOnlineSinceMicros);
  absl::StatusOr<bool> has_access =
      (*reopened)->HasAccess(kOrganization, IdOf(cluster), kUser);
  absl::StatusOr<std::string> by_token =
      (*reopened)->FindClusterByTokenHash(crypto::Sha256Hex("ioc_secret"));

  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(found->display_name(), "Edge");
  EXPECT_EQ(found->memory_per_runner_mb(), 1024);
  ASSERT_TRUE(has_access.ok()) << has_access.status();
  EXPECT_TRUE(*has_access);
  ASSERT_TRUE(by_token.ok()) << by_token.status();
  EXPECT_EQ(*by_token, cluster.name());
}

TEST_F(ClusterStoreTest, UpdateClusterChangesOnlyGivenFields) {
  const Cluster cluster = Create("Edge");
  ClusterChanges changes;
  changes.display_name = "Core";

  absl::StatusOr<Cluster> updated = store_->UpdateCluster(
      kOrganization, IdOf(cluster), changes, cluster.etag(),
      MakeMutation("UpdateCluster"), kOnlineSinceMicros);

  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(updated->display_name(), "Core");
  EXPECT_EQ(updated->memory_per_runner_mb(), 1024);
  EXPECT_EQ(updated->disk_per_runner_gb(), 20);
  EXPECT_EQ(updated->etag(), "2");
  EXPECT_EQ(CountRows(DatabasePath(), "audit_events"), 2);
  EXPECT_EQ(CountOutboxEvents(DatabasePath(), "cluster.updated"), 1);
}

TEST_F(ClusterStoreTest, UpdateClusterSizesKeepsName) {
  const Cluster cluster = Create("Edge");
  ClusterChanges changes;
  changes.memory_per_runner_mb = 2048;
  changes.disk_per_runner_gb = 40;

  absl::StatusOr<Cluster> updated =
      store_->UpdateCluster(kOrganization, IdOf(cluster), changes, "",
                            MakeMutation("UpdateCluster"), kOnlineSinceMicros);

  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(updated->display_name(), "Edge");
  EXPECT_EQ(updated->memory_per_runner_mb(), 2048);
  EXPECT_EQ(updated->disk_per_runner_gb(), 40);
}

TEST_F(ClusterStoreTest, UpdateClusterWithStaleEtagIsAborted) {
  const Cluster cluster = Create("Edge");
  ClusterChanges changes;
  changes.display_name = "Core";

  absl::StatusOr<Cluster> updated =
      store_->UpdateCluster(kOrganization, IdOf(cluster), changes, "7",
                            MakeMutation("UpdateCluster"), kOnlineSinceMicros);

  EXPECT_EQ(updated.status().code(), absl::StatusCode::kAborted);
  EXPECT_EQ(Get(cluster).display_name(), "Edge");
  EXPECT_EQ(Get(cluster).etag(), "1");
  EXPECT_EQ(CountRows(DatabasePath(), "audit_events"), 1);
  EXPECT_EQ(CountOutboxEvents(DatabasePath(), "cluster.updated"), 0);
}

TEST_F(ClusterStoreTest, UpdateClusterToTakenNameIsAlreadyExists) {
  Create("Edge", "ioc_first");
  const Cluster other = Create("Core", "ioc_second");
  ClusterChanges changes;
  changes.display_name = "Edge";

  absl::StatusOr<Cluster> updated =
      store_->UpdateCluster(kOrganization, IdOf(other), changes, "",
                            MakeMutation("UpdateCluster"), kOnlineSinceMicros);

  EXPECT_EQ(updated.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(updated.status().message(),
            "a cluster named \"Edge\" already exists in organizations/org1");
  EXPECT_EQ(Get(other).display_name(), "Core");
}

TEST_F(ClusterStoreTest, UpdateClusterToOwnNameSucceeds) {
  const Cluster cluster = Create("Edge");
  ClusterChanges changes;
  changes.display_name = "Edge";

  absl::StatusOr<Cluster> updated =
      store_->UpdateCluster(kOrganization, IdOf(cluster), changes, "",
                            MakeMutation("UpdateCluster"), kOnlineSinceMicros);

  EXPECT_TRUE(updated.ok()) << updated.status();
}

TEST_F(ClusterStoreTest, UpdateMissingClusterIsNotFound) {
  ClusterChanges changes;
  changes.display_name = "Core";

  absl::StatusOr<Cluster> updated =
      store_->UpdateCluster(kOrganization, "missing", changes, "",
                            MakeMutation("UpdateCluster"), kOnlineSinceMicros);

  EXPECT_EQ(updated.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(CountRows(DatabasePath(), "audit_events"), 0);
}

TEST_F(ClusterStoreTest, DeleteClusterRemovesGrantsRunnersAndToken) {
  const Cluster cluster = Create("Edge", "ioc_secret");
  ASSERT_TRUE(store_
                  ->GrantAccess(kOrganization, IdOf(cluster), kUser,
                                MakeMutation("GrantClusterAccess"))
                  .ok());
  Register(cluster, "runner-1");

  absl::Status deleted = store_->DeleteCluster(kOrganization, IdOf(cluster), "",
                                               MakeMutation("DeleteCluster"));

  ASSERT_TRUE(deleted.ok()) << deleted;
  EXPECT_EQ(CountRows(DatabasePath(), "clusters"), 0);
  EXPECT_EQ(CountRows(DatabasePath(), "cluster_grants"), 0);
  EXPECT_EQ(CountRows(DatabasePath(), "runners"), 0);
  EXPECT_EQ(store_->FindClusterByTokenHash(crypto::Sha256Hex("ioc_secret"))
                .status()
                .code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(CountOutboxEvents(DatabasePath(), "cluster.deleted"), 1);
}

TEST_F(ClusterStoreTest, DeleteClusterWithStaleEtagDeletesNothing) {
  const Cluster cluster = Create("Edge", "ioc_secret");
  ASSERT_TRUE(store_
                  ->GrantAccess(kOrganization, IdOf(cluster), kUser,
                                MakeMutation("GrantClusterAccess"))
                  .ok());
  Register(cluster, "runner-1");
  const int64_t audit_rows = CountRows(DatabasePath(), "audit_events");

  absl::Status deleted = store_->DeleteCluster(
      kOrganization, IdOf(cluster), "1", MakeMutation("DeleteCluster"));

  EXPECT_EQ(deleted.code(), absl::StatusCode::kAborted);
  EXPECT_EQ(CountRows(DatabasePath(), "clusters"), 1);
  EXPECT_EQ(CountRows(DatabasePath(), "cluster_grants"), 1);
  EXPECT_EQ(CountRows(DatabasePath(), "runners"), 1);
  EXPECT_EQ(CountRows(DatabasePath(), "audit_events"), audit_rows);
  EXPECT_TRUE(
      store_->FindClusterByTokenHash(crypto::Sha256Hex("ioc_secret")).ok());
}

TEST_F(ClusterStoreTest, DeleteMissingClusterIsNotFound) {
  absl::Status deleted = store_->DeleteCluster(kOrganization, "missing", "",
                                               MakeMutation("DeleteCluster"));

  EXPECT_EQ(deleted.code(), absl::StatusCode::kNotFound);
}

TEST_F(ClusterStoreTest, RotateClusterTokenReplacesHash) {
  const Cluster cluster = Create("Edge", "ioc_old");

  absl::StatusOr<Cluster> rotated = store_->RotateClusterToken(
      kOrganization, IdOf(cluster), crypto::Sha256Hex("ioc_new"),
      MakeMutation("RotateClusterToken"), kOnlineSinceMicros);

  ASSERT_TRUE(rotated.ok()) << rotated.status();
  EXPECT_EQ(rotated->etag(), "2");
  EXPECT_TRUE(rotated->cluster_token().empty());
  EXPECT_EQ(store_->FindClusterByTokenHash(crypto::Sha256Hex("ioc_old"))
                .status()
                .code(),
            absl::StatusCode::kNotFound);
  absl::StatusOr<std::string> found =
      store_->FindClusterByTokenHash(crypto::Sha256Hex("ioc_new"));
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(*found, cluster.name());
  EXPECT_EQ(CountOutboxEvents(DatabasePath(), "cluster.token_rotated"), 1);
}

TEST_F(ClusterStoreTest, RotateMissingClusterIsNotFound) {
  absl::StatusOr<Cluster> rotated = store_->RotateClusterToken(
      kOrganization, "missing", crypto::Sha256Hex("ioc_new"),
      MakeMutation("RotateClusterToken"), kOnlineSinceMicros);

  EXPECT_EQ(rotated.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(CountRows(DatabasePath(), "audit_events"), 0);
}

TEST_F(ClusterStoreTest, FirstRunnerMovesClusterToReady) {
  const Cluster cluster = Create("Edge");

  const RegisteredRunner registered = Register(cluster, "runner-1");
  const Cluster after = Get(cluster);

  EXPECT_TRUE(registered.created);
  EXPECT_THAT(registered.runner.name(),
              StartsWith(absl::StrCat(cluster.name(), "/runners/")));
  EXPECT_EQ(registered.runner.hostname(), "runner-1");
  EXPECT_EQ(registered.memory_per_runner_mb, 1024);
  EXPECT_EQ(registered.disk_per_runner_gb, 20);
  EXPECT_EQ(after.state(), Cluster::STATE_READY);
  EXPECT_EQ(after.etag(), "2");
  EXPECT_EQ(after.runners_total(), 1);
  EXPECT_EQ(after.runners_online(), 1);
  EXPECT_EQ(CountRows(DatabasePath(), "audit_events"), 2);
}

TEST_F(ClusterStoreTest, SecondRunnerKeepsClusterRevision) {
  const Cluster cluster = Create("Edge");
  Register(cluster, "runner-1");

  Register(cluster, "runner-2");

  EXPECT_EQ(Get(cluster).etag(), "2");
  EXPECT_EQ(Get(cluster).runners_total(), 2);
}

TEST_F(ClusterStoreTest, SameHostnameReturnsSameRunner) {
  const Cluster cluster = Create("Edge");
  const RegisteredRunner first = Register(cluster, "runner-1", kTimeMicros);

  const RegisteredRunner second =
      Register(cluster, "runner-1", kTimeMicros + 5000000);

  EXPECT_FALSE(second.created);
  EXPECT_EQ(second.runner.name(), first.runner.name());
  EXPECT_EQ(FromTimestamp(second.runner.last_heartbeat_time()),
            kTimeMicros + 5000000);
  EXPECT_EQ(FromTimestamp(second.runner.create_time()), kTimeMicros);
  EXPECT_EQ(CountRows(DatabasePath(), "runners"), 1);
  EXPECT_EQ(CountRows(DatabasePath(), "audit_events"), 2);
}

TEST_F(ClusterStoreTest, RegisterRunnerOnMissingClusterIsNotFound) {
  absl::StatusOr<RegisteredRunner> registered =
      store_->RegisterRunner(kOrganization, "missing", "runner-1",
                             Mutation{"organizations/org1/clusters/missing",
                                      "RegisterRunner", "", kTimeMicros});

  EXPECT_EQ(registered.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(CountRows(DatabasePath(), "runners"), 0);
}

TEST_F(ClusterStoreTest, RecordHeartbeatMovesHeartbeatTime) {
  const Cluster cluster = Create("Edge");
  const RegisteredRunner registered = Register(cluster, "runner-1");
  const int64_t audit_rows = CountRows(DatabasePath(), "audit_events");

  absl::StatusOr<v1::Runner> runner = store_->RecordHeartbeat(
      kOrganization, IdOf(cluster), IdOf(registered.runner.name()),
      kTimeMicros + 9000000);

  ASSERT_TRUE(runner.ok()) << runner.status();
  EXPECT_EQ(runner->name(), registered.runner.name());
  EXPECT_EQ(FromTimestamp(runner->last_heartbeat_time()),
            kTimeMicros + 9000000);
  EXPECT_EQ(CountRows(DatabasePath(), "audit_events"), audit_rows);
}

TEST_F(ClusterStoreTest, HeartbeatNamingOtherOrganizationIsNotFound) {
  const Cluster cluster = Create("Edge");
  const RegisteredRunner registered = Register(cluster, "runner-1");

  absl::StatusOr<v1::Runner> runner = store_->RecordHeartbeat(
      "org2", IdOf(cluster), IdOf(registered.runner.name()), kTimeMicros);

  EXPECT_EQ(runner.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(runner.status().message(),
              HasSubstr("runner \"organizations/org2/clusters/"));
}

TEST_F(ClusterStoreTest, RunnersOnlineCountsRecentHeartbeats) {
  const Cluster cluster = Create("Edge");
  Register(cluster, "old-runner", kTimeMicros - 120000000);
  Register(cluster, "new-runner", kTimeMicros);

  const Cluster read = Get(cluster, kOnlineSinceMicros);

  EXPECT_EQ(read.runners_total(), 2);
  EXPECT_EQ(read.runners_online(), 1);
}

TEST_F(ClusterStoreTest, ListRunnersPagesInIdOrder) {
  const Cluster cluster = Create("Edge");
  std::set<std::string> registered;
  for (int i = 0; i < 5; ++i) {
    registered.insert(
        Register(cluster, absl::StrCat("runner-", i)).runner.name());
  }
  Register(Create("Other", "ioc_other"), "runner-0");

  std::vector<std::string> listed;
  std::string after_id;
  int pages = 0;
  bool has_more = true;
  while (has_more) {
    absl::StatusOr<RunnerPage> page =
        store_->ListRunners(kOrganization, IdOf(cluster), after_id, 2);
    ASSERT_TRUE(page.ok()) << page.status();
    ++pages;
    for (const v1::Runner& runner : page->runners) {
      listed.push_back(runner.name());
    }
    after_id = page->last_id;
    has_more = page->has_more;
  }

  EXPECT_EQ(pages, 3);
  EXPECT_TRUE(std::is_sorted(listed.begin(), listed.end()));
  EXPECT_EQ(std::set<std::string>(listed.begin(), listed.end()), registered);
  EXPECT_EQ(listed.size(), registered.size());
}

TEST_F(ClusterStoreTest, ListRunnersOfMissingClusterIsNotFound) {
  absl::StatusOr<RunnerPage> page =
      store_->ListRunners(kOrganization, "missing", "", 50);

  EXPECT_EQ(page.status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace ironorg::clusters

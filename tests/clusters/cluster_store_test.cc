#include "services/clusters/cluster_store.h"

#include <memory>
#include <string>

#include "common/crypto.h"
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

Mutation MakeMutation(absl::string_view action,
                      absl::string_view request_id = "") {
  return Mutation{"organizations/org1/users/admin", std::string(action),
                  std::string(request_id), 1700000000000000};
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

std::string IdOf(const Cluster& cluster) {
  return cluster.name().substr(cluster.name().rfind('/') + 1);
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
        MakeMutation("CreateCluster"));
    EXPECT_TRUE(created.ok()) << created.status();
    return created.ok() ? created->cluster : Cluster();
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
                            MakeMutation("CreateCluster"));

  EXPECT_EQ(second.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(second.status().message(),
            "a cluster named \"Edge\" already exists in organizations/org1");
  EXPECT_EQ(CountRows(directory_.File(kDatabaseFileName), "clusters"), 1);
}

TEST_F(ClusterStoreTest, SameNameInOtherOrganizationIsAllowed) {
  Create("Edge", "ioc_first");

  absl::StatusOr<CreatedCluster> other =
      store_->CreateCluster("org2", MakeNewCluster("Edge", "ioc_second"),
                            MakeMutation("CreateCluster"));

  EXPECT_TRUE(other.ok()) << other.status();
}

TEST_F(ClusterStoreTest, CreateClusterReplaysSeenRequestId) {
  absl::StatusOr<CreatedCluster> first =
      store_->CreateCluster(kOrganization, MakeNewCluster("Edge", "ioc_first"),
                            MakeMutation("CreateCluster", "r1"));
  absl::StatusOr<CreatedCluster> second =
      store_->CreateCluster(kOrganization, MakeNewCluster("Edge", "ioc_second"),
                            MakeMutation("CreateCluster", "r1"));

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

  absl::StatusOr<Cluster> found = store_->GetCluster("org2", IdOf(cluster));

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

  absl::StatusOr<ClusterPage> page =
      store_->ListGrantedClusters(kOrganization, kUser, "", 50);

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
      (*reopened)->GetCluster(kOrganization, IdOf(cluster));
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

}  // namespace
}  // namespace ironorg::clusters

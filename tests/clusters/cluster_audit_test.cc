// Service tests of ClusterService.ListAuditEvents on a temporary SQLite
// file whose audit events the tests write themselves.
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/clusters/cluster_service.h"
#include "tests/testing/audit_test_support.h"
#include "tests/testing/scoped_temp_dir.h"
#include "tests/testing/test_support.h"

namespace ironorg::clusters {
namespace {

using ::ironorg::clusters::v1::CreateClusterRequest;
using ::ironorg::clusters::v1::ListAuditEventsRequest;
using ::ironorg::clusters::v1::ListAuditEventsResponse;
using ::ironorg::identity::v1::Principal;
using ::ironorg::identity::v1::ROLE_ACCOUNTANT;
using ::ironorg::identity::v1::ROLE_ADMIN;
using ::ironorg::identity::v1::ROLE_ADMIN_READ_ONLY;
using ::ironorg::identity::v1::ROLE_DEVELOPER;
using ::ironorg::test::AuditEventIds;
using ::ironorg::test::AuditSeed;
using ::ironorg::test::FakeUserDirectory;
using ::ironorg::test::InsertAuditSeeds;
using ::ironorg::test::ScopedTempDir;
using ::ironorg::test::UserCaller;
using ::testing::ElementsAre;

constexpr char kAdminName[] = "organizations/org1/users/admin1";
constexpr char kOtherAdminName[] = "organizations/org1/users/admin2";
constexpr char kFirstCluster[] = "organizations/org1/clusters/c1";

class ClusterAuditTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<ClusterStore>> store =
        ClusterStore::Open(directory_.path());
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    service_ = std::make_unique<ClusterService>(
        store_.get(), &users_,
        pagination::PageTokenCodec(std::string(32, 'k')));
    // Inserted oldest first: e1 is the oldest and e4 the newest of org1.
    ASSERT_TRUE(InsertAuditSeeds(
        directory_.path() + "/" + kDatabaseFileName,
        {{"e1", "org1", kAdminName, "CreateCluster", kFirstCluster, 10},
         {"e2", "org1", kAdminName, "GrantClusterAccess", kFirstCluster, 20},
         {"e3", "org1", kOtherAdminName, "CreateCluster",
          "organizations/org1/clusters/c2", 30},
         {"e4", "org1", kAdminName, "CreateCluster",
          "organizations/org1/clusters/c3", 30},
         {"e5", "org2", "organizations/org2/users/admin9", "CreateCluster",
          "organizations/org2/clusters/c9", 40}}));
  }

  absl::StatusOr<ListAuditEventsResponse> List(
      const Principal& caller, const std::string& actor = "",
      const std::string& resource = "", int page_size = 0,
      const std::string& page_token = "") {
    ListAuditEventsRequest request;
    request.set_parent("organizations/org1");
    request.set_actor(actor);
    request.set_resource(resource);
    request.set_page_size(page_size);
    request.set_page_token(page_token);
    return service_->ListAuditEvents(caller, request);
  }

  ScopedTempDir directory_;
  FakeUserDirectory users_;
  std::unique_ptr<ClusterStore> store_;
  std::unique_ptr<ClusterService> service_;
  const Principal admin_ = UserCaller("org1", "admin1", ROLE_ADMIN);
};

TEST_F(ClusterAuditTest, ListAuditEventsReturnsNewestFirst) {
  absl::StatusOr<ListAuditEventsResponse> response = List(admin_);

  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_THAT(AuditEventIds(response->audit_events()),
              ElementsAre("e4", "e3", "e2", "e1"));
  EXPECT_TRUE(response->next_page_token().empty());
}

TEST_F(ClusterAuditTest, ListAuditEventsReturnsEveryField) {
  absl::StatusOr<ListAuditEventsResponse> response =
      List(admin_, "", "", /*page_size=*/1);

  ASSERT_TRUE(response.ok()) << response.status();
  ASSERT_EQ(response->audit_events_size(), 1);
  const audit::v1::AuditEvent& event = response->audit_events(0);
  EXPECT_EQ(event.name(), "organizations/org1/auditEvents/e4");
  EXPECT_EQ(event.actor(), kAdminName);
  EXPECT_EQ(event.action(), "CreateCluster");
  EXPECT_EQ(event.resource(), "organizations/org1/clusters/c3");
  EXPECT_EQ(event.create_time().nanos(), 30000);
}

TEST_F(ClusterAuditTest, ListAuditEventsFiltersByActor) {
  absl::StatusOr<ListAuditEventsResponse> response =
      List(admin_, kOtherAdminName);

  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_THAT(AuditEventIds(response->audit_events()), ElementsAre("e3"));
}

TEST_F(ClusterAuditTest, ListAuditEventsFiltersByResource) {
  absl::StatusOr<ListAuditEventsResponse> response =
      List(admin_, "", kFirstCluster);

  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_THAT(AuditEventIds(response->audit_events()), ElementsAre("e2", "e1"));
}

TEST_F(ClusterAuditTest, ListAuditEventsPagesReturnEachEventOnce) {
  std::vector<std::string> ids;
  std::string page_token;
  int pages = 0;
  do {
    absl::StatusOr<ListAuditEventsResponse> response =
        List(admin_, "", "", /*page_size=*/3, page_token);
    ASSERT_TRUE(response.ok()) << response.status();
    for (const std::string& id : AuditEventIds(response->audit_events())) {
      ids.push_back(id);
    }
    page_token = response->next_page_token();
    ++pages;
  } while (!page_token.empty() && pages < 10);

  EXPECT_EQ(pages, 2);
  EXPECT_THAT(ids, ElementsAre("e4", "e3", "e2", "e1"));
}

TEST_F(ClusterAuditTest, ListAuditEventsRejectsTokenOfOtherFilter) {
  absl::StatusOr<ListAuditEventsResponse> first =
      List(admin_, "", "", /*page_size=*/1);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_FALSE(first->next_page_token().empty());

  absl::StatusOr<ListAuditEventsResponse> replayed =
      List(admin_, kAdminName, "", /*page_size=*/1, first->next_page_token());

  EXPECT_EQ(replayed.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(ClusterAuditTest, ListAuditEventsOfOtherOrganizationIsDenied) {
  ListAuditEventsRequest request;
  request.set_parent("organizations/org2");

  EXPECT_EQ(service_->ListAuditEvents(admin_, request).status().code(),
            absl::StatusCode::kPermissionDenied);
}

TEST_F(ClusterAuditTest, ListAuditEventsAllowsAdminReadOnly) {
  absl::StatusOr<ListAuditEventsResponse> response =
      List(UserCaller("org1", "reader1", ROLE_ADMIN_READ_ONLY));

  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->audit_events_size(), 4);
}

TEST_F(ClusterAuditTest, ListAuditEventsDeniesDeveloper) {
  EXPECT_EQ(List(UserCaller("org1", "dev1", ROLE_DEVELOPER)).status().code(),
            absl::StatusCode::kPermissionDenied);
}

TEST_F(ClusterAuditTest, ListAuditEventsDeniesAccountant) {
  EXPECT_EQ(List(UserCaller("org1", "acc1", ROLE_ACCOUNTANT)).status().code(),
            absl::StatusCode::kPermissionDenied);
}

TEST_F(ClusterAuditTest, ListAuditEventsListsCreateCluster) {
  CreateClusterRequest create;
  create.set_parent("organizations/org1");
  create.mutable_cluster()->set_display_name("Audited");
  absl::StatusOr<v1::Cluster> cluster = service_->CreateCluster(admin_, create);
  ASSERT_TRUE(cluster.ok()) << cluster.status();

  absl::StatusOr<ListAuditEventsResponse> response =
      List(admin_, "", cluster->name());

  ASSERT_TRUE(response.ok()) << response.status();
  ASSERT_EQ(response->audit_events_size(), 1);
  EXPECT_EQ(response->audit_events(0).action(), "CreateCluster");
}

}  // namespace
}  // namespace ironorg::clusters

// Service tests of BillingService.ListAuditEvents on a temporary SQLite
// file whose audit events the tests write themselves.
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "common/sqlite.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/billing/billing_service.h"
#include "services/billing/billing_store.h"
#include "services/billing/plan_catalog.h"
#include "tests/testing/audit_test_support.h"
#include "tests/testing/scoped_temp_dir.h"
#include "tests/testing/test_support.h"

namespace ironorg::billing {
namespace {

using ::ironorg::billing::v1::ListAuditEventsRequest;
using ::ironorg::billing::v1::ListAuditEventsResponse;
using ::ironorg::identity::v1::Principal;
using ::ironorg::identity::v1::ROLE_ACCOUNTANT;
using ::ironorg::identity::v1::ROLE_ADMIN;
using ::ironorg::identity::v1::ROLE_ADMIN_READ_ONLY;
using ::ironorg::identity::v1::ROLE_DEVELOPER;
using ::ironorg::test::AuditEventIds;
using ::ironorg::test::AuditSeed;
using ::ironorg::test::InsertAuditSeeds;
using ::ironorg::test::ScopedTempDir;
using ::ironorg::test::UserCaller;
using ::testing::ElementsAre;

constexpr char kAdminName[] = "organizations/org1/users/admin1";
constexpr char kOtherAdminName[] = "organizations/org1/users/admin2";
constexpr char kAccount[] = "organizations/org1/billingAccount";

class BillingAuditTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<PlanCatalog> catalog = PlanCatalog::Default();
    ASSERT_TRUE(catalog.ok()) << catalog.status();
    catalog_ = std::make_unique<PlanCatalog>(*std::move(catalog));
    absl::StatusOr<std::unique_ptr<BillingStore>> store =
        BillingStore::Open(directory_.path());
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    service_ = std::make_unique<BillingService>(
        store_.get(), catalog_.get(), [] { return int64_t{1000}; },
        pagination::PageTokenCodec(std::string(32, 'k')));
    // Inserted oldest first: e1 is the oldest and e4 the newest of org1.
    ASSERT_TRUE(InsertAuditSeeds(
        directory_.path() + "/billing.db",
        {{"e1", "org1", kAdminName, "UpdateBillingAccount", kAccount, 10},
         {"e2", "org1", kAdminName, "ChangePlan", kAccount, 20},
         {"e3", "org1", kOtherAdminName, "UpdateBillingAccount",
          "organizations/org1/subscriptions/ironmq", 30},
         {"e4", "org1", kAdminName, "UpdateBillingAccount",
          "organizations/org1/subscriptions/ironworker", 30},
         {"e5", "org2", "organizations/org2/users/admin9",
          "UpdateBillingAccount", "organizations/org2/billingAccount", 40}}));
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
  std::unique_ptr<PlanCatalog> catalog_;
  std::unique_ptr<BillingStore> store_;
  std::unique_ptr<BillingService> service_;
  const Principal admin_ = UserCaller("org1", "admin1", ROLE_ADMIN);
};

TEST_F(BillingAuditTest, ListAuditEventsReturnsNewestFirst) {
  absl::StatusOr<ListAuditEventsResponse> response = List(admin_);

  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_THAT(AuditEventIds(response->audit_events()),
              ElementsAre("e4", "e3", "e2", "e1"));
  EXPECT_TRUE(response->next_page_token().empty());
}

TEST_F(BillingAuditTest, ListAuditEventsReturnsEveryField) {
  absl::StatusOr<ListAuditEventsResponse> response =
      List(admin_, "", "", /*page_size=*/1);

  ASSERT_TRUE(response.ok()) << response.status();
  ASSERT_EQ(response->audit_events_size(), 1);
  const audit::v1::AuditEvent& event = response->audit_events(0);
  EXPECT_EQ(event.name(), "organizations/org1/auditEvents/e4");
  EXPECT_EQ(event.actor(), kAdminName);
  EXPECT_EQ(event.action(), "UpdateBillingAccount");
  EXPECT_EQ(event.resource(), "organizations/org1/subscriptions/ironworker");
  EXPECT_EQ(event.create_time().nanos(), 30000);
}

TEST_F(BillingAuditTest, ListAuditEventsFiltersByActor) {
  absl::StatusOr<ListAuditEventsResponse> response =
      List(admin_, kOtherAdminName);

  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_THAT(AuditEventIds(response->audit_events()), ElementsAre("e3"));
}

TEST_F(BillingAuditTest, ListAuditEventsFiltersByResource) {
  absl::StatusOr<ListAuditEventsResponse> response = List(admin_, "", kAccount);

  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_THAT(AuditEventIds(response->audit_events()), ElementsAre("e2", "e1"));
}

TEST_F(BillingAuditTest, ListAuditEventsPagesReturnEachEventOnce) {
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

TEST_F(BillingAuditTest, ListAuditEventsRejectsTokenOfOtherFilter) {
  absl::StatusOr<ListAuditEventsResponse> first =
      List(admin_, "", "", /*page_size=*/1);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_FALSE(first->next_page_token().empty());

  absl::StatusOr<ListAuditEventsResponse> replayed =
      List(admin_, kAdminName, "", /*page_size=*/1, first->next_page_token());

  EXPECT_EQ(replayed.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(BillingAuditTest, ListAuditEventsOfOtherOrganizationIsDenied) {
  ListAuditEventsRequest request;
  request.set_parent("organizations/org2");

  EXPECT_EQ(service_->ListAuditEvents(admin_, request).status().code(),
            absl::StatusCode::kPermissionDenied);
}

TEST_F(BillingAuditTest, ListAuditEventsAllowsAdminReadOnly) {
  absl::StatusOr<ListAuditEventsResponse> response =
      List(UserCaller("org1", "reader1", ROLE_ADMIN_READ_ONLY));

  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->audit_events_size(), 4);
}

TEST_F(BillingAuditTest, ListAuditEventsDeniesDeveloper) {
  EXPECT_EQ(List(UserCaller("org1", "dev1", ROLE_DEVELOPER)).status().code(),
            absl::StatusCode::kPermissionDenied);
}

TEST_F(BillingAuditTest, ListAuditEventsAllowsAccountant) {
  absl::StatusOr<ListAuditEventsResponse> response =
      List(UserCaller("org1", "acc1", ROLE_ACCOUNTANT));

  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->audit_events_size(), 4);
}

TEST_F(BillingAuditTest, ListAuditEventsDeniesClusterToken) {
  Principal cluster_token;
  cluster_token.set_kind(Principal::KIND_CLUSTER_TOKEN);
  cluster_token.set_organization("organizations/org1");

  EXPECT_EQ(List(cluster_token).status().code(),
            absl::StatusCode::kPermissionDenied);
}

// A database written by the first schema, whose audit_events table has
// no sequence column, keeps its events through the migration that adds
// it, ordered by create_time and then id.
TEST(BillingAuditMigrationTest, MigrationKeepsOldAuditEvents) {
  ScopedTempDir directory;
  const std::string path = directory.path() + "/billing.db";
  {
    absl::StatusOr<std::unique_ptr<sqlite::Database>> old_database =
        sqlite::Database::Open(path, {BillingStore::Migrations()[0]});
    ASSERT_TRUE(old_database.ok()) << old_database.status();
    ASSERT_EQ((*old_database)->schema_version(), 1);
    const absl::Status written =
        (*old_database)->Write([](sqlite::Connection& connection) {
          return connection.Execute(
              "INSERT INTO audit_events (id, "
              "organization_id, actor, action, "
              "resource, request_id, create_time) "
              "VALUES "
              "('b', 'org1', 'service', "
              "'ChangePlan', 'r', '', 7), "
              "('a', 'org1', 'service', "
              "'ChangePlan', 'r', '', 7), "
              "('c', 'org1', 'service', "
              "'ChangePlan', 'r', '', 5)");
        });
    ASSERT_TRUE(written.ok()) << written;
  }
  absl::StatusOr<std::unique_ptr<BillingStore>> store =
      BillingStore::Open(directory.path());
  ASSERT_TRUE(store.ok()) << store.status();
  audit_log::AuditQuery query;
  query.organization_id = "org1";
  query.limit = 10;

  absl::StatusOr<std::vector<audit_log::AuditRow>> rows =
      (*store)->ListAuditEvents(query);

  ASSERT_TRUE(rows.ok()) << rows.status();
  std::vector<std::string> names;
  for (const audit_log::AuditRow& row : *rows) {
    names.push_back(row.event.name());
  }
  EXPECT_THAT(names, ElementsAre("organizations/org1/auditEvents/b",
                                 "organizations/org1/auditEvents/a",
                                 "organizations/org1/auditEvents/c"));
}

}  // namespace
}  // namespace ironorg::billing

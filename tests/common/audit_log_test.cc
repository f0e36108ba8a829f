#include "common/audit_log.h"

#include <memory>
#include <string>
#include <vector>

#include "common/store_records.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/scoped_temp_dir.h"
#include "tests/testing/test_support.h"

namespace ironorg::audit_log {
namespace {

using ::ironorg::identity::v1::Principal;
using ::ironorg::identity::v1::ROLE_ACCOUNTANT;
using ::ironorg::identity::v1::ROLE_ADMIN;
using ::ironorg::test::ScopedTempDir;
using ::ironorg::test::UserCaller;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// The audit_events table as common/audit_log.h requires it.
constexpr char kSchema[] = R"sql(
CREATE TABLE audit_events (
  sequence INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  organization_id TEXT NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  resource TEXT NOT NULL,
  request_id TEXT NOT NULL,
  create_time INTEGER NOT NULL
);
)sql";

std::vector<std::string> ActionsOf(const std::vector<AuditRow>& rows) {
  std::vector<std::string> actions;
  for (const AuditRow& row : rows) {
    actions.push_back(row.event.action());
  }
  return actions;
}

class AuditLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<sqlite::Database>> database =
        sqlite::Database::Open(directory_.path() + "/audit.db", {kSchema});
    ASSERT_TRUE(database.ok()) << database.status();
    database_ = *std::move(database);
    // Inserted oldest first, and the actions name that order.
    Insert("org1", "alice", "First", "r1");
    Insert("org1", "bob", "Second", "r2");
    Insert("org2", "alice", "OtherOrganization", "r1");
    Insert("org1", "alice", "Third", "r2");
  }

  void Insert(const std::string& organization_id, const std::string& actor,
              const std::string& action, const std::string& resource) {
    const Mutation mutation{actor, action, "request-1", 42};
    const absl::Status written =
        database_->Write([&](sqlite::Connection& connection) {
          return InsertAuditEvent(connection, organization_id, resource,
                                  mutation);
        });
    ASSERT_TRUE(written.ok()) << written;
  }

  absl::StatusOr<ListPage> List(const Principal& caller,
                                const ListRequest& request) {
    return ListAuditEvents(caller, request, rules_, page_tokens_,
                           [this](const AuditQuery& query) {
                             return SelectAuditEvents(*database_, query);
                           });
  }

  ScopedTempDir directory_;
  std::unique_ptr<sqlite::Database> database_;
  const ListRules rules_{
      "test.v1.TestService/ListAuditEvents", "test", {ROLE_ADMIN}};
  const pagination::PageTokenCodec page_tokens_{std::string(32, 'k')};
  const Principal admin_ = UserCaller("org1", "admin1", ROLE_ADMIN);
};

TEST_F(AuditLogTest, SelectAuditEventsReturnsOrganizationNewestFirst) {
  AuditQuery query;
  query.organization_id = "org1";
  query.limit = 10;

  absl::StatusOr<std::vector<AuditRow>> rows =
      SelectAuditEvents(*database_, query);

  ASSERT_TRUE(rows.ok()) << rows.status();
  EXPECT_THAT(ActionsOf(*rows), ElementsAre("Third", "Second", "First"));
}

TEST_F(AuditLogTest, SelectAuditEventsConvertsEveryColumn) {
  AuditQuery query;
  query.organization_id = "org1";
  query.limit = 1;

  absl::StatusOr<std::vector<AuditRow>> rows =
      SelectAuditEvents(*database_, query);

  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->size(), 1u);
  const audit::v1::AuditEvent& event = (*rows)[0].event;
  EXPECT_THAT(event.name(), HasSubstr("organizations/org1/auditEvents/"));
  EXPECT_EQ(event.actor(), "alice");
  EXPECT_EQ(event.resource(), "r2");
  EXPECT_EQ(event.request_id(), "request-1");
  EXPECT_EQ(event.create_time().nanos(), 42000);
  EXPECT_EQ((*rows)[0].sequence, 4);
}

TEST_F(AuditLogTest, SelectAuditEventsFiltersByActorAndResource) {
  AuditQuery query;
  query.organization_id = "org1";
  query.actor = "alice";
  query.resource = "r1";
  query.limit = 10;

  absl::StatusOr<std::vector<AuditRow>> rows =
      SelectAuditEvents(*database_, query);

  ASSERT_TRUE(rows.ok()) << rows.status();
  EXPECT_THAT(ActionsOf(*rows), ElementsAre("First"));
}

TEST_F(AuditLogTest, SelectAuditEventsStartsBeforeSequence) {
  AuditQuery query;
  query.organization_id = "org1";
  query.before_sequence = 4;
  query.limit = 10;

  absl::StatusOr<std::vector<AuditRow>> rows =
      SelectAuditEvents(*database_, query);

  ASSERT_TRUE(rows.ok()) << rows.status();
  EXPECT_THAT(ActionsOf(*rows), ElementsAre("Second", "First"));
}

TEST_F(AuditLogTest, ListAuditEventsFollowsPageTokens) {
  ListRequest request;
  request.parent = "organizations/org1";
  request.page_size = 2;
  absl::StatusOr<ListPage> first = List(admin_, request);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_FALSE(first->next_page_token.empty());
  request.page_token = first->next_page_token;

  absl::StatusOr<ListPage> second = List(admin_, request);

  ASSERT_TRUE(second.ok()) << second.status();
  ASSERT_EQ(first->audit_events.size(), 2u);
  ASSERT_EQ(second->audit_events.size(), 1u);
  EXPECT_EQ(second->audit_events[0].action(), "First");
  EXPECT_TRUE(second->next_page_token.empty());
}

TEST_F(AuditLogTest, ListAuditEventsRejectsTokenOfOtherResource) {
  ListRequest request;
  request.parent = "organizations/org1";
  request.page_size = 1;
  absl::StatusOr<ListPage> first = List(admin_, request);
  ASSERT_TRUE(first.ok()) << first.status();
  request.page_token = first->next_page_token;
  request.resource = "r2";

  EXPECT_EQ(List(admin_, request).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(AuditLogTest, ListAuditEventsRejectsMalformedParent) {
  ListRequest request;
  request.parent = "projects/org1";

  EXPECT_EQ(List(admin_, request).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(AuditLogTest, ListAuditEventsDeniesOtherOrganizationFirst) {
  ListRequest request;
  request.parent = "organizations/org2";
  request.page_size = -1;

  EXPECT_EQ(List(admin_, request).status().code(),
            absl::StatusCode::kPermissionDenied);
}

TEST_F(AuditLogTest, ListAuditEventsDeniesRoleOutsideRules) {
  ListRequest request;
  request.parent = "organizations/org1";

  const absl::Status status =
      List(UserCaller("org1", "acc1", ROLE_ACCOUNTANT), request).status();

  EXPECT_EQ(status.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(status.message(), HasSubstr("ROLE_ADMIN"));
}

TEST_F(AuditLogTest, ListAuditEventsAllowsServiceInAnyOrganization) {
  Principal service;
  service.set_kind(Principal::KIND_SERVICE);
  ListRequest request;
  request.parent = "organizations/org2";

  absl::StatusOr<ListPage> page = List(service, request);

  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_EQ(page->audit_events.size(), 1u);
  EXPECT_EQ(page->audit_events[0].action(), "OtherOrganization");
}

}  // namespace
}  // namespace ironorg::audit_log

#include "common/grant_table.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/scoped_temp_dir.h"
#include "tests/testing/test_support.h"

namespace ironorg {
namespace {

using ::ironorg::test::CountRows;
using ::ironorg::test::ScopedTempDir;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr char kOrganization[] = "org1";
constexpr char kResource[] = "w1";
constexpr char kUser[] = "organizations/org1/users/user1";

// A resource table and a grant table shaped like those of the projects and
// clusters stores, with the bookkeeping tables of common/store_records.h.
const std::vector<std::string> kMigrations = {R"sql(
CREATE TABLE widgets (id TEXT PRIMARY KEY, organization_id TEXT NOT NULL);
CREATE TABLE widget_grants (
  widget_id TEXT NOT NULL REFERENCES widgets (id) ON DELETE CASCADE,
  user_name TEXT NOT NULL,
  create_time INTEGER NOT NULL,
  PRIMARY KEY (widget_id, user_name)
);
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
CREATE TABLE outbox (
  sequence INTEGER PRIMARY KEY AUTOINCREMENT,
  type TEXT NOT NULL,
  resource TEXT NOT NULL,
  user_name TEXT NOT NULL,
  organization_id TEXT NOT NULL,
  create_time INTEGER NOT NULL
);
INSERT INTO widgets (id, organization_id) VALUES ('w1', 'org1');
INSERT INTO widgets (id, organization_id) VALUES ('w2', 'org1');
)sql"};

GrantSchema WidgetGrantSchema() {
  GrantSchema schema;
  schema.resource_kind = "widget";
  schema.resource_table = "widgets";
  schema.grant_table = "widget_grants";
  schema.resource_column = "widget_id";
  schema.granted_event = "widget.access_granted";
  schema.revoked_event = "widget.access_revoked";
  return schema;
}

Mutation MakeMutation(absl::string_view action) {
  return Mutation{"organizations/org1/users/admin", std::string(action),
                  /*request_id=*/"", 1700000000000000};
}

class GrantTableTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(directory_.path().empty());
    absl::StatusOr<std::unique_ptr<sqlite::Database>> database =
        sqlite::Database::Open(DatabasePath(), kMigrations);
    ASSERT_TRUE(database.ok()) << database.status();
    database_ = *std::move(database);
  }

  std::string DatabasePath() const { return directory_.File("grants.db"); }

  absl::StatusOr<bool> Grant(absl::string_view resource_id) {
    return grants_.Grant(*database_, kOrganization, resource_id, kUser,
                         MakeMutation("GrantWidgetAccess"));
  }

  absl::StatusOr<bool> Revoke(absl::string_view resource_id) {
    return grants_.Revoke(*database_, kOrganization, resource_id, kUser,
                          MakeMutation("RevokeWidgetAccess"));
  }

  // Returns the first column of every row of `sql`, with `user_name`
  // bound to ?1 when the query has that parameter.
  std::vector<std::string> SelectTexts(const std::string& sql,
                                       absl::string_view user_name = "") {
    std::vector<std::string> texts;
    absl::Status status = database_->Read([&](sqlite::Connection& connection) {
      absl::StatusOr<sqlite::Statement*> select = connection.Prepare(sql);
      if (!select.ok()) {
        return select.status();
      }
      if (!user_name.empty()) {
        (*select)->Bind(1, user_name);
      }
      for (;;) {
        absl::StatusOr<bool> row = (*select)->Step();
        if (!row.ok()) {
          return row.status();
        }
        if (!*row) {
          return absl::OkStatus();
        }
        texts.push_back((*select)->ColumnText(0));
      }
    });
    EXPECT_TRUE(status.ok()) << status;
    return texts;
  }

  // Returns "<type> <resource> <user_name>" for every outbox row in order.
  std::vector<std::string> OutboxEvents() {
    return SelectTexts(
        "SELECT type || ' ' || resource || ' ' || user_name FROM outbox "
        "ORDER BY sequence");
  }

  ScopedTempDir directory_;
  std::unique_ptr<sqlite::Database> database_;
  const GrantTable grants_{WidgetGrantSchema()};
};

TEST_F(GrantTableTest, GrantTwiceStoresOneGrant) {
  absl::StatusOr<bool> first = Grant(kResource);
  absl::StatusOr<bool> second = Grant(kResource);

  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_TRUE(*first);
  EXPECT_FALSE(*second);
  EXPECT_EQ(CountRows(DatabasePath(), "widget_grants"), 1);
  EXPECT_EQ(CountRows(DatabasePath(), "audit_events"), 1);
  EXPECT_EQ(CountRows(DatabasePath(), "outbox"), 1);
}

TEST_F(GrantTableTest, GrantWritesOutboxEventNamingUser) {
  ASSERT_TRUE(Grant(kResource).ok());

  EXPECT_THAT(OutboxEvents(),
              ElementsAre("widget.access_granted organizations/org1/widgets/w1 "
                          "organizations/org1/users/user1"));
}

TEST_F(GrantTableTest, GrantOnMissingResourceIsNotFound) {
  absl::StatusOr<bool> granted = Grant("missing");

  EXPECT_EQ(granted.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(granted.status().message(),
              HasSubstr("widget \"organizations/org1/widgets/missing\""));
  EXPECT_EQ(CountRows(DatabasePath(), "widget_grants"), 0);
  EXPECT_EQ(CountRows(DatabasePath(), "audit_events"), 0);
}

TEST_F(GrantTableTest, GrantInOtherOrganizationIsNotFound) {
  absl::StatusOr<bool> granted = grants_.Grant(
      *database_, "org2", kResource, kUser, MakeMutation("GrantWidgetAccess"));

  EXPECT_EQ(granted.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(CountRows(DatabasePath(), "widget_grants"), 0);
}

TEST_F(GrantTableTest, RevokeRemovesGrantAndRecordsIt) {
  ASSERT_TRUE(Grant(kResource).ok());

  absl::StatusOr<bool> revoked = Revoke(kResource);
  absl::StatusOr<bool> has_grant =
      grants_.HasGrant(*database_, kOrganization, kResource, kUser);

  ASSERT_TRUE(revoked.ok()) << revoked.status();
  EXPECT_TRUE(*revoked);
  ASSERT_TRUE(has_grant.ok()) << has_grant.status();
  EXPECT_FALSE(*has_grant);
  EXPECT_EQ(CountRows(DatabasePath(), "audit_events"), 2);
  EXPECT_THAT(OutboxEvents(),
              ElementsAre("widget.access_granted organizations/org1/widgets/w1 "
                          "organizations/org1/users/user1",
                          "widget.access_revoked organizations/org1/widgets/w1 "
                          "organizations/org1/users/user1"));
}

TEST_F(GrantTableTest, RevokeOfMissingGrantWritesNothing) {
  absl::StatusOr<bool> revoked = Revoke(kResource);

  ASSERT_TRUE(revoked.ok()) << revoked.status();
  EXPECT_FALSE(*revoked);
  EXPECT_EQ(CountRows(DatabasePath(), "audit_events"), 0);
  EXPECT_EQ(CountRows(DatabasePath(), "outbox"), 0);
}

TEST_F(GrantTableTest, RevokeOnMissingResourceIsNotFound) {
  absl::StatusOr<bool> revoked = Revoke("missing");

  EXPECT_EQ(revoked.status().code(), absl::StatusCode::kNotFound);
}

TEST_F(GrantTableTest, HasGrantIsFalseInOtherOrganization) {
  ASSERT_TRUE(Grant(kResource).ok());

  absl::StatusOr<bool> same_organization =
      grants_.HasGrant(*database_, kOrganization, kResource, kUser);
  absl::StatusOr<bool> other_organization =
      grants_.HasGrant(*database_, "org2", kResource, kUser);

  ASSERT_TRUE(same_organization.ok()) << same_organization.status();
  EXPECT_TRUE(*same_organization);
  ASSERT_TRUE(other_organization.ok()) << other_organization.status();
  EXPECT_FALSE(*other_organization);
}

TEST_F(GrantTableTest, GrantedIdsSubquerySelectsOnlyGrantedIds) {
  ASSERT_TRUE(Grant(kResource).ok());

  const std::vector<std::string> ids = SelectTexts(
      absl::StrCat("SELECT id FROM widgets WHERE id IN (",
                   grants_.GrantedIdsSubquery("?1"), ") ORDER BY id"),
      kUser);

  EXPECT_THAT(ids, ElementsAre("w1"));
}

}  // namespace
}  // namespace ironorg

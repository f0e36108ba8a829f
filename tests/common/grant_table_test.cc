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
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr char kOrganization[] = "org1";
constexpr char kResource[] = "w1";
constexpr char kUser[] = "organizations/org1/users/user1";
constexpr char kOtherUser[] = "organizations/org1/users/user2";

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
INSERT INTO widgets (id, organization_id) VALUES ('w3', 'org1');
INSERT INTO widgets (id, organization_id) VALUES ('x1', 'org2');
)sql",
                                              kDeletedUsersTableSql};

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

  absl::StatusOr<bool> GrantTo(absl::string_view resource_id,
                               absl::string_view user_name) {
    return grants_.Grant(*database_, kOrganization, resource_id, user_name,
                         MakeMutation("GrantWidgetAccess"));
  }

  absl::StatusOr<GrantSetResult> SetUserGrants(
      const std::vector<std::string>& resource_ids) {
    return grants_.SetUserGrants(*database_, kOrganization, kUser, resource_ids,
                                 MakeMutation("SetUserWidgets"));
  }

  // Returns the ids of the resources granted to `user_name`, in id order.
  std::vector<std::string> GrantedIds(absl::string_view user_name = kUser) {
    return SelectTexts(
        "SELECT widget_id FROM widget_grants WHERE user_name = ?1 "
        "ORDER BY widget_id",
        user_name);
  }

  // Returns "<action> <resource>" for every audit event in order.
  std::vector<std::string> AuditEvents() {
    return SelectTexts(
        "SELECT action || ' ' || resource FROM audit_events "
        "ORDER BY sequence");
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

TEST_F(GrantTableTest, CheckResourcesExistNamesFirstMissing) {
  absl::Status all = grants_.CheckResourcesExist(*database_, kOrganization,
                                                 {"w1", "w2", "w3"});
  absl::Status missing = grants_.CheckResourcesExist(*database_, kOrganization,
                                                     {"w1", "gone1", "gone2"});

  EXPECT_TRUE(all.ok()) << all;
  EXPECT_EQ(missing.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(missing.message(),
              HasSubstr("\"organizations/org1/widgets/gone1\""));
}

TEST_F(GrantTableTest, ListMembersPagesInUserOrder) {
  for (const char* user :
       {"organizations/org1/users/c", "organizations/org1/users/a",
        "organizations/org1/users/b"}) {
    ASSERT_TRUE(GrantTo(kResource, user).ok());
  }
  ASSERT_TRUE(GrantTo("w2", "organizations/org1/users/z").ok());

  absl::StatusOr<GrantMemberPage> first =
      grants_.ListMembers(*database_, kOrganization, kResource, "", 2);
  ASSERT_TRUE(first.ok()) << first.status();
  absl::StatusOr<GrantMemberPage> second = grants_.ListMembers(
      *database_, kOrganization, kResource, first->user_names.back(), 2);

  EXPECT_THAT(first->user_names, ElementsAre("organizations/org1/users/a",
                                             "organizations/org1/users/b"));
  EXPECT_TRUE(first->has_more);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_THAT(second->user_names, ElementsAre("organizations/org1/users/c"));
  EXPECT_FALSE(second->has_more);
}

TEST_F(GrantTableTest, ListMembersOfResourceWithoutGrantsIsEmpty) {
  absl::StatusOr<GrantMemberPage> page =
      grants_.ListMembers(*database_, kOrganization, "w3", "", 10);

  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_TRUE(page->user_names.empty());
  EXPECT_FALSE(page->has_more);
}

TEST_F(GrantTableTest, ListMembersOfMissingResourceIsNotFound) {
  absl::StatusOr<GrantMemberPage> missing =
      grants_.ListMembers(*database_, kOrganization, "missing", "", 10);
  absl::StatusOr<GrantMemberPage> other_organization =
      grants_.ListMembers(*database_, "org2", kResource, "", 10);

  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(other_organization.status().code(), absl::StatusCode::kNotFound);
}

TEST_F(GrantTableTest, SetUserGrantsReplacesWholeSet) {
  ASSERT_TRUE(Grant("w1").ok());
  ASSERT_TRUE(Grant("w2").ok());

  absl::StatusOr<GrantSetResult> result = SetUserGrants({"w3", "w2"});

  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_THAT(result->resource_names,
              ElementsAre("organizations/org1/widgets/w2",
                          "organizations/org1/widgets/w3"));
  EXPECT_EQ(result->added, 1);
  EXPECT_EQ(result->removed, 1);
  EXPECT_THAT(GrantedIds(), ElementsAre("w2", "w3"));
}

TEST_F(GrantTableTest, SetUserGrantsRecordsEachChange) {
  ASSERT_TRUE(Grant("w1").ok());

  ASSERT_TRUE(SetUserGrants({"w2", "w3"}).ok());

  EXPECT_THAT(OutboxEvents(),
              ElementsAre("widget.access_granted organizations/org1/widgets/w1 "
                          "organizations/org1/users/user1",
                          "widget.access_revoked organizations/org1/widgets/w1 "
                          "organizations/org1/users/user1",
                          "widget.access_granted organizations/org1/widgets/w2 "
                          "organizations/org1/users/user1",
                          "widget.access_granted organizations/org1/widgets/w3 "
                          "organizations/org1/users/user1"));
  EXPECT_THAT(AuditEvents(),
              ElementsAre("GrantWidgetAccess organizations/org1/widgets/w1",
                          "SetUserWidgets organizations/org1/users/user1"));
}

TEST_F(GrantTableTest, SetUserGrantsWithMissingResourceChangesNothing) {
  ASSERT_TRUE(Grant("w1").ok());

  absl::StatusOr<GrantSetResult> result =
      SetUserGrants({"w2", "missing", "gone"});

  EXPECT_EQ(result.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(result.status().message(),
              HasSubstr("\"organizations/org1/widgets/missing\""));
  EXPECT_THAT(GrantedIds(), ElementsAre("w1"));
  EXPECT_EQ(CountRows(DatabasePath(), "outbox"), 1);
  EXPECT_EQ(CountRows(DatabasePath(), "audit_events"), 1);
}

TEST_F(GrantTableTest, SetUserGrantsRejectsResourceOfOtherOrganization) {
  absl::StatusOr<GrantSetResult> result = SetUserGrants({"w1", "x1"});

  EXPECT_EQ(result.status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(GrantedIds().empty());
}

TEST_F(GrantTableTest, SetUserGrantsCountsRepeatedIdsOnce) {
  absl::StatusOr<GrantSetResult> result = SetUserGrants({"w2", "w1", "w2"});

  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_THAT(result->resource_names,
              ElementsAre("organizations/org1/widgets/w1",
                          "organizations/org1/widgets/w2"));
  EXPECT_EQ(result->added, 2);
  EXPECT_THAT(GrantedIds(), ElementsAre("w1", "w2"));
  EXPECT_EQ(CountRows(DatabasePath(), "outbox"), 2);
}

TEST_F(GrantTableTest, SetUserGrantsWithSameSetWritesNothing) {
  ASSERT_TRUE(Grant("w1").ok());

  absl::StatusOr<GrantSetResult> result = SetUserGrants({"w1"});

  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->added, 0);
  EXPECT_EQ(result->removed, 0);
  EXPECT_THAT(result->resource_names,
              ElementsAre("organizations/org1/widgets/w1"));
  EXPECT_EQ(CountRows(DatabasePath(), "outbox"), 1);
  EXPECT_EQ(CountRows(DatabasePath(), "audit_events"), 1);
}

TEST_F(GrantTableTest, SetUserGrantsEmptyKeepsOtherUsers) {
  ASSERT_TRUE(Grant("w1").ok());
  ASSERT_TRUE(Grant("w2").ok());
  ASSERT_TRUE(GrantTo("w1", kOtherUser).ok());

  absl::StatusOr<GrantSetResult> result = SetUserGrants({});

  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_TRUE(result->resource_names.empty());
  EXPECT_EQ(result->removed, 2);
  EXPECT_TRUE(GrantedIds().empty());
  EXPECT_THAT(GrantedIds(kOtherUser), ElementsAre("w1"));
}

TEST_F(GrantTableTest, RemoveUserGrantsRemovesAndRecordsEachGrant) {
  ASSERT_TRUE(Grant("w1").ok());
  ASSERT_TRUE(Grant("w3").ok());
  ASSERT_TRUE(GrantTo("w1", kOtherUser).ok());
  int removed = -1;

  absl::Status status = database_->Write([&](sqlite::Connection& connection) {
    absl::StatusOr<int> count = grants_.RemoveUserGrants(
        connection, kOrganization, kUser, MakeMutation("DeleteUser"));
    if (!count.ok()) {
      return count.status();
    }
    removed = *count;
    return absl::OkStatus();
  });

  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(removed, 2);
  EXPECT_TRUE(GrantedIds().empty());
  EXPECT_THAT(GrantedIds(kOtherUser), ElementsAre("w1"));
  const std::vector<std::string> events = OutboxEvents();
  ASSERT_EQ(events.size(), 5u);
  EXPECT_EQ(events[3],
            "widget.access_revoked organizations/org1/widgets/w1 "
            "organizations/org1/users/user1");
  EXPECT_EQ(events[4],
            "widget.access_revoked organizations/org1/widgets/w3 "
            "organizations/org1/users/user1");
  EXPECT_THAT(AuditEvents(),
              Contains("DeleteUser organizations/org1/users/user1"));
  EXPECT_EQ(CountRows(DatabasePath(), "audit_events"), 4);
}

TEST_F(GrantTableTest, RemoveUserGrantsWithoutGrantsWritesNothing) {
  absl::StatusOr<int> removed = 0;

  absl::Status status = database_->Write([&](sqlite::Connection& connection) {
    removed = grants_.RemoveUserGrants(connection, kOrganization, kUser,
                                       MakeMutation("DeleteUser"));
    return removed.status();
  });

  ASSERT_TRUE(status.ok()) << status;
  ASSERT_TRUE(removed.ok()) << removed.status();
  EXPECT_EQ(*removed, 0);
  EXPECT_EQ(CountRows(DatabasePath(), "audit_events"), 0);
  EXPECT_EQ(CountRows(DatabasePath(), "outbox"), 0);
}

TEST_F(GrantTableTest, RemoveUserGrantsRollsBackWithCallerTransaction) {
  ASSERT_TRUE(Grant("w1").ok());

  absl::Status status = database_->Write([&](sqlite::Connection& connection) {
    absl::StatusOr<int> removed = grants_.RemoveUserGrants(
        connection, kOrganization, kUser, MakeMutation("DeleteUser"));
    EXPECT_TRUE(removed.ok()) << removed.status();
    return absl::AbortedError("the caller's later step failed");
  });

  EXPECT_EQ(status.code(), absl::StatusCode::kAborted);
  EXPECT_THAT(GrantedIds(), ElementsAre("w1"));
  EXPECT_EQ(CountRows(DatabasePath(), "outbox"), 1);
}

TEST_F(GrantTableTest, GrantToRemovedUserIsNotFound) {
  absl::Status status = database_->Write([&](sqlite::Connection& connection) {
    return grants_
        .RemoveUserGrants(connection, kOrganization, kUser,
                          MakeMutation("DeleteUser"))
        .status();
  });
  ASSERT_TRUE(status.ok()) << status;

  const absl::StatusOr<bool> granted = Grant("w1");
  const absl::StatusOr<GrantSetResult> set = SetUserGrants({"w2"});

  EXPECT_EQ(granted.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(granted.status().message(), HasSubstr(kUser));
  EXPECT_EQ(set.status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(GrantedIds().empty());
  EXPECT_EQ(CountRows(DatabasePath(), "outbox"), 0);
}

TEST_F(GrantTableTest, EmptySetForRemovedUserSucceeds) {
  absl::Status status = database_->Write([&](sqlite::Connection& connection) {
    return grants_
        .RemoveUserGrants(connection, kOrganization, kUser,
                          MakeMutation("DeleteUser"))
        .status();
  });
  ASSERT_TRUE(status.ok()) << status;

  const absl::StatusOr<GrantSetResult> set = SetUserGrants({});

  EXPECT_TRUE(set.ok()) << set.status();
}

TEST_F(GrantTableTest, RemoveUserGrantsTwiceRemovesOnce) {
  ASSERT_TRUE(Grant("w1").ok());
  std::vector<int> removed;

  for (int i = 0; i < 2; ++i) {
    absl::Status status =
        database_->Write([&](sqlite::Connection& connection) -> absl::Status {
          absl::StatusOr<int> count = grants_.RemoveUserGrants(
              connection, kOrganization, kUser, MakeMutation("DeleteUser"));
          if (!count.ok()) {
            return count.status();
          }
          removed.push_back(*count);
          return absl::OkStatus();
        });
    ASSERT_TRUE(status.ok()) << status;
  }

  EXPECT_THAT(removed, ElementsAre(1, 0));
  EXPECT_EQ(CountRows(DatabasePath(), "outbox"), 2);
}

TEST_F(GrantTableTest, DeleteResourceGrantsRemovesEveryGrantOnIt) {
  ASSERT_TRUE(Grant("w1").ok());
  ASSERT_TRUE(Grant("w2").ok());
  ASSERT_TRUE(GrantTo("w1", kOtherUser).ok());
  int removed = -1;

  absl::Status status = database_->Write([&](sqlite::Connection& connection) {
    absl::StatusOr<int> count = grants_.DeleteResourceGrants(connection, "w1");
    if (!count.ok()) {
      return count.status();
    }
    removed = *count;
    return absl::OkStatus();
  });

  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(removed, 2);
  EXPECT_THAT(GrantedIds(), ElementsAre("w2"));
  EXPECT_TRUE(GrantedIds(kOtherUser).empty());
}

}  // namespace
}  // namespace ironorg

#include "services/identity/identity_store.h"

#include <filesystem>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ironorg/identity/v1/user.pb.h"
#include "tests/testing/scoped_temp_dir.h"

namespace ironorg::identity {
namespace {

using ::ironorg::test::ScopedTempDir;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr int64_t kNow = 1'700'000'000'000'000;

OrganizationRecord NewOrganization(const std::string& id) {
  OrganizationRecord organization;
  organization.id = id;
  organization.display_name = absl::StrCat("Organization ", id);
  organization.create_time = kNow;
  organization.update_time = kNow;
  organization.revision = 1;
  return organization;
}

UserRecord NewUser(const std::string& organization_id, const std::string& id,
                   const std::string& email, v1::Role role) {
  UserRecord user;
  user.id = id;
  user.organization_id = organization_id;
  user.email = email;
  user.display_name = absl::StrCat("User ", id);
  user.role = role;
  user.password_hash = "$argon2id$stand-in";
  user.create_time = kNow;
  user.update_time = kNow;
  user.revision = 1;
  return user;
}

AuditRecord NewAudit(const std::string& id, const std::string& organization_id,
                     const std::string& resource) {
  AuditRecord event;
  event.id = id;
  event.organization_id = organization_id;
  event.actor = "operator";
  event.action = "CreateUser";
  event.resource = resource;
  event.create_time = kNow;
  return event;
}

class IdentityStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = directory_.File(kDatabaseFileName);
    Reopen();
    // Every test starts with organization "o1" and its admin "admin".
    ASSERT_TRUE(
        store_
            ->CreateOrganization(
                NewOrganization("o1"),
                NewUser("o1", "admin", "admin@example.com", v1::ROLE_ADMIN),
                RequestKey{}, {NewAudit("e0", "o1", "organizations/o1")})
            .ok());
  }

  void Reopen() {
    store_.reset();
    absl::StatusOr<std::unique_ptr<IdentityStore>> store =
        IdentityStore::Open(path_);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
  }

  // Returns the ids of one ListUsers page of "o1", or an empty list after
  // a failed check.
  std::vector<std::string> ListIds(int role, const std::string& after_id,
                                   int limit) {
    absl::StatusOr<std::vector<UserRecord>> users =
        store_->ListUsers("o1", role, after_id, limit);
    EXPECT_TRUE(users.ok()) << users.status();
    std::vector<std::string> ids;
    if (users.ok()) {
      for (const UserRecord& user : *users) {
        ids.push_back(user.id);
      }
    }
    return ids;
  }

  ScopedTempDir directory_;
  std::string path_;
  std::unique_ptr<IdentityStore> store_;
};

TEST_F(IdentityStoreTest, OpenUsesWalMode) {
  EXPECT_TRUE(std::filesystem::exists(path_ + "-wal"));
}

TEST_F(IdentityStoreTest, CreateOrganizationStoresOrganizationAndAdmin) {
  absl::StatusOr<OrganizationRecord> organization =
      store_->GetOrganization("o1");
  ASSERT_TRUE(organization.ok()) << organization.status();
  EXPECT_EQ(organization->display_name, "Organization o1");
  EXPECT_EQ(organization->revision, 1);

  absl::StatusOr<UserRecord> admin = store_->GetUser("o1", "admin");
  ASSERT_TRUE(admin.ok()) << admin.status();
  EXPECT_EQ(admin->email, "admin@example.com");
  EXPECT_EQ(admin->role, v1::ROLE_ADMIN);
}

TEST_F(IdentityStoreTest, CreateOrganizationWritesAuditAndOutbox) {
  absl::StatusOr<std::vector<AuditRecord>> events =
      store_->ListAuditRecords("o1");
  ASSERT_TRUE(events.ok()) << events.status();
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ((*events)[0].resource, "organizations/o1");

  absl::StatusOr<int64_t> outbox = store_->CountOutbox();
  ASSERT_TRUE(outbox.ok()) << outbox.status();
  EXPECT_EQ(*outbox, 1);
}

TEST_F(IdentityStoreTest, CreateUserRejectsDuplicateEmail) {
  absl::StatusOr<CreateOutcome> created = store_->CreateUser(
      NewUser("o1", "u2", "admin@example.com", v1::ROLE_DEVELOPER),
      RequestKey{"operator", "CreateUser", "r1"},
      NewAudit("e1", "o1", "organizations/o1/users/u2"));

  EXPECT_EQ(created.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(created.status().message(),
            "a user with email \"admin@example.com\" already exists");
  EXPECT_EQ(store_->GetUser("o1", "u2").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(*store_->CountOutbox(), 1);
  EXPECT_EQ(store_->ListAuditRecords("o1")->size(), 1u);
  EXPECT_FALSE(
      store_->FindRequest({"operator", "CreateUser", "r1"})->has_value());
}

TEST_F(IdentityStoreTest, CreateUserRejectsMissingOrganization) {
  absl::StatusOr<CreateOutcome> created = store_->CreateUser(
      NewUser("missing", "u2", "u2@example.com", v1::ROLE_DEVELOPER),
      RequestKey{},
      NewAudit("e1", "missing", "organizations/missing/users/u2"));

  EXPECT_EQ(created.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(created.status().message(), HasSubstr("organizations/missing"));
}

TEST_F(IdentityStoreTest, CreateUserReplaysRequestId) {
  const RequestKey key{"organizations/o1/users/admin", "CreateUser", "r1"};
  absl::StatusOr<CreateOutcome> first = store_->CreateUser(
      NewUser("o1", "u2", "u2@example.com", v1::ROLE_DEVELOPER), key,
      NewAudit("e1", "o1", "organizations/o1/users/u2"));
  ASSERT_TRUE(first.ok()) << first.status();
  absl::StatusOr<CreateOutcome> second = store_->CreateUser(
      NewUser("o1", "u3", "u3@example.com", v1::ROLE_DEVELOPER), key,
      NewAudit("e2", "o1", "organizations/o1/users/u3"));
  ASSERT_TRUE(second.ok()) << second.status();

  EXPECT_FALSE(first->replayed);
  EXPECT_TRUE(second->replayed);
  EXPECT_EQ(second->resource, "organizations/o1/users/u2");
  EXPECT_EQ(store_->GetUser("o1", "u3").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(*store_->FindRequest(key), "organizations/o1/users/u2");
}

TEST_F(IdentityStoreTest, RequestIdsAreScopedByCaller) {
  ASSERT_TRUE(store_
                  ->CreateUser(
                      NewUser("o1", "u2", "u2@example.com", v1::ROLE_DEVELOPER),
                      RequestKey{"caller-a", "CreateUser", "r1"},
                      NewAudit("e1", "o1", "organizations/o1/users/u2"))
                  .ok());
  absl::StatusOr<CreateOutcome> other = store_->CreateUser(
      NewUser("o1", "u3", "u3@example.com", v1::ROLE_DEVELOPER),
      RequestKey{"caller-b", "CreateUser", "r1"},
      NewAudit("e2", "o1", "organizations/o1/users/u3"));

  ASSERT_TRUE(other.ok()) << other.status();
  EXPECT_FALSE(other->replayed);
  EXPECT_TRUE(store_->GetUser("o1", "u3").ok());
}

TEST_F(IdentityStoreTest, GetUserRequiresMatchingOrganization) {
  ASSERT_TRUE(
      store_
          ->CreateOrganization(
              NewOrganization("o2"),
              NewUser("o2", "other", "other@example.com", v1::ROLE_ADMIN),
              RequestKey{}, {})
          .ok());

  EXPECT_EQ(store_->GetUser("o1", "other").status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(IdentityStoreTest, ListUsersPagesByIdWithRoleFilter) {
  for (const char* id : {"d1", "a2", "d3", "c4"}) {
    const v1::Role role = id[0] == 'd'   ? v1::ROLE_DEVELOPER
                          : id[0] == 'c' ? v1::ROLE_ACCOUNTANT
                                         : v1::ROLE_ADMIN;
    ASSERT_TRUE(
        store_
            ->CreateUser(NewUser("o1", id, absl::StrCat(id, "@e.com"), role),
                         RequestKey{},
                         NewAudit(absl::StrCat("e-", id), "o1", id))
            .ok());
  }

  const std::vector<std::string> first_page = ListIds(0, "", 3);
  const std::vector<std::string> second_page = ListIds(0, "c4", 3);
  const std::vector<std::string> developers =
      ListIds(v1::ROLE_DEVELOPER, "", 10);

  EXPECT_THAT(first_page, ElementsAre("a2", "admin", "c4"));
  EXPECT_THAT(second_page, ElementsAre("d1", "d3"));
  EXPECT_THAT(developers, ElementsAre("d1", "d3"));
}

TEST_F(IdentityStoreTest, ListUsersRejectsMissingOrganization) {
  EXPECT_EQ(store_->ListUsers("missing", 0, "", 10).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(IdentityStoreTest, FindTokenByHashReturnsTokenAndOwner) {
  TokenRecord token;
  token.id = "t1";
  token.user_id = "admin";
  token.kind = kAccessTokenKind;
  token.token_hash = "hash-1";
  token.expire_time = kNow + 1;
  token.create_time = kNow;
  ASSERT_TRUE(
      store_
          ->CreateToken(token, std::nullopt,
                        NewAudit("e1", "o1", "organizations/o1/users/admin"))
          .ok());

  absl::StatusOr<std::optional<TokenOwner>> found =
      store_->FindTokenByHash("hash-1");
  ASSERT_TRUE(found.ok()) << found.status();
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->token.id, "t1");
  EXPECT_EQ((*found)->token.kind, kAccessTokenKind);
  EXPECT_EQ((*found)->token.expire_time, kNow + 1);
  EXPECT_FALSE((*found)->token.revoke_time.has_value());
  EXPECT_EQ((*found)->user.id, "admin");
  EXPECT_FALSE(store_->FindTokenByHash("hash-2")->has_value());
}

TEST_F(IdentityStoreTest, CreateTokenRejectsMissingUser) {
  TokenRecord token;
  token.id = "t1";
  token.user_id = "missing";
  token.kind = kAccessTokenKind;
  token.token_hash = "hash-1";
  token.create_time = kNow;

  EXPECT_EQ(store_->CreateToken(token, std::nullopt, NewAudit("e1", "o1", "x"))
                .code(),
            absl::StatusCode::kNotFound);
  EXPECT_FALSE(store_->FindTokenByHash("hash-1")->has_value());
}

TEST_F(IdentityStoreTest, CreateTokenRehashesOnlyUnchangedHash) {
  TokenRecord token;
  token.id = "t1";
  token.user_id = "admin";
  token.kind = kAccessTokenKind;
  token.token_hash = "hash-1";
  token.create_time = kNow;
  ASSERT_TRUE(store_
                  ->CreateToken(token,
                                PasswordRehash{"$argon2id$stand-in", "new"},
                                NewAudit("e1", "o1", "x"))
                  .ok());
  token.id = "t2";
  token.token_hash = "hash-2";
  ASSERT_TRUE(store_
                  ->CreateToken(token, PasswordRehash{"stale", "newer"},
                                NewAudit("e2", "o1", "x"))
                  .ok());

  absl::StatusOr<UserRecord> admin = store_->GetUser("o1", "admin");
  ASSERT_TRUE(admin.ok()) << admin.status();
  EXPECT_EQ(admin->password_hash, "new");
  EXPECT_EQ(admin->revision, 1);
}

TEST_F(IdentityStoreTest, DataSurvivesReopen) {
  ASSERT_TRUE(
      store_
          ->CreateUser(
              NewUser("o1", "u2", "u2@example.com", v1::ROLE_ACCOUNTANT),
              RequestKey{"operator", "CreateUser", "r1"},
              NewAudit("e1", "o1", "organizations/o1/users/u2"))
          .ok());

  Reopen();

  absl::StatusOr<UserRecord> user = store_->GetUser("o1", "u2");
  ASSERT_TRUE(user.ok()) << user.status();
  EXPECT_EQ(user->role, v1::ROLE_ACCOUNTANT);
  absl::StatusOr<std::optional<UserRecord>> by_email =
      store_->FindUserByEmail("u2@example.com");
  ASSERT_TRUE(by_email.ok()) << by_email.status();
  EXPECT_TRUE(by_email->has_value());
  EXPECT_EQ(*store_->FindRequest({"operator", "CreateUser", "r1"}),
            "organizations/o1/users/u2");
  EXPECT_TRUE(store_->GetOrganization("o1").ok());
}

TEST_F(IdentityStoreTest, OpenRejectsNewerSchema) {
  store_.reset();
  std::vector<std::string> newer = IdentityStore::Migrations();
  newer.push_back("CREATE TABLE later (id TEXT PRIMARY KEY);");
  ASSERT_TRUE(sqlite::Database::Open(path_, newer).ok());

  absl::StatusOr<std::unique_ptr<IdentityStore>> store =
      IdentityStore::Open(path_);

  EXPECT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition);
}

// Inserts the token `id` of kind `kind` for user `user_id`, or fails the
// test.
void InsertToken(IdentityStore& store, const std::string& user_id,
                 const std::string& id, const char* kind) {
  TokenRecord token;
  token.id = id;
  token.user_id = user_id;
  token.kind = kind;
  token.token_hash = absl::StrCat("hash-", id);
  token.create_time = kNow;
  if (std::string(kind) == kApiTokenKind) {
    ASSERT_TRUE(store
                    .CreateApiToken("o1", token, RequestKey{},
                                    NewAudit(absl::StrCat("e-", id), "o1", id))
                    .ok());
  } else {
    ASSERT_TRUE(store
                    .CreateToken(token, std::nullopt,
                                 NewAudit(absl::StrCat("e-", id), "o1", id))
                    .ok());
  }
}

bool IsRevoked(IdentityStore& store, const std::string& id) {
  absl::StatusOr<std::optional<TokenOwner>> found =
      store.FindTokenByHash(absl::StrCat("hash-", id));
  EXPECT_TRUE(found.ok()) << found.status();
  if (!found.ok()) {
    return false;
  }
  EXPECT_TRUE(found->has_value()) << id;
  return found->has_value() &&
         (*found)->token.revoke_time.has_value();
}

TEST_F(IdentityStoreTest, MigrationKeepsVersionOneAuditEvents) {
  store_.reset();
  const std::string old_path = directory_.File("old.db");
  {
    absl::StatusOr<std::unique_ptr<sqlite::Database>> old_database =
        sqlite::Database::Open(old_path, {IdentityStore::Migrations()[0]});
    ASSERT_TRUE(old_database.ok()) << old_database.status();
    ASSERT_TRUE((*old_database)
                    ->Write([](sqlite::Connection& connection) {
                      return connection.Execute(
                          "INSERT INTO audit_events (id, organization_id, "
                          "actor, action, resource, create_time) VALUES "
                          "('first', 'o1', 'operator', 'A', 'r', 1), "
                          "('second', 'o1', 'operator', 'B', 'r', 2)");
                    })
                    .ok());
  }

  absl::StatusOr<std::unique_ptr<IdentityStore>> store =
      IdentityStore::Open(old_path);
  ASSERT_TRUE(store.ok()) << store.status();
  absl::StatusOr<std::vector<AuditRecord>> events =
      (*store)->ListAuditRecords("o1");

  ASSERT_TRUE(events.ok()) << events.status();
  ASSERT_EQ(events->size(), 2u);
  EXPECT_EQ((*events)[0].id, "first");
  EXPECT_EQ((*events)[1].id, "second");
  EXPECT_LT((*events)[0].sequence, (*events)[1].sequence);
}

TEST_F(IdentityStoreTest, SetUserRoleRejectsDemotingLastAdmin) {
  absl::StatusOr<UserRecord> demoted = store_->SetUserRole(
      "o1", "admin", v1::ROLE_DEVELOPER, "", NewAudit("e1", "o1", "x"));

  EXPECT_EQ(demoted.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(demoted.status().message(),
            "organizations/o1/users/admin is the last ROLE_ADMIN of "
            "organizations/o1; make another user ROLE_ADMIN first");
  EXPECT_EQ(store_->GetUser("o1", "admin")->role, v1::ROLE_ADMIN);
  EXPECT_EQ(store_->ListAuditRecords("o1")->size(), 1u);
}

TEST_F(IdentityStoreTest, SetUserRoleDemotesAdminWhenAnotherRemains) {
  ASSERT_TRUE(store_
                  ->CreateUser(NewUser("o1", "u2", "u2@e.com", v1::ROLE_ADMIN),
                               RequestKey{}, NewAudit("e1", "o1", "u2"))
                  .ok());

  absl::StatusOr<UserRecord> demoted = store_->SetUserRole(
      "o1", "admin", v1::ROLE_DEVELOPER, "1", NewAudit("e2", "o1", "x"));
  absl::StatusOr<UserRecord> last = store_->SetUserRole(
      "o1", "u2", v1::ROLE_DEVELOPER, "", NewAudit("e3", "o1", "x"));

  ASSERT_TRUE(demoted.ok()) << demoted.status();
  EXPECT_EQ(demoted->role, v1::ROLE_DEVELOPER);
  EXPECT_EQ(demoted->revision, 2);
  EXPECT_EQ(last.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(store_->ListOutboxTypes()->back(), kUserRoleChangedEvent);
}

TEST_F(IdentityStoreTest, UpdateUserRejectsStaleEtag) {
  UserChanges changes;
  changes.display_name = "Renamed";

  absl::StatusOr<UserRecord> updated = store_->UpdateUser(
      "o1", "admin", changes, "2", NewAudit("e1", "o1", "x"));

  EXPECT_EQ(updated.status().code(), absl::StatusCode::kAborted);
  EXPECT_EQ(store_->GetUser("o1", "admin")->display_name, "User admin");
  EXPECT_EQ(*store_->CountOutbox(), 1);
}

TEST_F(IdentityStoreTest, UpdateUserWithStoredValuesWritesNothing) {
  UserChanges changes;
  changes.display_name = "User admin";
  changes.email = "admin@example.com";

  absl::StatusOr<UserRecord> updated = store_->UpdateUser(
      "o1", "admin", changes, "1", NewAudit("e1", "o1", "x"));

  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(updated->revision, 1);
  EXPECT_EQ(store_->ListAuditRecords("o1")->size(), 1u);
  EXPECT_EQ(*store_->CountOutbox(), 1);
}

TEST_F(IdentityStoreTest, DeleteUserRemovesTokensAndFreesEmail) {
  ASSERT_TRUE(
      store_
          ->CreateUser(NewUser("o1", "u2", "u2@e.com", v1::ROLE_DEVELOPER),
                       RequestKey{}, NewAudit("e1", "o1", "u2"))
          .ok());
  InsertToken(*store_, "u2", "t1", kAccessTokenKind);

  const absl::Status deleted =
      store_->DeleteUser("o1", "u2", "1", NewAudit("e2", "o1", "u2"));

  ASSERT_TRUE(deleted.ok()) << deleted;
  EXPECT_FALSE(store_->FindTokenByHash("hash-t1")->has_value());
  EXPECT_FALSE(store_->FindUserByEmail("u2@e.com")->has_value());
  EXPECT_EQ(store_->ListOutboxTypes()->back(), kUserDeletedEvent);
  EXPECT_TRUE(
      store_
          ->CreateUser(NewUser("o1", "u3", "u2@e.com", v1::ROLE_DEVELOPER),
                       RequestKey{}, NewAudit("e3", "o1", "u3"))
          .ok());
}

TEST_F(IdentityStoreTest, DeleteUserRejectsLastAdmin) {
  const absl::Status deleted =
      store_->DeleteUser("o1", "admin", "", NewAudit("e1", "o1", "x"));

  EXPECT_EQ(deleted.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(store_->GetUser("o1", "admin").ok());
}

TEST_F(IdentityStoreTest, SetPasswordHashRevokesAllButKeptToken) {
  InsertToken(*store_, "admin", "kept", kAccessTokenKind);
  InsertToken(*store_, "admin", "other", kAccessTokenKind);
  InsertToken(*store_, "admin", "api", kApiTokenKind);

  absl::StatusOr<UserRecord> changed = store_->SetPasswordHash(
      "o1", "admin", "new-hash", "kept", NewAudit("e1", "o1", "x"));

  ASSERT_TRUE(changed.ok()) << changed.status();
  EXPECT_EQ(changed->password_hash, "new-hash");
  EXPECT_EQ(changed->revision, 2);
  EXPECT_FALSE(IsRevoked(*store_, "kept"));
  EXPECT_TRUE(IsRevoked(*store_, "other"));
  EXPECT_TRUE(IsRevoked(*store_, "api"));
  EXPECT_EQ(store_->ListOutboxTypes()->back(), kUserTokensRevokedEvent);
}

TEST_F(IdentityStoreTest, SetPasswordHashRejectsRevokedKeptToken) {
  InsertToken(*store_, "admin", "kept", kAccessTokenKind);
  ASSERT_TRUE(store_
                  ->RevokeToken("o1", "admin", "kept", kAccessTokenKind,
                                NewAudit("e1", "o1", "x"))
                  .ok());

  absl::StatusOr<UserRecord> changed = store_->SetPasswordHash(
      "o1", "admin", "new-hash", "kept", NewAudit("e2", "o1", "x"));

  EXPECT_EQ(changed.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store_->GetUser("o1", "admin")->password_hash,
            "$argon2id$stand-in");
}

TEST_F(IdentityStoreTest, RevokeTokenKeepsFirstRevokeTime) {
  InsertToken(*store_, "admin", "api", kApiTokenKind);
  AuditRecord first_audit = NewAudit("e1", "o1", "x");
  first_audit.create_time = kNow + 10;
  AuditRecord second_audit = NewAudit("e2", "o1", "x");
  second_audit.create_time = kNow + 20;

  absl::StatusOr<TokenRecord> first =
      store_->RevokeToken("o1", "admin", "api", kApiTokenKind, first_audit);
  absl::StatusOr<TokenRecord> second =
      store_->RevokeToken("o1", "admin", "api", kApiTokenKind, second_audit);
  absl::StatusOr<TokenRecord> wrong_kind =
      store_->RevokeToken("o1", "admin", "api", kAccessTokenKind, second_audit);

  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(first->revoke_time, kNow + 10);
  EXPECT_EQ(second->revoke_time, kNow + 10);
  EXPECT_EQ(wrong_kind.status().code(), absl::StatusCode::kNotFound);
  // The organization's first event, the token's creation and one revoke.
  EXPECT_EQ(store_->ListAuditRecords("o1")->size(), 3u);
}

TEST_F(IdentityStoreTest, ApiTokenReplaysRequestIdAndListsUnrevoked) {
  TokenRecord token;
  token.id = "t1";
  token.user_id = "admin";
  token.kind = kApiTokenKind;
  token.token_hash = "hash-t1";
  token.display_name = "ci";
  token.create_time = kNow;
  const RequestKey key{"organizations/o1/users/admin", "CreateApiToken", "r1"};
  ASSERT_TRUE(
      store_->CreateApiToken("o1", token, key, NewAudit("e1", "o1", "x")).ok());
  token.id = "t2";
  token.token_hash = "hash-t2";

  absl::StatusOr<CreateOutcome> replay =
      store_->CreateApiToken("o1", token, key, NewAudit("e2", "o1", "x"));
  InsertToken(*store_, "admin", "t3", kApiTokenKind);
  InsertToken(*store_, "admin", "t4", kAccessTokenKind);
  ASSERT_TRUE(store_
                  ->RevokeToken("o1", "admin", "t3", kApiTokenKind,
                                NewAudit("e3", "o1", "x"))
                  .ok());
  absl::StatusOr<std::vector<TokenRecord>> listed =
      store_->ListApiTokens("o1", "admin", "", 10);

  ASSERT_TRUE(replay.ok()) << replay.status();
  EXPECT_TRUE(replay->replayed);
  EXPECT_EQ(replay->resource, "organizations/o1/users/admin/apiTokens/t1");
  EXPECT_EQ(store_->GetApiToken("o1", "admin", "t2").status().code(),
            absl::StatusCode::kNotFound);
  ASSERT_TRUE(listed.ok()) << listed.status();
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].id, "t1");
  EXPECT_EQ(store_->ListApiTokens("o2", "admin", "", 10).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(IdentityStoreTest, RecordTokenUseWritesOncePerInterval) {
  InsertToken(*store_, "admin", "api", kApiTokenKind);

  ASSERT_TRUE(store_->RecordTokenUse("api", kNow + 100, 60).ok());
  ASSERT_TRUE(store_->RecordTokenUse("api", kNow + 130, 60).ok());
  const std::optional<int64_t> within_interval =
      (*store_->FindTokenByHash("hash-api"))->token.last_use_time;
  ASSERT_TRUE(store_->RecordTokenUse("api", kNow + 160, 60).ok());
  const std::optional<int64_t> after_interval =
      (*store_->FindTokenByHash("hash-api"))->token.last_use_time;

  EXPECT_EQ(within_interval, kNow + 100);
  EXPECT_EQ(after_interval, kNow + 160);
}

TEST_F(IdentityStoreTest, BeginLoginAttemptLocksAtMaxFailures) {
  LoginThrottlePolicy policy;
  policy.max_failures = 3;
  policy.window_micros = 1000;
  policy.lockout_micros = 100;

  std::vector<std::optional<int64_t>> results;
  for (const int64_t now : {0, 1, 2, 3, 50, 102, 150}) {
    absl::StatusOr<std::optional<int64_t>> result =
        store_->BeginLoginAttempt("key", now, policy);
    ASSERT_TRUE(result.ok()) << result.status();
    results.push_back(*result);
  }
  ASSERT_TRUE(store_->ClearLoginFailures("key").ok());
  absl::StatusOr<std::optional<int64_t>> cleared =
      store_->BeginLoginAttempt("key", 151, policy);

  // Three attempts pass, and the third locks the key until 102. Attempts
  // during the lockout are rejected. The first one after it passes and
  // locks the key again, because the failures still fall in the window.
  EXPECT_THAT(results, ElementsAre(std::nullopt, std::nullopt, std::nullopt,
                                   102, 102, std::nullopt, 202));
  ASSERT_TRUE(cleared.ok()) << cleared.status();
  EXPECT_EQ(*cleared, std::nullopt);
  EXPECT_EQ(*store_->BeginLoginAttempt("other", 3, policy), std::nullopt);
}

TEST_F(IdentityStoreTest, BeginLoginAttemptForgetsFailuresAfterWindow) {
  LoginThrottlePolicy policy;
  policy.max_failures = 2;
  policy.window_micros = 10;
  policy.lockout_micros = 100;

  std::vector<std::optional<int64_t>> results;
  for (const int64_t now : {0, 20, 21, 22}) {
    absl::StatusOr<std::optional<int64_t>> result =
        store_->BeginLoginAttempt("key", now, policy);
    ASSERT_TRUE(result.ok()) << result.status();
    results.push_back(*result);
  }

  EXPECT_THAT(results,
              ElementsAre(std::nullopt, std::nullopt, std::nullopt, 121));
}

TEST_F(IdentityStoreTest, ListAuditEventsPagesNewestFirstWithFilters) {
  // Each token insert writes one event: e1 to e5, oldest first.
  for (int i = 1; i <= 5; ++i) {
    AuditRecord event = NewAudit(absl::StrCat("e", i), "o1",
                                 i % 2 == 0 ? "even" : "odd");
    event.actor = i <= 3 ? "early" : "late";
    TokenRecord token;
    token.id = absl::StrCat("t", i);
    token.user_id = "admin";
    token.kind = kAccessTokenKind;
    token.token_hash = absl::StrCat("hash-t", i);
    token.create_time = kNow;
    ASSERT_TRUE(store_->CreateToken(token, std::nullopt, event).ok());
  }
  auto ids = [&](AuditQuery query) {
    query.organization_id = "o1";
    std::vector<std::string> result;
    absl::StatusOr<std::vector<AuditRecord>> events =
        store_->ListAuditEvents(query);
    EXPECT_TRUE(events.ok()) << events.status();
    if (events.ok()) {
      for (const AuditRecord& event : *events) {
        result.push_back(event.id);
      }
    }
    return result;
  };

  AuditQuery first_page;
  first_page.organization_id = "o1";
  first_page.limit = 2;
  absl::StatusOr<std::vector<AuditRecord>> page =
      store_->ListAuditEvents(first_page);
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_EQ(page->size(), 2u);
  AuditQuery second_page;
  second_page.limit = 2;
  second_page.before_sequence = page->back().sequence;
  AuditQuery odd_late;
  odd_late.resource = "odd";
  odd_late.actor = "late";
  odd_late.limit = 10;
  AuditQuery early;
  early.actor = "early";
  early.limit = 10;

  EXPECT_EQ((*page)[0].id, "e5");
  EXPECT_EQ((*page)[1].id, "e4");
  EXPECT_THAT(ids(second_page), ElementsAre("e3", "e2"));
  EXPECT_THAT(ids(odd_late), ElementsAre("e5"));
  EXPECT_THAT(ids(early), ElementsAre("e3", "e2", "e1"));
}

}  // namespace
}  // namespace ironorg::identity

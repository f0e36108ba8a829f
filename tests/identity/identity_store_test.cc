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

}  // namespace
}  // namespace ironorg::identity

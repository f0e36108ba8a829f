#include "services/identity/identity_store.h"

#include <limits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/names.h"
#include "common/status_macros.h"
#include "ironorg/identity/v1/user.pb.h"

namespace ironorg::identity {
namespace {

using sqlite::Connection;
using sqlite::Statement;

// Version 1: the whole schema of the first release.
constexpr char kSchemaVersion1[] = R"sql(
CREATE TABLE organizations (
  id TEXT PRIMARY KEY,
  display_name TEXT NOT NULL,
  create_time INTEGER NOT NULL,
  update_time INTEGER NOT NULL,
  revision INTEGER NOT NULL
);

CREATE TABLE users (
  id TEXT PRIMARY KEY,
  organization_id TEXT NOT NULL REFERENCES organizations (id),
  email TEXT NOT NULL UNIQUE,
  display_name TEXT NOT NULL,
  role INTEGER NOT NULL,
  password_hash TEXT NOT NULL,
  create_time INTEGER NOT NULL,
  update_time INTEGER NOT NULL,
  revision INTEGER NOT NULL
);
CREATE INDEX users_by_organization ON users (organization_id, id);
CREATE INDEX users_by_organization_role ON users (organization_id, role, id);

CREATE TABLE tokens (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  kind TEXT NOT NULL CHECK (kind IN ('access', 'api')),
  token_hash TEXT NOT NULL UNIQUE,
  display_name TEXT NOT NULL DEFAULT '',
  expire_time INTEGER,
  create_time INTEGER NOT NULL,
  revoke_time INTEGER,
  last_use_time INTEGER
);
CREATE INDEX tokens_by_user ON tokens (user_id, kind, id);

CREATE TABLE request_ids (
  caller TEXT NOT NULL,
  method TEXT NOT NULL,
  request_id TEXT NOT NULL,
  resource TEXT NOT NULL,
  create_time INTEGER NOT NULL,
  PRIMARY KEY (caller, method, request_id)
);

CREATE TABLE audit_events (
  id TEXT PRIMARY KEY,
  organization_id TEXT NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  resource TEXT NOT NULL,
  request_id TEXT NOT NULL DEFAULT '',
  create_time INTEGER NOT NULL
);
CREATE INDEX audit_events_by_organization
  ON audit_events (organization_id, create_time, id);

CREATE TABLE outbox (
  sequence INTEGER PRIMARY KEY AUTOINCREMENT,
  type TEXT NOT NULL,
  resource TEXT NOT NULL,
  organization_id TEXT NOT NULL,
  create_time INTEGER NOT NULL
);
)sql";

// Version 2: an integer sequence that orders audit events (their ids are
// random), indexes for the audit filters, and the failed-login counters.
// SQLite cannot add a primary key to a table, so audit_events is copied
// into a new one.
constexpr char kSchemaVersion2[] = R"sql(
CREATE TABLE audit_events_v2 (
  sequence INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  organization_id TEXT NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  resource TEXT NOT NULL,
  request_id TEXT NOT NULL DEFAULT '',
  create_time INTEGER NOT NULL
);
INSERT INTO audit_events_v2
  (id, organization_id, actor, action, resource, request_id, create_time)
  SELECT id, organization_id, actor, action, resource, request_id,
         create_time
  FROM audit_events ORDER BY create_time, rowid;
DROP TABLE audit_events;
ALTER TABLE audit_events_v2 RENAME TO audit_events;
CREATE INDEX audit_events_by_organization
  ON audit_events (organization_id, sequence);
CREATE INDEX audit_events_by_actor
  ON audit_events (organization_id, actor, sequence);
CREATE INDEX audit_events_by_resource
  ON audit_events (organization_id, resource, sequence);

CREATE TABLE login_failures (
  email_key TEXT PRIMARY KEY,
  attempt_count INTEGER NOT NULL,
  window_start INTEGER NOT NULL,
  locked_until INTEGER NOT NULL
);
CREATE INDEX login_failures_by_window ON login_failures (window_start);
)sql";

// Version 3: the outbox gets the `user_name` column that every change feed
// serves (common/change_feed.h). Identity's events name the user as their
// resource, so the column stays empty here.
constexpr char kSchemaVersion3[] = R"sql(
ALTER TABLE outbox ADD COLUMN user_name TEXT NOT NULL DEFAULT '';
)sql";

// Every SELECT of users lists these columns in this order, so that
// ReadUser can read any of them.
#define IDENTITY_USER_COLUMNS                                  \
  "u.id, u.organization_id, u.email, u.display_name, u.role, " \
  "u.password_hash, u.create_time, u.update_time, u.revision"

UserRecord ReadUser(const Statement& statement, int first) {
  UserRecord user;
  user.id = statement.ColumnText(first);
  user.organization_id = statement.ColumnText(first + 1);
  user.email = statement.ColumnText(first + 2);
  user.display_name = statement.ColumnText(first + 3);
  user.role = static_cast<int>(statement.ColumnInt(first + 4));
  user.password_hash = statement.ColumnText(first + 5);
  user.create_time = statement.ColumnInt(first + 6);
  user.update_time = statement.ColumnInt(first + 7);
  user.revision = statement.ColumnInt(first + 8);
  return user;
}

// Every SELECT of tokens lists these columns in this order, for ReadToken.
#define IDENTITY_TOKEN_COLUMNS                                          \
  "t.id, t.user_id, t.kind, t.token_hash, t.display_name, "           \
  "t.expire_time, t.create_time, t.revoke_time, t.last_use_time"

std::optional<int64_t> ColumnOptionalInt(const Statement& statement,
                                         int index) {
  if (statement.ColumnIsNull(index)) {
    return std::nullopt;
  }
  return statement.ColumnInt(index);
}

TokenRecord ReadToken(const Statement& statement, int first) {
  TokenRecord token;
  token.id = statement.ColumnText(first);
  token.user_id = statement.ColumnText(first + 1);
  token.kind = statement.ColumnText(first + 2);
  token.token_hash = statement.ColumnText(first + 3);
  token.display_name = statement.ColumnText(first + 4);
  token.expire_time = ColumnOptionalInt(statement, first + 5);
  token.create_time = statement.ColumnInt(first + 6);
  token.revoke_time = ColumnOptionalInt(statement, first + 7);
  token.last_use_time = ColumnOptionalInt(statement, first + 8);
  return token;
}

AuditRecord ReadAudit(const Statement& statement) {
  AuditRecord event;
  event.id = statement.ColumnText(0);
  event.organization_id = statement.ColumnText(1);
  event.actor = statement.ColumnText(2);
  event.action = statement.ColumnText(3);
  event.resource = statement.ColumnText(4);
  event.request_id = statement.ColumnText(5);
  event.create_time = statement.ColumnInt(6);
  event.sequence = statement.ColumnInt(7);
  return event;
}

std::string UserName(const UserRecord& user) {
  return names::Child(user.organization_id, "users", user.id);
}

absl::StatusOr<std::optional<std::string>> LookupRequest(
    Connection& connection, const RequestKey& key) {
  if (key.request_id.empty()) {
    return std::optional<std::string>();
  }
  IRONORG_ASSIGN_OR_RETURN(
      Statement * statement,
      connection.Prepare("SELECT resource FROM request_ids "
                         "WHERE caller = ?1 AND method = ?2 AND "
                         "request_id = ?3"));
  statement->Bind(1, key.caller).Bind(2, key.method).Bind(3, key.request_id);
  IRONORG_ASSIGN_OR_RETURN(const bool found, statement->Step());
  if (!found) {
    return std::optional<std::string>();
  }
  return std::optional<std::string>(statement->ColumnText(0));
}

absl::Status InsertRequest(Connection& connection, const RequestKey& key,
                           absl::string_view resource, int64_t create_time) {
  if (key.request_id.empty()) {
    return absl::OkStatus();
  }
  IRONORG_ASSIGN_OR_RETURN(
      Statement * statement,
      connection.Prepare("INSERT INTO request_ids "
                         "(caller, method, request_id, resource, create_time) "
                         "VALUES (?1, ?2, ?3, ?4, ?5)"));
  return statement->Bind(1, key.caller)
      .Bind(2, key.method)
      .Bind(3, key.request_id)
      .Bind(4, resource)
      .Bind(5, create_time)
      .Run();
}

absl::Status InsertAudit(Connection& connection, const AuditRecord& event) {
  IRONORG_ASSIGN_OR_RETURN(
      Statement * statement,
      connection.Prepare("INSERT INTO audit_events (id, organization_id, "
                         "actor, action, resource, request_id, create_time) "
                         "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"));
  return statement->Bind(1, event.id)
      .Bind(2, event.organization_id)
      .Bind(3, event.actor)
      .Bind(4, event.action)
      .Bind(5, event.resource)
      .Bind(6, event.request_id)
      .Bind(7, event.create_time)
      .Run();
}

absl::Status InsertOutbox(Connection& connection, absl::string_view type,
                          const UserRecord& user, int64_t create_time) {
  IRONORG_ASSIGN_OR_RETURN(
      Statement * statement,
      connection.Prepare("INSERT INTO outbox "
                         "(type, resource, organization_id, create_time) "
                         "VALUES (?1, ?2, ?3, ?4)"));
  return statement->Bind(1, type)
      .Bind(2, UserName(user))
      .Bind(3, user.organization_id)
      .Bind(4, create_time)
      .Run();
}

// Checked before the insert, so that a duplicate gets a message naming the
// email; the UNIQUE constraint still guards the column.
absl::Status CheckEmailFree(Connection& connection, absl::string_view email) {
  IRONORG_ASSIGN_OR_RETURN(
      Statement * statement,
      connection.Prepare("SELECT 1 FROM users WHERE email = ?1"));
  statement->Bind(1, email);
  IRONORG_ASSIGN_OR_RETURN(const bool taken, statement->Step());
  if (taken) {
    return errors::AlreadyExists(
        absl::StrCat("a user with email \"", email, "\" already exists"));
  }
  return absl::OkStatus();
}

absl::Status InsertUser(Connection& connection, const UserRecord& user) {
  IRONORG_RETURN_IF_ERROR(CheckEmailFree(connection, user.email));
  IRONORG_ASSIGN_OR_RETURN(
      Statement * statement,
      connection.Prepare(
          "INSERT INTO users (id, organization_id, email, display_name, "
          "role, password_hash, create_time, update_time, revision) "
          "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"));
  IRONORG_RETURN_IF_ERROR(statement->Bind(1, user.id)
                              .Bind(2, user.organization_id)
                              .Bind(3, user.email)
                              .Bind(4, user.display_name)
                              .Bind(5, static_cast<int64_t>(user.role))
                              .Bind(6, user.password_hash)
                              .Bind(7, user.create_time)
                              .Bind(8, user.update_time)
                              .Bind(9, user.revision)
                              .Run());
  return InsertOutbox(connection, kUserCreatedEvent, user, user.create_time);
}

absl::StatusOr<bool> OrganizationExists(Connection& connection,
                                        absl::string_view id) {
  IRONORG_ASSIGN_OR_RETURN(
      Statement * statement,
      connection.Prepare("SELECT 1 FROM organizations WHERE id = ?1"));
  statement->Bind(1, id);
  return statement->Step();
}


absl::StatusOr<UserRecord> SelectUser(Connection& connection,
                                      absl::string_view organization_id,
                                      absl::string_view user_id) {
  IRONORG_ASSIGN_OR_RETURN(
      Statement * statement,
      connection.Prepare("SELECT " IDENTITY_USER_COLUMNS " FROM users u "
                         "WHERE u.organization_id = ?1 AND u.id = ?2"));
  statement->Bind(1, organization_id).Bind(2, user_id);
  IRONORG_ASSIGN_OR_RETURN(const bool found, statement->Step());
  if (!found) {
    return errors::NotFound("user",
                            names::Child(organization_id, "users", user_id));
  }
  return ReadUser(*statement, 0);
}

// An empty etag skips the check, as every etag of this suite does.
absl::Status CheckEtag(const UserRecord& user, absl::string_view etag) {
  if (!etag.empty() && etag != absl::StrCat(user.revision)) {
    return errors::StaleEtag(UserName(user), etag);
  }
  return absl::OkStatus();
}

// Rejects removing `user` from the organization's ROLE_ADMIN users when
// no other would remain. Runs inside the write transaction that makes the
// change, so two concurrent demotions of the last two Admins serialize and
// the second one counts a single Admin.
absl::Status CheckNotLastAdmin(Connection& connection,
                               const UserRecord& user) {
  if (user.role != v1::ROLE_ADMIN) {
    return absl::OkStatus();
  }
  IRONORG_ASSIGN_OR_RETURN(
      Statement * statement,
      connection.Prepare("SELECT COUNT(*) FROM users "
                         "WHERE organization_id = ?1 AND role = ?2"));
  statement->Bind(1, user.organization_id)
      .Bind(2, static_cast<int64_t>(v1::ROLE_ADMIN));
  IRONORG_ASSIGN_OR_RETURN(const bool has_row, statement->Step());
  const int64_t admins = has_row ? statement->ColumnInt(0) : 0;
  if (admins <= 1) {
    const std::string organization = names::Organization(user.organization_id);
    return errors::FailedPrecondition(absl::StrCat(
        UserName(user), " is the last ROLE_ADMIN of ", organization,
        "; make another user ROLE_ADMIN first"));
  }
  return absl::OkStatus();
}

// Writes every mutable column of `user`.
absl::Status UpdateUserRow(Connection& connection, const UserRecord& user) {
  IRONORG_ASSIGN_OR_RETURN(
      Statement * statement,
      connection.Prepare("UPDATE users SET email = ?2, display_name = ?3, "
                         "role = ?4, password_hash = ?5, update_time = ?6, "
                         "revision = ?7 WHERE id = ?1"));
  return statement->Bind(1, user.id)
      .Bind(2, user.email)
      .Bind(3, user.display_name)
      .Bind(4, static_cast<int64_t>(user.role))
      .Bind(5, user.password_hash)
      .Bind(6, user.update_time)
      .Bind(7, user.revision)
      .Run();
}

// Revokes every unrevoked token of `user_id` except `kept_token_id`.
absl::Status RevokeUserTokens(Connection& connection, absl::string_view user_id,
                              absl::string_view kept_token_id,
                              int64_t revoke_time) {
  IRONORG_ASSIGN_OR_RETURN(
      Statement * statement,
      connection.Prepare("UPDATE tokens SET revoke_time = ?3 "
                         "WHERE user_id = ?1 AND id != ?2 AND "
                         "revoke_time IS NULL"));
  return statement->Bind(1, user_id)
      .Bind(2, kept_token_id)
      .Bind(3, revoke_time)
      .Run();
}

absl::StatusOr<std::optional<TokenRecord>> SelectToken(
    Connection& connection, absl::string_view organization_id,
    absl::string_view user_id, absl::string_view token_id,
    absl::string_view kind) {
  IRONORG_ASSIGN_OR_RETURN(
      Statement * statement,
      connection.Prepare("SELECT " IDENTITY_TOKEN_COLUMNS
                         " FROM tokens t JOIN users u ON u.id = t.user_id "
                         "WHERE t.id = ?1 AND t.user_id = ?2 AND "
                         "u.organization_id = ?3 AND t.kind = ?4"));
  statement->Bind(1, token_id)
      .Bind(2, user_id)
      .Bind(3, organization_id)
      .Bind(4, kind);
  IRONORG_ASSIGN_OR_RETURN(const bool found, statement->Step());
  if (!found) {
    return std::optional<TokenRecord>();
  }
  return std::optional<TokenRecord>(ReadToken(*statement, 0));
}

std::string ApiTokenName(absl::string_view organization_id,
                         absl::string_view user_id,
                         absl::string_view token_id) {
  return absl::StrCat(names::Child(organization_id, "users", user_id),
                      "/apiTokens/", token_id);
}

}  // namespace

const std::vector<std::string>& IdentityStore::Migrations() {
  static const auto* const migrations =
      new std::vector<std::string>{kSchemaVersion1, kSchemaVersion2,
                                   kSchemaVersion3};
  return *migrations;
}

absl::StatusOr<std::unique_ptr<IdentityStore>> IdentityStore::Open(
    const std::string& path) {
  IRONORG_ASSIGN_OR_RETURN(std::unique_ptr<sqlite::Database> database,
                           sqlite::Database::Open(path, Migrations()));
  return std::unique_ptr<IdentityStore>(new IdentityStore(std::move(database)));
}

absl::StatusOr<std::optional<std::string>> IdentityStore::FindRequest(
    const RequestKey& key) {
  std::optional<std::string> resource;
  IRONORG_RETURN_IF_ERROR(
      database_->Read([&](Connection& connection) -> absl::Status {
        IRONORG_ASSIGN_OR_RETURN(resource, LookupRequest(connection, key));
        return absl::OkStatus();
      }));
  return resource;
}

absl::StatusOr<CreateOutcome> IdentityStore::CreateOrganization(
    const OrganizationRecord& organization, const UserRecord& admin,
    const RequestKey& key, const std::vector<AuditRecord>& audit_events) {
  CreateOutcome outcome;
  IRONORG_RETURN_IF_ERROR(
      database_->Write([&](Connection& connection) -> absl::Status {
        IRONORG_ASSIGN_OR_RETURN(std::optional<std::string> previous,
                                 LookupRequest(connection, key));
        if (previous.has_value()) {
          outcome.resource = *std::move(previous);
          outcome.replayed = true;
          return absl::OkStatus();
        }

        IRONORG_ASSIGN_OR_RETURN(
            Statement * statement,
            connection.Prepare("INSERT INTO organizations (id, display_name, "
                               "create_time, update_time, revision) "
                               "VALUES (?1, ?2, ?3, ?4, ?5)"));
        IRONORG_RETURN_IF_ERROR(statement->Bind(1, organization.id)
                                    .Bind(2, organization.display_name)
                                    .Bind(3, organization.create_time)
                                    .Bind(4, organization.update_time)
                                    .Bind(5, organization.revision)
                                    .Run());
        IRONORG_RETURN_IF_ERROR(InsertUser(connection, admin));
        for (const AuditRecord& event : audit_events) {
          IRONORG_RETURN_IF_ERROR(InsertAudit(connection, event));
        }

        outcome.resource = names::Organization(organization.id);
        return InsertRequest(connection, key, outcome.resource,
                             organization.create_time);
      }));
  return outcome;
}

absl::StatusOr<CreateOutcome> IdentityStore::CreateUser(
    const UserRecord& user, const RequestKey& key,
    const AuditRecord& audit_event) {
  CreateOutcome outcome;
  IRONORG_RETURN_IF_ERROR(
      database_->Write([&](Connection& connection) -> absl::Status {
        IRONORG_ASSIGN_OR_RETURN(std::optional<std::string> previous,
                                 LookupRequest(connection, key));
        if (previous.has_value()) {
          outcome.resource = *std::move(previous);
          outcome.replayed = true;
          return absl::OkStatus();
        }

        IRONORG_ASSIGN_OR_RETURN(
            const bool organization_exists,
            OrganizationExists(connection, user.organization_id));
        if (!organization_exists) {
          return errors::NotFound("organization",
                                  names::Organization(user.organization_id));
        }
        IRONORG_RETURN_IF_ERROR(InsertUser(connection, user));
        IRONORG_RETURN_IF_ERROR(InsertAudit(connection, audit_event));

        outcome.resource = UserName(user);
        return InsertRequest(connection, key, outcome.resource,
                             user.create_time);
      }));
  return outcome;
}

absl::StatusOr<OrganizationRecord> IdentityStore::GetOrganization(
    absl::string_view id) {
  OrganizationRecord organization;
  IRONORG_RETURN_IF_ERROR(
      database_->Read([&](Connection& connection) -> absl::Status {
        IRONORG_ASSIGN_OR_RETURN(
            Statement * statement,
            connection.Prepare("SELECT id, display_name, create_time, "
                               "update_time, revision FROM organizations "
                               "WHERE id = ?1"));
        statement->Bind(1, id);
        IRONORG_ASSIGN_OR_RETURN(const bool found, statement->Step());
        if (!found) {
          return errors::NotFound("organization", names::Organization(id));
        }
        organization.id = statement->ColumnText(0);
        organization.display_name = statement->ColumnText(1);
        organization.create_time = statement->ColumnInt(2);
        organization.update_time = statement->ColumnInt(3);
        organization.revision = statement->ColumnInt(4);
        return absl::OkStatus();
      }));
  return organization;
}

absl::StatusOr<UserRecord> IdentityStore::GetUser(
    absl::string_view organization_id, absl::string_view user_id) {
  UserRecord user;
  IRONORG_RETURN_IF_ERROR(
      database_->Read([&](Connection& connection) -> absl::Status {
        IRONORG_ASSIGN_OR_RETURN(
            user, SelectUser(connection, organization_id, user_id));
        return absl::OkStatus();
      }));
  return user;
}

absl::StatusOr<std::optional<UserRecord>> IdentityStore::FindUserByEmail(
    absl::string_view email) {
  std::optional<UserRecord> user;
  IRONORG_RETURN_IF_ERROR(
      database_->Read([&](Connection& connection) -> absl::Status {
        IRONORG_ASSIGN_OR_RETURN(
            Statement * statement,
            connection.Prepare("SELECT " IDENTITY_USER_COLUMNS
                               " FROM users u WHERE u.email = ?1"));
        statement->Bind(1, email);
        IRONORG_ASSIGN_OR_RETURN(const bool found, statement->Step());
        if (found) {
          user = ReadUser(*statement, 0);
        }
        return absl::OkStatus();
      }));
  return user;
}

absl::StatusOr<std::vector<UserRecord>> IdentityStore::ListUsers(
    absl::string_view organization_id, int role, absl::string_view after_id,
    int limit) {
  std::vector<UserRecord> users;
  IRONORG_RETURN_IF_ERROR(
      database_->Read([&](Connection& connection) -> absl::Status {
        IRONORG_ASSIGN_OR_RETURN(
            const bool organization_exists,
            OrganizationExists(connection, organization_id));
        if (!organization_exists) {
          return errors::NotFound("organization",
                                  names::Organization(organization_id));
        }

        // Two statements rather than one with "?2 = 0 OR role = ?2", so that
        // each can walk its own index in id order.
        Statement* statement = nullptr;
        if (role == 0) {
          IRONORG_ASSIGN_OR_RETURN(
              statement,
              connection.Prepare("SELECT " IDENTITY_USER_COLUMNS
                                 " FROM users u WHERE u.organization_id = ?1 "
                                 "AND u.id > ?3 ORDER BY u.id LIMIT ?4"));
        } else {
          IRONORG_ASSIGN_OR_RETURN(
              statement,
              connection.Prepare("SELECT " IDENTITY_USER_COLUMNS
                                 " FROM users u WHERE u.organization_id = ?1 "
                                 "AND u.role = ?2 AND u.id > ?3 "
                                 "ORDER BY u.id LIMIT ?4"));
          statement->Bind(2, static_cast<int64_t>(role));
        }
        statement->Bind(1, organization_id)
            .Bind(3, after_id)
            .Bind(4, static_cast<int64_t>(limit));

        while (true) {
          IRONORG_ASSIGN_OR_RETURN(const bool has_row, statement->Step());
          if (!has_row) {
            break;
          }
          users.push_back(ReadUser(*statement, 0));
        }
        return absl::OkStatus();
      }));
  return users;
}

absl::Status IdentityStore::CreateToken(
    const TokenRecord& token, const std::optional<PasswordRehash>& rehash,
    const AuditRecord& audit_event) {
  return database_->Write([&](Connection& connection) -> absl::Status {
    IRONORG_ASSIGN_OR_RETURN(
        Statement * owner,
        connection.Prepare("SELECT organization_id FROM users WHERE id = ?1"));
    owner->Bind(1, token.user_id);
    IRONORG_ASSIGN_OR_RETURN(const bool owner_exists, owner->Step());
    if (!owner_exists) {
      return errors::NotFound("user", token.user_id);
    }

    IRONORG_ASSIGN_OR_RETURN(
        Statement * insert,
        connection.Prepare(
            "INSERT INTO tokens (id, user_id, kind, token_hash, "
            "display_name, expire_time, create_time, revoke_time, "
            "last_use_time) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"));
    IRONORG_RETURN_IF_ERROR(insert->Bind(1, token.id)
                                .Bind(2, token.user_id)
                                .Bind(3, token.kind)
                                .Bind(4, token.token_hash)
                                .Bind(5, token.display_name)
                                .Bind(6, token.expire_time)
                                .Bind(7, token.create_time)
                                .Bind(8, token.revoke_time)
                                .Bind(9, token.last_use_time)
                                .Run());

    if (rehash.has_value()) {
      // A rehash changes how the password is stored, not the user, so the
      // revision and update_time stay as they are.
      IRONORG_ASSIGN_OR_RETURN(
          Statement * update,
          connection.Prepare("UPDATE users SET password_hash = ?1 "
                             "WHERE id = ?2 AND password_hash = ?3"));
      IRONORG_RETURN_IF_ERROR(update->Bind(1, rehash->new_hash)
                                  .Bind(2, token.user_id)
                                  .Bind(3, rehash->old_hash)
                                  .Run());
    }
    return InsertAudit(connection, audit_event);
  });
}

absl::StatusOr<std::optional<TokenOwner>> IdentityStore::FindTokenByHash(
    absl::string_view token_hash) {
  std::optional<TokenOwner> result;
  IRONORG_RETURN_IF_ERROR(
      database_->Read([&](Connection& connection) -> absl::Status {
        IRONORG_ASSIGN_OR_RETURN(
            Statement * statement,
            connection.Prepare(
                "SELECT " IDENTITY_USER_COLUMNS
                ", t.id, t.kind, t.token_hash, t.display_name, t.expire_time, "
                "t.create_time, t.revoke_time, t.last_use_time "
                "FROM tokens t JOIN users u ON u.id = t.user_id "
                "WHERE t.token_hash = ?1"));
        statement->Bind(1, token_hash);
        IRONORG_ASSIGN_OR_RETURN(const bool found, statement->Step());
        if (!found) {
          return absl::OkStatus();
        }

        TokenOwner owner;
        owner.user = ReadUser(*statement, 0);
        owner.token.id = statement->ColumnText(9);
        owner.token.user_id = owner.user.id;
        owner.token.kind = statement->ColumnText(10);
        owner.token.token_hash = statement->ColumnText(11);
        owner.token.display_name = statement->ColumnText(12);
        owner.token.expire_time = ColumnOptionalInt(*statement, 13);
        owner.token.create_time = statement->ColumnInt(14);
        owner.token.revoke_time = ColumnOptionalInt(*statement, 15);
        owner.token.last_use_time = ColumnOptionalInt(*statement, 16);
        result = std::move(owner);
        return absl::OkStatus();
      }));
  return result;
}

absl::StatusOr<UserRecord> IdentityStore::UpdateUser(
    absl::string_view organization_id, absl::string_view user_id,
    const UserChanges& changes, absl::string_view etag,
    const AuditRecord& audit_event) {
  UserRecord user;
  IRONORG_RETURN_IF_ERROR(
      database_->Write([&](Connection& connection) -> absl::Status {
        IRONORG_ASSIGN_OR_RETURN(
            user, SelectUser(connection, organization_id, user_id));
        IRONORG_RETURN_IF_ERROR(CheckEtag(user, etag));

        bool changed = false;
        if (changes.display_name.has_value() &&
            *changes.display_name != user.display_name) {
          user.display_name = *changes.display_name;
          changed = true;
        }
        if (changes.email.has_value() && *changes.email != user.email) {
          IRONORG_RETURN_IF_ERROR(CheckEmailFree(connection, *changes.email));
          user.email = *changes.email;
          changed = true;
        }
        if (!changed) {
          return absl::OkStatus();
        }

        user.update_time = audit_event.create_time;
        ++user.revision;
        IRONORG_RETURN_IF_ERROR(UpdateUserRow(connection, user));
        IRONORG_RETURN_IF_ERROR(InsertAudit(connection, audit_event));
        return InsertOutbox(connection, kUserUpdatedEvent, user,
                            audit_event.create_time);
      }));
  return user;
}

absl::StatusOr<UserRecord> IdentityStore::SetUserRole(
    absl::string_view organization_id, absl::string_view user_id, int role,
    absl::string_view etag, const AuditRecord& audit_event) {
  UserRecord user;
  IRONORG_RETURN_IF_ERROR(
      database_->Write([&](Connection& connection) -> absl::Status {
        IRONORG_ASSIGN_OR_RETURN(
            user, SelectUser(connection, organization_id, user_id));
        IRONORG_RETURN_IF_ERROR(CheckEtag(user, etag));
        if (user.role == role) {
          return absl::OkStatus();
        }
        IRONORG_RETURN_IF_ERROR(CheckNotLastAdmin(connection, user));

        user.role = role;
        user.update_time = audit_event.create_time;
        ++user.revision;
        IRONORG_RETURN_IF_ERROR(UpdateUserRow(connection, user));
        IRONORG_RETURN_IF_ERROR(InsertAudit(connection, audit_event));
        return InsertOutbox(connection, kUserRoleChangedEvent, user,
                            audit_event.create_time);
      }));
  return user;
}

absl::Status IdentityStore::DeleteUser(absl::string_view organization_id,
                                       absl::string_view user_id,
                                       absl::string_view etag,
                                       const AuditRecord& audit_event) {
  return database_->Write([&](Connection& connection) -> absl::Status {
    IRONORG_ASSIGN_OR_RETURN(UserRecord user,
                             SelectUser(connection, organization_id, user_id));
    IRONORG_RETURN_IF_ERROR(CheckEtag(user, etag));
    IRONORG_RETURN_IF_ERROR(CheckNotLastAdmin(connection, user));

    // The foreign key would cascade, but the tokens are deleted by name so
    // that the rule does not depend on PRAGMA foreign_keys.
    IRONORG_ASSIGN_OR_RETURN(
        Statement * tokens,
        connection.Prepare("DELETE FROM tokens WHERE user_id = ?1"));
    IRONORG_RETURN_IF_ERROR(tokens->Bind(1, user.id).Run());
    IRONORG_ASSIGN_OR_RETURN(
        Statement * users,
        connection.Prepare("DELETE FROM users WHERE id = ?1"));
    IRONORG_RETURN_IF_ERROR(users->Bind(1, user.id).Run());

    IRONORG_RETURN_IF_ERROR(InsertAudit(connection, audit_event));
    return InsertOutbox(connection, kUserDeletedEvent, user,
                        audit_event.create_time);
  });
}

absl::StatusOr<UserRecord> IdentityStore::SetPasswordHash(
    absl::string_view organization_id, absl::string_view user_id,
    absl::string_view password_hash, absl::string_view kept_token_id,
    const AuditRecord& audit_event) {
  UserRecord user;
  IRONORG_RETURN_IF_ERROR(
      database_->Write([&](Connection& connection) -> absl::Status {
        IRONORG_ASSIGN_OR_RETURN(
            user, SelectUser(connection, organization_id, user_id));
        if (!kept_token_id.empty()) {
          IRONORG_ASSIGN_OR_RETURN(
              Statement * kept,
              connection.Prepare("SELECT 1 FROM tokens WHERE id = ?1 AND "
                                 "user_id = ?2 AND revoke_time IS NULL"));
          kept->Bind(1, kept_token_id).Bind(2, user.id);
          IRONORG_ASSIGN_OR_RETURN(const bool active, kept->Step());
          if (!active) {
            return errors::NotFound("token", kept_token_id);
          }
        }

        const int64_t now = audit_event.create_time;
        user.password_hash = std::string(password_hash);
        user.update_time = now;
        ++user.revision;
        IRONORG_RETURN_IF_ERROR(UpdateUserRow(connection, user));
        IRONORG_RETURN_IF_ERROR(
            RevokeUserTokens(connection, user.id, kept_token_id, now));
        IRONORG_RETURN_IF_ERROR(InsertAudit(connection, audit_event));
        return InsertOutbox(connection, kUserTokensRevokedEvent, user, now);
      }));
  return user;
}

absl::StatusOr<CreateOutcome> IdentityStore::CreateApiToken(
    absl::string_view organization_id, const TokenRecord& token,
    const RequestKey& key, const AuditRecord& audit_event) {
  CreateOutcome outcome;
  IRONORG_RETURN_IF_ERROR(
      database_->Write([&](Connection& connection) -> absl::Status {
        IRONORG_ASSIGN_OR_RETURN(std::optional<std::string> previous,
                                 LookupRequest(connection, key));
        if (previous.has_value()) {
          outcome.resource = *std::move(previous);
          outcome.replayed = true;
          return absl::OkStatus();
        }

        IRONORG_RETURN_IF_ERROR(
            SelectUser(connection, organization_id, token.user_id).status());
        IRONORG_ASSIGN_OR_RETURN(
            Statement * insert,
            connection.Prepare(
                "INSERT INTO tokens (id, user_id, kind, token_hash, "
                "display_name, expire_time, create_time) "
                "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"));
        IRONORG_RETURN_IF_ERROR(insert->Bind(1, token.id)
                                    .Bind(2, token.user_id)
                                    .Bind(3, kApiTokenKind)
                                    .Bind(4, token.token_hash)
                                    .Bind(5, token.display_name)
                                    .Bind(6, token.expire_time)
                                    .Bind(7, token.create_time)
                                    .Run());
        IRONORG_RETURN_IF_ERROR(InsertAudit(connection, audit_event));

        outcome.resource =
            ApiTokenName(organization_id, token.user_id, token.id);
        return InsertRequest(connection, key, outcome.resource,
                             token.create_time);
      }));
  return outcome;
}

absl::StatusOr<TokenRecord> IdentityStore::GetApiToken(
    absl::string_view organization_id, absl::string_view user_id,
    absl::string_view token_id) {
  std::optional<TokenRecord> token;
  IRONORG_RETURN_IF_ERROR(
      database_->Read([&](Connection& connection) -> absl::Status {
        IRONORG_ASSIGN_OR_RETURN(token,
                                 SelectToken(connection, organization_id,
                                             user_id, token_id, kApiTokenKind));
        return absl::OkStatus();
      }));
  if (!token.has_value()) {
    return errors::NotFound("API token",
                            ApiTokenName(organization_id, user_id, token_id));
  }
  return *std::move(token);
}

absl::StatusOr<std::vector<TokenRecord>> IdentityStore::ListApiTokens(
    absl::string_view organization_id, absl::string_view user_id,
    absl::string_view after_id, int limit) {
  std::vector<TokenRecord> tokens;
  IRONORG_RETURN_IF_ERROR(
      database_->Read([&](Connection& connection) -> absl::Status {
        IRONORG_RETURN_IF_ERROR(
            SelectUser(connection, organization_id, user_id).status());
        IRONORG_ASSIGN_OR_RETURN(
            Statement * statement,
            connection.Prepare("SELECT " IDENTITY_TOKEN_COLUMNS
                               " FROM tokens t WHERE t.user_id = ?1 AND "
                               "t.kind = ?2 AND t.id > ?3 AND "
                               "t.revoke_time IS NULL ORDER BY t.id "
                               "LIMIT ?4"));
        statement->Bind(1, user_id)
            .Bind(2, kApiTokenKind)
            .Bind(3, after_id)
            .Bind(4, static_cast<int64_t>(limit));
        while (true) {
          IRONORG_ASSIGN_OR_RETURN(const bool has_row, statement->Step());
          if (!has_row) {
            break;
          }
          tokens.push_back(ReadToken(*statement, 0));
        }
        return absl::OkStatus();
      }));
  return tokens;
}

absl::StatusOr<TokenRecord> IdentityStore::RevokeToken(
    absl::string_view organization_id, absl::string_view user_id,
    absl::string_view token_id, absl::string_view kind,
    const AuditRecord& audit_event) {
  TokenRecord token;
  IRONORG_RETURN_IF_ERROR(
      database_->Write([&](Connection& connection) -> absl::Status {
        IRONORG_ASSIGN_OR_RETURN(
            std::optional<TokenRecord> found,
            SelectToken(connection, organization_id, user_id, token_id, kind));
        if (!found.has_value()) {
          return errors::NotFound(
              kind == kApiTokenKind ? "API token" : "token",
              kind == kApiTokenKind
                  ? ApiTokenName(organization_id, user_id, token_id)
                  : std::string(token_id));
        }
        token = *std::move(found);
        if (token.revoke_time.has_value()) {
          return absl::OkStatus();
        }

        token.revoke_time = audit_event.create_time;
        IRONORG_ASSIGN_OR_RETURN(
            Statement * update,
            connection.Prepare("UPDATE tokens SET revoke_time = ?2 "
                               "WHERE id = ?1"));
        IRONORG_RETURN_IF_ERROR(
            update->Bind(1, token.id).Bind(2, token.revoke_time).Run());
        IRONORG_RETURN_IF_ERROR(InsertAudit(connection, audit_event));
        UserRecord owner;
        owner.id = std::string(user_id);
        owner.organization_id = std::string(organization_id);
        return InsertOutbox(connection, kUserTokensRevokedEvent, owner,
                            audit_event.create_time);
      }));
  return token;
}

absl::Status IdentityStore::RecordTokenUse(absl::string_view token_id,
                                           int64_t now,
                                           int64_t min_interval_micros) {
  return database_->Write([&](Connection& connection) -> absl::Status {
    IRONORG_ASSIGN_OR_RETURN(
        Statement * statement,
        connection.Prepare("UPDATE tokens SET last_use_time = ?2 "
                           "WHERE id = ?1 AND (last_use_time IS NULL OR "
                           "last_use_time <= ?3)"));
    return statement->Bind(1, token_id)
        .Bind(2, now)
        .Bind(3, now - min_interval_micros)
        .Run();
  });
}

absl::StatusOr<std::optional<int64_t>> IdentityStore::BeginLoginAttempt(
    absl::string_view email_key, int64_t now,
    const LoginThrottlePolicy& policy) {
  std::optional<int64_t> locked_until;
  IRONORG_RETURN_IF_ERROR(
      database_->Write([&](Connection& connection) -> absl::Status {
        IRONORG_ASSIGN_OR_RETURN(
            Statement * select,
            connection.Prepare("SELECT attempt_count, window_start, "
                               "locked_until FROM login_failures "
                               "WHERE email_key = ?1"));
        select->Bind(1, email_key);
        IRONORG_ASSIGN_OR_RETURN(const bool found, select->Step());
        int64_t attempts = 0;
        int64_t window_start = now;
        if (found) {
          if (select->ColumnInt(2) > now) {
            locked_until = select->ColumnInt(2);
            return absl::OkStatus();
          }
          if (now - select->ColumnInt(1) < policy.window_micros) {
            attempts = select->ColumnInt(0);
            window_start = select->ColumnInt(1);
          }
        } else {
          // Without this, one row per address ever mistyped or guessed
          // would stay after its window had passed.
          IRONORG_ASSIGN_OR_RETURN(
              Statement * prune,
              connection.Prepare("DELETE FROM login_failures "
                                 "WHERE window_start <= ?1 AND "
                                 "locked_until <= ?2"));
          IRONORG_RETURN_IF_ERROR(
              prune->Bind(1, now - policy.window_micros).Bind(2, now).Run());
        }

        ++attempts;
        const int64_t lock =
            attempts >= policy.max_failures ? now + policy.lockout_micros : 0;
        IRONORG_ASSIGN_OR_RETURN(
            Statement * upsert,
            connection.Prepare(
                "INSERT INTO login_failures (email_key, attempt_count, "
                "window_start, locked_until) VALUES (?1, ?2, ?3, ?4) "
                "ON CONFLICT (email_key) DO UPDATE SET "
                "attempt_count = excluded.attempt_count, "
                "window_start = excluded.window_start, "
                "locked_until = excluded.locked_until"));
        return upsert->Bind(1, email_key)
            .Bind(2, attempts)
            .Bind(3, window_start)
            .Bind(4, lock)
            .Run();
      }));
  return locked_until;
}

absl::Status IdentityStore::ClearLoginFailures(absl::string_view email_key) {
  return database_->Write([&](Connection& connection) -> absl::Status {
    IRONORG_ASSIGN_OR_RETURN(
        Statement * statement,
        connection.Prepare("DELETE FROM login_failures WHERE email_key = ?1"));
    return statement->Bind(1, email_key).Run();
  });
}

absl::StatusOr<std::vector<AuditRecord>> IdentityStore::ListAuditEvents(
    const AuditQuery& query) {
  // One statement per filter combination, so that each walks the index
  // that leads with its filter in sequence order.
  std::string sql =
      "SELECT id, organization_id, actor, action, resource, request_id, "
      "create_time, sequence FROM audit_events "
      "WHERE organization_id = ?1 AND sequence < ?2";
  if (!query.actor.empty()) {
    sql += " AND actor = ?3";
  }
  if (!query.resource.empty()) {
    sql += " AND resource = ?4";
  }
  sql += " ORDER BY sequence DESC LIMIT ?5";

  std::vector<AuditRecord> events;
  IRONORG_RETURN_IF_ERROR(
      database_->Read([&](Connection& connection) -> absl::Status {
        IRONORG_ASSIGN_OR_RETURN(Statement * statement,
                                 connection.Prepare(sql));
        statement->Bind(1, query.organization_id)
            .Bind(2, query.before_sequence > 0
                         ? query.before_sequence
                         : std::numeric_limits<int64_t>::max())
            .Bind(5, static_cast<int64_t>(query.limit));
        if (!query.actor.empty()) {
          statement->Bind(3, query.actor);
        }
        if (!query.resource.empty()) {
          statement->Bind(4, query.resource);
        }
        while (true) {
          IRONORG_ASSIGN_OR_RETURN(const bool has_row, statement->Step());
          if (!has_row) {
            break;
          }
          events.push_back(ReadAudit(*statement));
        }
        return absl::OkStatus();
      }));
  return events;
}

absl::StatusOr<std::vector<AuditRecord>> IdentityStore::ListAuditRecords(
    absl::string_view organization_id) {
  std::vector<AuditRecord> events;
  IRONORG_RETURN_IF_ERROR(
      database_->Read([&](Connection& connection) -> absl::Status {
        IRONORG_ASSIGN_OR_RETURN(
            Statement * statement,
            connection.Prepare("SELECT id, organization_id, actor, action, "
                               "resource, request_id, create_time, sequence "
                               "FROM audit_events WHERE organization_id = ?1 "
                               "ORDER BY sequence"));
        statement->Bind(1, organization_id);
        while (true) {
          IRONORG_ASSIGN_OR_RETURN(const bool has_row, statement->Step());
          if (!has_row) {
            break;
          }
          events.push_back(ReadAudit(*statement));
        }
        return absl::OkStatus();
      }));
  return events;
}

absl::StatusOr<int64_t> IdentityStore::CountOutbox() {
  int64_t count = 0;
  IRONORG_RETURN_IF_ERROR(
      database_->Read([&](Connection& connection) -> absl::Status {
        IRONORG_ASSIGN_OR_RETURN(
            Statement * statement,
            connection.Prepare("SELECT COUNT(*) FROM outbox"));
        IRONORG_ASSIGN_OR_RETURN(const bool has_row, statement->Step());
        if (has_row) {
          count = statement->ColumnInt(0);
        }
        return absl::OkStatus();
      }));
  return count;
}

absl::StatusOr<std::vector<std::string>> IdentityStore::ListOutboxTypes() {
  std::vector<std::string> types;
  IRONORG_RETURN_IF_ERROR(
      database_->Read([&](Connection& connection) -> absl::Status {
        IRONORG_ASSIGN_OR_RETURN(
            Statement * statement,
            connection.Prepare("SELECT type FROM outbox ORDER BY sequence"));
        while (true) {
          IRONORG_ASSIGN_OR_RETURN(const bool has_row, statement->Step());
          if (!has_row) {
            break;
          }
          types.push_back(statement->ColumnText(0));
        }
        return absl::OkStatus();
      }));
  return types;
}

}  // namespace ironorg::identity

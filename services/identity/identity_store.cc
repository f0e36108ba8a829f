#include "services/identity/identity_store.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/names.h"
#include "common/status_macros.h"

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

std::optional<int64_t> ColumnOptionalInt(const Statement& statement,
                                         int index) {
  if (statement.ColumnIsNull(index)) {
    return std::nullopt;
  }
  return statement.ColumnInt(index);
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

}  // namespace

const std::vector<std::string>& IdentityStore::Migrations() {
  static const auto* const migrations =
      new std::vector<std::string>{kSchemaVersion1};
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
            Statement * statement,
            connection.Prepare("SELECT " IDENTITY_USER_COLUMNS " FROM users u "
                               "WHERE u.organization_id = ?1 AND u.id = ?2"));
        statement->Bind(1, organization_id).Bind(2, user_id);
        IRONORG_ASSIGN_OR_RETURN(const bool found, statement->Step());
        if (!found) {
          return errors::NotFound(
              "user", names::Child(organization_id, "users", user_id));
        }
        user = ReadUser(*statement, 0);
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

absl::StatusOr<std::vector<AuditRecord>> IdentityStore::ListAuditRecords(
    absl::string_view organization_id) {
  std::vector<AuditRecord> events;
  IRONORG_RETURN_IF_ERROR(
      database_->Read([&](Connection& connection) -> absl::Status {
        IRONORG_ASSIGN_OR_RETURN(
            Statement * statement,
            connection.Prepare("SELECT id, organization_id, actor, action, "
                               "resource, request_id, create_time "
                               "FROM audit_events WHERE organization_id = ?1 "
                               "ORDER BY create_time, id"));
        statement->Bind(1, organization_id);
        while (true) {
          IRONORG_ASSIGN_OR_RETURN(const bool has_row, statement->Step());
          if (!has_row) {
            break;
          }
          AuditRecord event;
          event.id = statement->ColumnText(0);
          event.organization_id = statement->ColumnText(1);
          event.actor = statement->ColumnText(2);
          event.action = statement->ColumnText(3);
          event.resource = statement->ColumnText(4);
          event.request_id = statement->ColumnText(5);
          event.create_time = statement->ColumnInt(6);
          events.push_back(std::move(event));
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

}  // namespace ironorg::identity

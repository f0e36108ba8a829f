// Storage of the identity service: organizations, users, tokens, request
// ids, audit events and the outbox of user changes, in one SQLite file.
//
// The store enforces only what keeps the data consistent. It checks email
// uniqueness, replays request ids and writes each mutation together with
// its audit events and outbox rows in one transaction. IdentityService
// validates input and authorizes the caller.
//
// Errors: NOT_FOUND for a missing organization or user, ALREADY_EXISTS for
// a duplicate email, UNAVAILABLE when the database is busy (retry the
// call), INTERNAL for anything else (the cause is logged).
//
// Thread-safe: every call runs in one transaction of sqlite::Database,
// which serializes them.
#ifndef IRONORG_SERVICES_IDENTITY_IDENTITY_STORE_H_
#define IRONORG_SERVICES_IDENTITY_IDENTITY_STORE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/sqlite.h"

namespace ironorg::identity {

// The file name of the database inside the data folder.
inline constexpr char kDatabaseFileName[] = "identity.db";

// Values of tokens.kind.
inline constexpr char kAccessTokenKind[] = "access";
inline constexpr char kApiTokenKind[] = "api";

// Values of outbox.type, the change feed that other services follow.
inline constexpr char kUserCreatedEvent[] = "user.created";
inline constexpr char kUserUpdatedEvent[] = "user.updated";
inline constexpr char kUserDeletedEvent[] = "user.deleted";

// One row of `organizations`. Times are microseconds since the Unix epoch.
struct OrganizationRecord {
  std::string id;
  std::string display_name;
  int64_t create_time = 0;
  int64_t update_time = 0;
  int64_t revision = 0;
};

// One row of `users`. `email` is stored trimmed and lower-cased; `role` is
// an ironorg.identity.v1.Role value; `password_hash` is libsodium's
// encoded Argon2id string.
struct UserRecord {
  std::string id;
  std::string organization_id;
  std::string email;
  std::string display_name;
  int role = 0;
  std::string password_hash;
  int64_t create_time = 0;
  int64_t update_time = 0;
  int64_t revision = 0;
};

// One row of `tokens`. `token_hash` is the SHA-256 hex of the whole token;
// the token itself is never stored.
struct TokenRecord {
  std::string id;
  std::string user_id;
  std::string kind;  // kAccessTokenKind or kApiTokenKind.
  std::string token_hash;
  std::string display_name;
  std::optional<int64_t> expire_time;  // Unset: the token does not expire.
  int64_t create_time = 0;
  std::optional<int64_t> revoke_time;
  std::optional<int64_t> last_use_time;
};

// A token together with the user who owns it.
struct TokenOwner {
  TokenRecord token;
  UserRecord user;
};

// One row of `audit_events`. `request_id` is empty when the caller sent
// none.
struct AuditRecord {
  std::string id;
  std::string organization_id;
  std::string actor;
  std::string action;
  std::string resource;
  std::string request_id;
  int64_t create_time = 0;
};

// The key under which a create remembers its request id. An empty
// `request_id` means the caller sent none, and nothing is remembered.
struct RequestKey {
  std::string caller;
  std::string method;
  std::string request_id;
};

// The result of a create that may have been a retry.
struct CreateOutcome {
  // The name of the created resource, or of the one that the first call
  // with the same request key created.
  std::string resource;

  // True when the request key had been used before and nothing was
  // created by this call.
  bool replayed = false;
};

// A password hash to replace, compared first so that a password changed
// concurrently is not overwritten with an upgraded old one.
struct PasswordRehash {
  std::string old_hash;
  std::string new_hash;
};

class IdentityStore final {
 public:
  // Opens (creating if missing) the database at `path` and migrates it to
  // the current schema. Returns UNAVAILABLE if the file cannot be opened
  // and FAILED_PRECONDITION if its schema is newer than this binary's.
  static absl::StatusOr<std::unique_ptr<IdentityStore>> Open(
      const std::string& path);

  // The schema migrations, `Migrations()[i]` moving version i to i + 1.
  static const std::vector<std::string>& Migrations();

  IdentityStore(const IdentityStore&) = delete;
  IdentityStore& operator=(const IdentityStore&) = delete;

  // Returns the resource name remembered under `key`, or nullopt when the
  // key was never used or its request id is empty. Lets a caller skip slow
  // work (password hashing) on a retry; the create methods check again.
  absl::StatusOr<std::optional<std::string>> FindRequest(const RequestKey& key);

  // Inserts `organization` and its first user `admin`, `audit_events`, an
  // outbox row for the user and, for a non-empty request id, the request
  // key, all in one transaction. If `key` was used before, returns the
  // name stored with it and writes nothing. ALREADY_EXISTS if `admin`'s
  // email is taken.
  absl::StatusOr<CreateOutcome> CreateOrganization(
      const OrganizationRecord& organization, const UserRecord& admin,
      const RequestKey& key, const std::vector<AuditRecord>& audit_events);

  // Inserts `user`, `audit_event`, an outbox row and the request key in
  // one transaction, or returns the name stored under `key` when it was
  // used before. NOT_FOUND if the user's organization does not exist;
  // ALREADY_EXISTS if the email is taken.
  absl::StatusOr<CreateOutcome> CreateUser(const UserRecord& user,
                                           const RequestKey& key,
                                           const AuditRecord& audit_event);

  // Returns the organization with `id`, or NOT_FOUND.
  absl::StatusOr<OrganizationRecord> GetOrganization(absl::string_view id);

  // Returns the user `user_id` of organization `organization_id`, or
  // NOT_FOUND when there is no such user in that organization.
  absl::StatusOr<UserRecord> GetUser(absl::string_view organization_id,
                                     absl::string_view user_id);

  // Returns the user whose normalized email is `email`, or nullopt.
  absl::StatusOr<std::optional<UserRecord>> FindUserByEmail(
      absl::string_view email);

  // Returns up to `limit` users of `organization_id` with ids greater than
  // `after_id` (empty: from the start), ordered by id, only those with
  // `role` unless `role` is 0. NOT_FOUND if the organization does not
  // exist.
  absl::StatusOr<std::vector<UserRecord>> ListUsers(
      absl::string_view organization_id, int role, absl::string_view after_id,
      int limit);

  // Inserts `token` and `audit_event` and, when `rehash` is set, replaces
  // the owner's password hash if it still equals `rehash->old_hash`, all
  // in one transaction. NOT_FOUND if the token's user no longer exists.
  absl::Status CreateToken(const TokenRecord& token,
                           const std::optional<PasswordRehash>& rehash,
                           const AuditRecord& audit_event);

  // Returns the token whose hash is `token_hash` with its user, or nullopt.
  // Expired and revoked tokens are returned too; the caller decides.
  absl::StatusOr<std::optional<TokenOwner>> FindTokenByHash(
      absl::string_view token_hash);

  // Returns the audit events of `organization_id`, oldest first. For tests
  // and for the audit listing to come.
  absl::StatusOr<std::vector<AuditRecord>> ListAuditRecords(
      absl::string_view organization_id);

  // Returns the number of outbox rows, for tests.
  absl::StatusOr<int64_t> CountOutbox();

 private:
  explicit IdentityStore(std::unique_ptr<sqlite::Database> database)
      : database_(std::move(database)) {}

  std::unique_ptr<sqlite::Database> database_;
};

}  // namespace ironorg::identity

#endif  // IRONORG_SERVICES_IDENTITY_IDENTITY_STORE_H_

// Storage of the identity service: organizations, users, tokens, request
// ids, audit events, failed-login counters and the outbox of user changes,
// in one SQLite file.
//
// The store enforces only what keeps the data consistent. It checks email
// uniqueness, etags and the last-Admin rule, replays request ids and
// writes each mutation together with its audit events and outbox rows in
// one transaction. IdentityService validates input and authorizes the
// caller.
//
// Errors:
//   NOT_FOUND            a missing organization, user or token.
//   ALREADY_EXISTS       a duplicate email.
//   ABORTED              a stale etag.
//   FAILED_PRECONDITION  a change that would leave an organization without
//                        a ROLE_ADMIN.
//   UNAVAILABLE          the database is busy; retry the call.
//   INTERNAL             anything else; the cause is logged.
//
// Thread-safe: every call runs in one transaction of sqlite::Database,
// which runs writes one at a time and reads in parallel, each on its own
// snapshot.
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
inline constexpr char kUserRoleChangedEvent[] = "user.role_changed";
// Some or all of a user's tokens were revoked, by Logout, RevokeApiToken,
// ChangePassword or ResetUserPassword; a gateway drops what it cached for
// the user.
inline constexpr char kUserTokensRevokedEvent[] = "user.tokens_revoked";

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
// none. `sequence` orders the events of the database; it is assigned on
// insert and read back by the list methods, and never shown to callers.
struct AuditRecord {
  std::string id;
  std::string organization_id;
  std::string actor;
  std::string action;
  std::string resource;
  std::string request_id;
  int64_t create_time = 0;
  int64_t sequence = 0;
};

// Selects one page of an organization's audit events, newest first.
struct AuditQuery {
  std::string organization_id;
  // Only events with this actor, or all when empty.
  std::string actor;
  // Only events about this resource name, or all when empty.
  std::string resource;
  // Only events older than this sequence, or from the newest when 0.
  int64_t before_sequence = 0;
  int limit = 0;
};

// New values for UpdateUser; an unset field keeps its stored value.
struct UserChanges {
  std::optional<std::string> display_name;
  std::optional<std::string> email;
};

// The login-throttling policy: after `max_failures` failed attempts
// within `window_micros` of the first, attempts are rejected for
// `lockout_micros`.
struct LoginThrottlePolicy {
  int max_failures = 5;
  int64_t window_micros = 0;
  int64_t lockout_micros = 0;
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

  // Applies `changes` to user `user_id` of `organization_id`, increments
  // its revision and sets update_time, and writes `audit_event` and a
  // user.updated outbox row, in one transaction. The change is stamped
  // with audit_event.create_time. When no field differs from the stored
  // one, returns the stored user and writes nothing. NOT_FOUND if the user
  // does not exist; ABORTED if `etag` is not empty and differs from the
  // stored revision; ALREADY_EXISTS if the new email is taken.
  absl::StatusOr<UserRecord> UpdateUser(absl::string_view organization_id,
                                        absl::string_view user_id,
                                        const UserChanges& changes,
                                        absl::string_view etag,
                                        const AuditRecord& audit_event);

  // Sets the role of a user as UpdateUser sets its fields, with a
  // user.role_changed outbox row. Counts the organization's ROLE_ADMIN
  // users in the same write transaction, so concurrent demotions cannot
  // remove the last one: FAILED_PRECONDITION if the user is the last
  // ROLE_ADMIN and `role` is another role. Setting the current role
  // returns the stored user and writes nothing.
  absl::StatusOr<UserRecord> SetUserRole(absl::string_view organization_id,
                                         absl::string_view user_id, int role,
                                         absl::string_view etag,
                                         const AuditRecord& audit_event);

  // Deletes a user and all their tokens and writes `audit_event` and a
  // user.deleted outbox row, in one transaction. NOT_FOUND, ABORTED and
  // FAILED_PRECONDITION (the last ROLE_ADMIN) as for SetUserRole.
  absl::Status DeleteUser(absl::string_view organization_id,
                          absl::string_view user_id, absl::string_view etag,
                          const AuditRecord& audit_event);

  // Replaces a user's password hash, increments the revision, revokes
  // every token of the user except `kept_token_id` (empty: all of them)
  // and writes `audit_event` and a user.tokens_revoked outbox row, in one
  // transaction. NOT_FOUND if the user does not exist, or if
  // `kept_token_id` is set and is not an unrevoked token of the user, so
  // that a password change cannot outlive a concurrent revocation of the
  // token that made it.
  absl::StatusOr<UserRecord> SetPasswordHash(absl::string_view organization_id,
                                             absl::string_view user_id,
                                             absl::string_view password_hash,
                                             absl::string_view kept_token_id,
                                             const AuditRecord& audit_event);

  // Inserts the API token `token` of user `token.user_id` in
  // `organization_id`, `audit_event` and the request key in one
  // transaction, or returns the name stored under `key` when it was used
  // before. NOT_FOUND if the user does not exist in that organization.
  absl::StatusOr<CreateOutcome> CreateApiToken(
      absl::string_view organization_id, const TokenRecord& token,
      const RequestKey& key, const AuditRecord& audit_event);

  // Returns the API token `token_id` of user `user_id` in
  // `organization_id`, revoked or not, or NOT_FOUND.
  absl::StatusOr<TokenRecord> GetApiToken(absl::string_view organization_id,
                                          absl::string_view user_id,
                                          absl::string_view token_id);

  // Returns up to `limit` unrevoked API tokens of the user with ids
  // greater than `after_id` (empty: from the start), ordered by id.
  // NOT_FOUND if the user does not exist in `organization_id`.
  absl::StatusOr<std::vector<TokenRecord>> ListApiTokens(
      absl::string_view organization_id, absl::string_view user_id,
      absl::string_view after_id, int limit);

  // Sets revoke_time of token `token_id` of kind `kind` (kAccessTokenKind
  // or kApiTokenKind) owned by user `user_id` of `organization_id`, and
  // writes `audit_event` and a user.tokens_revoked outbox row, in one
  // transaction. The revoke time is audit_event.create_time. Returns the
  // token as stored afterwards. An already revoked token is returned
  // unchanged and nothing is written. NOT_FOUND if there is no such token.
  absl::StatusOr<TokenRecord> RevokeToken(absl::string_view organization_id,
                                          absl::string_view user_id,
                                          absl::string_view token_id,
                                          absl::string_view kind,
                                          const AuditRecord& audit_event);

  // Sets last_use_time of token `token_id` to `now` unless it was set
  // less than `min_interval_micros` before, with one conditional UPDATE.
  // An unknown token is ignored.
  absl::Status RecordTokenUse(absl::string_view token_id, int64_t now,
                              int64_t min_interval_micros);

  // Counts a login attempt for `email_key` (a hash of the normalized
  // email) at `now` unless the key is locked. Returns the time until which
  // the key is locked when the attempt is rejected, and nullopt when it
  // may proceed. The attempt is counted before the password is checked, so
  // that concurrent attempts cannot overrun the limit; a successful attempt
  // calls ClearLoginFailures. The attempt that reaches
  // `policy.max_failures` within the window locks the key for
  // `policy.lockout_micros` and still proceeds. Each attempt after an
  // expired lockout but inside the same window locks the key again.
  absl::StatusOr<std::optional<int64_t>> BeginLoginAttempt(
      absl::string_view email_key, int64_t now,
      const LoginThrottlePolicy& policy);

  // Forgets the counted attempts of `email_key`, after a successful login
  // or password check.
  absl::Status ClearLoginFailures(absl::string_view email_key);

  // Returns one page of an organization's audit events, newest first.
  absl::StatusOr<std::vector<AuditRecord>> ListAuditEvents(
      const AuditQuery& query);

  // Returns the audit events of `organization_id`, oldest first, for
  // tests.
  absl::StatusOr<std::vector<AuditRecord>> ListAuditRecords(
      absl::string_view organization_id);

  // The database, for the change feed that serves its outbox.
  sqlite::Database* database() { return database_.get(); }

  // Returns the number of outbox rows, for tests.
  absl::StatusOr<int64_t> CountOutbox();

  // Returns the types of the outbox rows in order, for tests.
  absl::StatusOr<std::vector<std::string>> ListOutboxTypes();

 private:
  explicit IdentityStore(std::unique_ptr<sqlite::Database> database)
      : database_(std::move(database)) {}

  std::unique_ptr<sqlite::Database> database_;
};

}  // namespace ironorg::identity

#endif  // IRONORG_SERVICES_IDENTITY_IDENTITY_STORE_H_

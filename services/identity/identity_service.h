// The rules of the identity service: organizations, users, logins, API
// tokens, audit events and token introspection, without gRPC.
//
// Every method takes the caller's Principal, already verified by the gRPC
// adapter, and the request message, and returns absl::StatusOr built with
// common/errors.h:
//   INVALID_ARGUMENT     bad input; the message names the field.
//   PERMISSION_DENIED    the caller may not call the method, or names a
//                        resource outside its organization. Checked before
//                        the resource is looked up.
//   NOT_FOUND            the named resource does not exist.
//   ALREADY_EXISTS       the email address is already registered.
//   ABORTED              a non-empty etag does not match the stored user;
//                        nothing was changed. Read the user and retry.
//   FAILED_PRECONDITION  the change would leave the organization without a
//                        ROLE_ADMIN.
//   UNAUTHENTICATED      a wrong login or an invalid token.
//   RESOURCE_EXHAUSTED   too many failed logins for an email; the status
//                        carries a google.rpc.RetryInfo payload.
//   UNAVAILABLE          the database is busy; retry the call.
//
// The gateway's permission table decides which role may call which
// method. This class checks what a caller's kind and organization allow,
// and, where a method names them below, the roles and "self" rules again.
// A user caller reaches its own organization alone. The operator and peer
// services (KIND_OPERATOR, KIND_SERVICE) are outside every organization,
// reach all of them and pass every role check.
//
// Every mutation writes its audit event in the same transaction, naming
// the caller, the method and the resource, and never a password, token or
// token hash.
//
// Thread-safe. Password hashing runs outside any database transaction.
#ifndef IRONORG_SERVICES_IDENTITY_IDENTITY_SERVICE_H_
#define IRONORG_SERVICES_IDENTITY_IDENTITY_SERVICE_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/crypto.h"
#include "common/pagination.h"
#include "ironorg/identity/v1/auth.pb.h"
#include "ironorg/identity/v1/internal.pb.h"
#include "ironorg/identity/v1/organization.pb.h"
#include "ironorg/identity/v1/principal.pb.h"
#include "ironorg/identity/v1/user.pb.h"
#include "services/identity/identity_store.h"

namespace ironorg::identity {

struct IdentityServiceOptions {
  // The Argon2id cost of new password hashes. A stored hash of another
  // cost is re-hashed at the user's next successful login.
  crypto::PasswordCost password_cost;

  // How long an access token from Login stays valid.
  absl::Duration access_token_lifetime = absl::Hours(12);

  // The key that seals page tokens, such as
  // InternalCredential::DeriveKey("page-token"). Every replica must use
  // the same key.
  std::string page_token_key;

  // After this many failed logins for one email within
  // `login_failure_window`, logins for that email are rejected for
  // `login_lockout`. A wrong current password at ChangePassword counts as
  // a failed login. Each must be positive.
  int login_max_failures = 5;
  absl::Duration login_failure_window = absl::Minutes(15);
  absl::Duration login_lockout = absl::Minutes(1);
};

class IdentityService final {
 public:
  // Creates the service over `store`, which must outlive it. Computes the
  // dummy password hash that Login verifies for unknown emails, so this
  // takes as long as one password hash. Returns INVALID_ARGUMENT for a
  // page-token key under 32 bytes or a negative or zero option that must
  // be positive, and RESOURCE_EXHAUSTED if the hash cannot get its memory.
  static absl::StatusOr<std::unique_ptr<IdentityService>> Create(
      IdentityStore* store, IdentityServiceOptions options);

  IdentityService(const IdentityService&) = delete;
  IdentityService& operator=(const IdentityService&) = delete;

  // OrganizationService.

  // Creates an organization and its first user, with ROLE_ADMIN, in one
  // transaction. Operator only (PERMISSION_DENIED otherwise). A retry with
  // the same request_id returns the organization the first call created.
  absl::StatusOr<v1::Organization> CreateOrganization(
      const v1::Principal& principal,
      const v1::CreateOrganizationRequest& request);

  // Returns an organization; a user caller may read only its own.
  absl::StatusOr<v1::Organization> GetOrganization(
      const v1::Principal& principal,
      const v1::GetOrganizationRequest& request);

  // UserService.

  // Creates a user in the caller's organization. The email must be
  // unused across the platform (ALREADY_EXISTS otherwise). A retry with
  // the same request_id and caller returns the user the first call
  // created.
  absl::StatusOr<v1::User> CreateUser(const v1::Principal& principal,
                                      const v1::CreateUserRequest& request);

  // Returns a user of the caller's organization.
  absl::StatusOr<v1::User> GetUser(const v1::Principal& principal,
                                   const v1::GetUserRequest& request);

  // Returns one page of the users of the caller's organization, ordered by
  // id, optionally only those with one role. A page token is valid only
  // for the same parent, role filter and caller.
  absl::StatusOr<v1::ListUsersResponse> ListUsers(
      const v1::Principal& principal, const v1::ListUsersRequest& request);

  // Changes the `display_name` and/or `email` of a user, as listed in
  // update_mask; any other path, or an empty mask, is INVALID_ARGUMENT
  // naming update_mask. A ROLE_ADMIN may change any user of the
  // organization; another user may change only their own display_name
  // (PERMISSION_DENIED otherwise). The email is normalized and must be
  // unused across the platform (ALREADY_EXISTS). A non-empty stale
  // user.etag is ABORTED. A change bumps the etag and update_time and
  // writes a user.updated outbox row; values equal to the stored ones
  // change nothing.
  absl::StatusOr<v1::User> UpdateUser(const v1::Principal& principal,
                                      const v1::UpdateUserRequest& request);

  // Sets a user's role; a user caller must be a ROLE_ADMIN. The role must
  // be one of the four (INVALID_ARGUMENT naming `role`). Demoting the
  // organization's only ROLE_ADMIN is FAILED_PRECONDITION; the Admins are
  // counted in the write transaction, so concurrent demotions always
  // leave one. Setting the current role changes nothing. A non-empty
  // stale etag is ABORTED. Writes a user.role_changed outbox row. Token
  // introspection reads the role from the user, so the new role applies
  // to the user's next call.
  absl::StatusOr<v1::User> SetUserRole(const v1::Principal& principal,
                                       const v1::SetUserRoleRequest& request);

  // Sets a new password for a user of the organization and revokes all of
  // that user's access and API tokens in the same transaction. The caller
  // must be a ROLE_ADMIN, and new_password must be 12 to 1024 bytes. Also
  // lifts a login lockout of the user's email. Returns the user.
  absl::StatusOr<v1::User> ResetUserPassword(
      const v1::Principal& principal,
      const v1::ResetUserPasswordRequest& request);

  // Deletes a user and all their tokens in one transaction, freeing the
  // email, and writes a user.deleted outbox row; the caller must be a
  // ROLE_ADMIN. FAILED_PRECONDITION for the organization's only
  // ROLE_ADMIN; ABORTED for a non-empty stale etag.
  absl::StatusOr<v1::DeleteUserResponse> DeleteUser(
      const v1::Principal& principal, const v1::DeleteUserRequest& request);

  // Returns one page of the organization's audit events, newest first,
  // optionally only those of one actor and/or one resource name. A user
  // caller must be a ROLE_ADMIN or ROLE_ADMIN_READ_ONLY. A page token is
  // valid only for the same parent, filters and caller.
  absl::StatusOr<v1::ListAuditEventsResponse> ListAuditEvents(
      const v1::Principal& principal,
      const v1::ListAuditEventsRequest& request);

  // AuthService.

  // Exchanges an email and password for a new access token. A wrong email
  // and a wrong password both get UNAUTHENTICATED "invalid email or
  // password", after the same amount of password hashing. Failed attempts
  // are counted per normalized email, registered or not: once
  // login_max_failures of them fall within login_failure_window, further
  // attempts get RESOURCE_EXHAUSTED with a RetryInfo for login_lockout,
  // without any password hashing, even with the right password. A
  // successful login clears the count.
  absl::StatusOr<v1::LoginResponse> Login(const v1::Principal& principal,
                                          const v1::LoginRequest& request);

  // Revokes the token the call is made with (principal.token_id), an
  // access or an API token. PERMISSION_DENIED for callers that are not
  // users; UNAUTHENTICATED if that token no longer exists.
  absl::StatusOr<v1::LogoutResponse> Logout(const v1::Principal& principal,
                                            const v1::LogoutRequest& request);

  // Changes the caller's own password. Needs a KIND_USER_ACCESS_TOKEN
  // (PERMISSION_DENIED otherwise). A wrong current_password is
  // INVALID_ARGUMENT naming current_password and counts as a failed login
  // for the user's email, and a locked email gets RESOURCE_EXHAUSTED as at
  // Login. On success revokes every other access and API token of the user
  // and keeps the one making the call. Returns the user.
  absl::StatusOr<v1::User> ChangePassword(
      const v1::Principal& principal, const v1::ChangePasswordRequest& request);

  // Creates an API token for the caller, who must hold a
  // KIND_USER_ACCESS_TOKEN and be the user named by `parent`
  // (PERMISSION_DENIED otherwise). display_name must be 1 to 200
  // characters; expire_time, when set, must be in the future and at most
  // 365 days ahead. The response carries the secret; only its SHA-256 is
  // stored. A retry with the same request_id returns the token with an
  // empty secret and creates nothing.
  absl::StatusOr<v1::ApiToken> CreateApiToken(
      const v1::Principal& principal, const v1::CreateApiTokenRequest& request);

  // Returns one page of a user's unrevoked API tokens, ordered by id and
  // without secrets. A user caller may list their own tokens; a
  // ROLE_ADMIN or ROLE_ADMIN_READ_ONLY may list those of any user of the
  // organization. NOT_FOUND if the user does not exist.
  absl::StatusOr<v1::ListApiTokensResponse> ListApiTokens(
      const v1::Principal& principal, const v1::ListApiTokensRequest& request);

  // Revokes an API token, so that the next call made with it is
  // UNAUTHENTICATED. A user caller may revoke their own tokens; a
  // ROLE_ADMIN may revoke those of any user of the organization. Revoking
  // a revoked token changes nothing. NOT_FOUND for an unknown token.
  absl::StatusOr<v1::ApiToken> RevokeApiToken(
      const v1::Principal& principal, const v1::RevokeApiTokenRequest& request);

  // InternalAuthService.

  // Resolves an access or API token to the Principal of its user, with
  // the user's current role. An unknown, expired or revoked token is
  // UNAUTHENTICATED "invalid or expired token". Records the last use of
  // an API token, at most once a minute per token.
  absl::StatusOr<v1::IntrospectTokenResponse> IntrospectToken(
      const v1::Principal& principal,
      const v1::IntrospectTokenRequest& request);

  // InternalUserService.

  // Returns any user by name, or NOT_FOUND. Open to every verified caller,
  // because only peers holding the internal secret reach this service.
  absl::StatusOr<v1::User> LookupUser(const v1::Principal& principal,
                                      const v1::LookupUserRequest& request);

 private:
  IdentityService(IdentityStore* store, IdentityServiceOptions options,
                  std::string dummy_password_hash);

  // Counts a login attempt for `email_key` and returns RESOURCE_EXHAUSTED
  // with a RetryInfo while the key is locked.
  absl::Status CountLoginAttempt(absl::string_view email_key);

  // Clears the attempts of `email_key` after a correct password. A failure
  // is logged and not returned, because the password check has already
  // succeeded.
  void ClearLoginAttempts(absl::string_view email_key);

  IdentityStore* store_;
  IdentityServiceOptions options_;
  pagination::PageTokenCodec page_tokens_;

  // A hash of a random password, verified for logins with an unknown email
  // so that they take as long as those with a wrong password.
  std::string dummy_password_hash_;
};

}  // namespace ironorg::identity

#endif  // IRONORG_SERVICES_IDENTITY_IDENTITY_SERVICE_H_

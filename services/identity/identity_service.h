// The rules of the identity service: organizations, users, logins and
// token introspection, without gRPC.
//
// Every method takes the caller's Principal, already verified by the gRPC
// adapter, and the request message, and returns absl::StatusOr built with
// common/errors.h:
//   INVALID_ARGUMENT   bad input; the message names the field.
//   PERMISSION_DENIED  the caller may not call the method, or names a
//                      resource outside its organization. Checked before
//                      the resource is looked up.
//   NOT_FOUND          the named resource does not exist.
//   ALREADY_EXISTS     the email address is already registered.
//   UNAUTHENTICATED    a wrong login or an invalid token.
//   UNAVAILABLE        the database is busy; retry the call.
//
// The gateway's permission table decides which role may call which
// method. This class checks only what a caller's kind and organization
// allow. A user caller reaches its own organization alone. The operator
// and peer services (KIND_OPERATOR, KIND_SERVICE) are outside every
// organization and reach all of them.
//
// Thread-safe. Password hashing runs outside any database transaction.
#ifndef IRONORG_SERVICES_IDENTITY_IDENTITY_SERVICE_H_
#define IRONORG_SERVICES_IDENTITY_IDENTITY_SERVICE_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
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
};

class IdentityService final {
 public:
  // Creates the service over `store`, which must outlive it. Computes the
  // dummy password hash that Login verifies for unknown emails, so this
  // takes as long as one password hash. Returns RESOURCE_EXHAUSTED if that
  // hash cannot get its memory.
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

  // Not implemented yet: each returns UNIMPLEMENTED.
  absl::StatusOr<v1::User> UpdateUser(const v1::Principal& principal,
                                      const v1::UpdateUserRequest& request);
  absl::StatusOr<v1::User> SetUserRole(const v1::Principal& principal,
                                       const v1::SetUserRoleRequest& request);
  absl::StatusOr<v1::User> ResetUserPassword(
      const v1::Principal& principal,
      const v1::ResetUserPasswordRequest& request);
  absl::StatusOr<v1::DeleteUserResponse> DeleteUser(
      const v1::Principal& principal, const v1::DeleteUserRequest& request);
  absl::StatusOr<v1::ListAuditEventsResponse> ListAuditEvents(
      const v1::Principal& principal,
      const v1::ListAuditEventsRequest& request);

  // AuthService.

  // Exchanges an email and password for a new access token. A wrong email
  // and a wrong password both get UNAUTHENTICATED "invalid email or
  // password", after the same amount of password hashing.
  absl::StatusOr<v1::LoginResponse> Login(const v1::Principal& principal,
                                          const v1::LoginRequest& request);

  // Not implemented yet: each returns UNIMPLEMENTED.
  absl::StatusOr<v1::LogoutResponse> Logout(const v1::Principal& principal,
                                            const v1::LogoutRequest& request);
  absl::StatusOr<v1::User> ChangePassword(
      const v1::Principal& principal, const v1::ChangePasswordRequest& request);
  absl::StatusOr<v1::ApiToken> CreateApiToken(
      const v1::Principal& principal, const v1::CreateApiTokenRequest& request);
  absl::StatusOr<v1::ListApiTokensResponse> ListApiTokens(
      const v1::Principal& principal, const v1::ListApiTokensRequest& request);
  absl::StatusOr<v1::ApiToken> RevokeApiToken(
      const v1::Principal& principal, const v1::RevokeApiTokenRequest& request);

  // InternalAuthService.

  // Resolves an access or API token to the Principal of its user. An
  // unknown, expired or revoked token is UNAUTHENTICATED "invalid or
  // expired token".
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

  IdentityStore* store_;
  IdentityServiceOptions options_;
  pagination::PageTokenCodec page_tokens_;

  // A hash of a random password, verified for logins with an unknown email
  // so that they take as long as those with a wrong password.
  std::string dummy_password_hash_;
};

}  // namespace ironorg::identity

#endif  // IRONORG_SERVICES_IDENTITY_IDENTITY_SERVICE_H_

#include "services/identity/identity_service.h"

#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/log.h"
#include "common/names.h"
#include "common/status_macros.h"
#include "common/time_util.h"
#include "common/validation.h"

namespace ironorg::identity {
namespace {

using v1::Principal;

// Method names as audit actions, request-id keys and page-token scopes.
constexpr char kCreateOrganizationMethod[] =
    "ironorg.identity.v1.OrganizationService/CreateOrganization";
constexpr char kCreateUserMethod[] =
    "ironorg.identity.v1.UserService/CreateUser";
constexpr char kListUsersMethod[] = "ironorg.identity.v1.UserService/ListUsers";

constexpr char kUserPattern[] = "organizations/{organization}/users/{user}";

// One message for an unknown email and a wrong password, so that Login
// does not reveal which addresses are registered.
constexpr char kInvalidLoginMessage[] = "invalid email or password";
constexpr char kInvalidTokenMessage[] = "invalid or expired token";

constexpr char kAccessTokenPrefix[] = "ioa_";

// The minimum page-token key length, matching the internal secret's.
constexpr size_t kMinPageTokenKeyBytes = 32;

bool IsUserCaller(const Principal& principal) {
  return principal.kind() == Principal::KIND_USER_ACCESS_TOKEN ||
         principal.kind() == Principal::KIND_USER_API_TOKEN;
}

// The caller as recorded in audit events and request-id keys.
std::string Actor(const Principal& principal) {
  switch (principal.kind()) {
    case Principal::KIND_USER_ACCESS_TOKEN:
    case Principal::KIND_USER_API_TOKEN:
      return principal.user();
    case Principal::KIND_OPERATOR:
      return "operator";
    case Principal::KIND_SERVICE:
      return "service";
    case Principal::KIND_CLUSTER_TOKEN:
      return principal.cluster();
    default:
      return "anonymous";
  }
}

// Checks that the caller may reach resources of `organization_id`. Runs
// before any lookup, so that a name in another organization and a name
// that does not exist get the same error.
absl::Status CheckOrganizationScope(const Principal& principal,
                                    absl::string_view organization_id) {
  const std::string organization = names::Organization(organization_id);
  if (IsUserCaller(principal)) {
    if (principal.organization() != organization) {
      return errors::PermissionDenied(absl::StrCat(
          "\"", organization, "\" is not the caller's organization"));
    }
    return absl::OkStatus();
  }
  if (principal.kind() == Principal::KIND_OPERATOR ||
      principal.kind() == Principal::KIND_SERVICE) {
    return absl::OkStatus();
  }
  return errors::PermissionDenied(
      absl::StrCat("this caller may not reach \"", organization, "\""));
}

// Checks a role that must be set, such as `user.role` on create.
absl::Status ValidateRequiredRole(v1::Role role, absl::string_view field) {
  if (role != v1::ROLE_UNSPECIFIED && v1::Role_IsValid(role)) {
    return absl::OkStatus();
  }
  const std::string got = v1::Role_IsValid(role)
                              ? v1::Role_Name(role)
                              : absl::StrCat(static_cast<int>(role));
  return errors::InvalidArgument(
      field, absl::StrCat(field,
                          " must be one of ROLE_ADMIN, ROLE_ADMIN_READ_ONLY, "
                          "ROLE_DEVELOPER, ROLE_ACCOUNTANT, got ",
                          got));
}

std::string Etag(int64_t revision) { return absl::StrCat(revision); }

v1::Organization ToProto(const OrganizationRecord& record) {
  v1::Organization organization;
  organization.set_name(names::Organization(record.id));
  organization.set_display_name(record.display_name);
  *organization.mutable_create_time() = ToTimestamp(record.create_time);
  *organization.mutable_update_time() = ToTimestamp(record.update_time);
  organization.set_etag(Etag(record.revision));
  return organization;
}

v1::User ToProto(const UserRecord& record) {
  v1::User user;
  user.set_name(names::Child(record.organization_id, "users", record.id));
  user.set_email(record.email);
  user.set_display_name(record.display_name);
  user.set_role(static_cast<v1::Role>(record.role));
  *user.mutable_create_time() = ToTimestamp(record.create_time);
  *user.mutable_update_time() = ToTimestamp(record.update_time);
  user.set_etag(Etag(record.revision));
  return user;
}

AuditRecord NewAuditRecord(absl::string_view actor,
                           absl::string_view organization_id,
                           absl::string_view action, absl::string_view resource,
                           absl::string_view request_id, int64_t now) {
  AuditRecord event;
  event.id = crypto::NewResourceId();
  event.organization_id = std::string(organization_id);
  event.actor = std::string(actor);
  event.action = std::string(action);
  event.resource = std::string(resource);
  event.request_id = std::string(request_id);
  event.create_time = now;
  return event;
}

// Reads the organization that a create with a replayed request id made.
absl::StatusOr<v1::Organization> LoadOrganization(IdentityStore& store,
                                                  absl::string_view name) {
  IRONORG_ASSIGN_OR_RETURN(std::string id,
                           names::ParseOrganization(name, "request_id"));
  IRONORG_ASSIGN_OR_RETURN(OrganizationRecord organization,
                           store.GetOrganization(id));
  return ToProto(organization);
}

// Reads the user that a create with a replayed request id made.
absl::StatusOr<v1::User> LoadUser(IdentityStore& store,
                                  absl::string_view name) {
  IRONORG_ASSIGN_OR_RETURN(std::vector<std::string> ids,
                           names::Parse(name, kUserPattern, "request_id"));
  IRONORG_ASSIGN_OR_RETURN(UserRecord user, store.GetUser(ids[0], ids[1]));
  return ToProto(user);
}

}  // namespace

absl::StatusOr<std::unique_ptr<IdentityService>> IdentityService::Create(
    IdentityStore* store, IdentityServiceOptions options) {
  if (options.page_token_key.size() < kMinPageTokenKeyBytes) {
    return errors::InvalidArgument(
        "page_token_key",
        absl::StrCat("page_token_key must be at least ", kMinPageTokenKeyBytes,
                     " bytes, got ", options.page_token_key.size()));
  }
  if (options.access_token_lifetime < absl::ZeroDuration()) {
    return errors::InvalidArgument(
        "access_token_lifetime",
        absl::StrCat("access_token_lifetime must not be negative, got ",
                     absl::FormatDuration(options.access_token_lifetime)));
  }

  // The dummy is hashed with the configured cost so that verifying it
  // takes as long as verifying a real, current hash.
  IRONORG_ASSIGN_OR_RETURN(
      std::string dummy_hash,
      crypto::HashPassword(crypto::NewToken(""), options.password_cost));
  return std::unique_ptr<IdentityService>(
      new IdentityService(store, std::move(options), std::move(dummy_hash)));
}

IdentityService::IdentityService(IdentityStore* store,
                                 IdentityServiceOptions options,
                                 std::string dummy_password_hash)
    : store_(store),
      options_(std::move(options)),
      page_tokens_(options_.page_token_key),
      dummy_password_hash_(std::move(dummy_password_hash)) {}

absl::StatusOr<v1::Organization> IdentityService::CreateOrganization(
    const Principal& principal, const v1::CreateOrganizationRequest& request) {
  if (principal.kind() != Principal::KIND_OPERATOR) {
    return errors::PermissionDenied(
        "only the platform operator may create organizations");
  }

  IRONORG_ASSIGN_OR_RETURN(
      std::string display_name,
      validation::NormalizeDisplayName(request.organization().display_name(),
                                       "organization.display_name"));
  IRONORG_ASSIGN_OR_RETURN(
      std::string admin_email,
      validation::NormalizeEmail(request.admin_email(), "admin_email"));
  IRONORG_ASSIGN_OR_RETURN(
      std::string admin_display_name,
      validation::NormalizeDisplayName(request.admin_display_name(),
                                       "admin_display_name"));
  IRONORG_RETURN_IF_ERROR(
      validation::ValidatePassword(request.admin_password(), "admin_password"));
  IRONORG_RETURN_IF_ERROR(validation::ValidateRequestId(request.request_id()));

  const RequestKey key{Actor(principal), kCreateOrganizationMethod,
                       request.request_id()};
  IRONORG_ASSIGN_OR_RETURN(std::optional<std::string> previous,
                           store_->FindRequest(key));
  if (previous.has_value()) {
    return LoadOrganization(*store_, *previous);
  }

  // Hashing at the default cost is slow and takes 19 MiB, so it runs
  // before the transaction rather than while holding the database.
  IRONORG_ASSIGN_OR_RETURN(
      std::string password_hash,
      crypto::HashPassword(request.admin_password(), options_.password_cost));

  const int64_t now = NowMicros();
  OrganizationRecord organization;
  organization.id = crypto::NewResourceId();
  organization.display_name = std::move(display_name);
  organization.create_time = now;
  organization.update_time = now;
  organization.revision = 1;

  UserRecord admin;
  admin.id = crypto::NewResourceId();
  admin.organization_id = organization.id;
  admin.email = std::move(admin_email);
  admin.display_name = std::move(admin_display_name);
  admin.role = v1::ROLE_ADMIN;
  admin.password_hash = std::move(password_hash);
  admin.create_time = now;
  admin.update_time = now;
  admin.revision = 1;

  const std::string organization_name = names::Organization(organization.id);
  const std::vector<AuditRecord> audit_events = {
      NewAuditRecord(key.caller, organization.id, "CreateOrganization",
                     organization_name, request.request_id(), now),
      NewAuditRecord(key.caller, organization.id, "CreateOrganization",
                     names::Child(organization.id, "users", admin.id),
                     request.request_id(), now),
  };
  IRONORG_ASSIGN_OR_RETURN(
      CreateOutcome outcome,
      store_->CreateOrganization(organization, admin, key, audit_events));
  if (outcome.replayed) {
    // Another call with the same request id committed while this one was
    // hashing.
    return LoadOrganization(*store_, outcome.resource);
  }

  IRONORG_LOG(INFO) << "created " << organization_name << " with admin "
                    << names::Child(organization.id, "users", admin.id);
  return ToProto(organization);
}

absl::StatusOr<v1::Organization> IdentityService::GetOrganization(
    const Principal& principal, const v1::GetOrganizationRequest& request) {
  IRONORG_ASSIGN_OR_RETURN(std::string organization_id,
                           names::ParseOrganization(request.name(), "name"));
  IRONORG_RETURN_IF_ERROR(CheckOrganizationScope(principal, organization_id));

  IRONORG_ASSIGN_OR_RETURN(OrganizationRecord organization,
                           store_->GetOrganization(organization_id));
  return ToProto(organization);
}

absl::StatusOr<v1::User> IdentityService::CreateUser(
    const Principal& principal, const v1::CreateUserRequest& request) {
  IRONORG_ASSIGN_OR_RETURN(
      std::string organization_id,
      names::ParseOrganization(request.parent(), "parent"));
  IRONORG_RETURN_IF_ERROR(CheckOrganizationScope(principal, organization_id));

  IRONORG_ASSIGN_OR_RETURN(
      std::string email,
      validation::NormalizeEmail(request.user().email(), "user.email"));
  IRONORG_ASSIGN_OR_RETURN(
      std::string display_name,
      validation::NormalizeDisplayName(request.user().display_name(),
                                       "user.display_name"));
  IRONORG_RETURN_IF_ERROR(
      ValidateRequiredRole(request.user().role(), "user.role"));
  IRONORG_RETURN_IF_ERROR(
      validation::ValidatePassword(request.password(), "password"));
  IRONORG_RETURN_IF_ERROR(validation::ValidateRequestId(request.request_id()));

  const RequestKey key{Actor(principal), kCreateUserMethod,
                       request.request_id()};
  IRONORG_ASSIGN_OR_RETURN(std::optional<std::string> previous,
                           store_->FindRequest(key));
  if (previous.has_value()) {
    return LoadUser(*store_, *previous);
  }

  IRONORG_ASSIGN_OR_RETURN(
      std::string password_hash,
      crypto::HashPassword(request.password(), options_.password_cost));

  const int64_t now = NowMicros();
  UserRecord user;
  user.id = crypto::NewResourceId();
  user.organization_id = organization_id;
  user.email = std::move(email);
  user.display_name = std::move(display_name);
  user.role = request.user().role();
  user.password_hash = std::move(password_hash);
  user.create_time = now;
  user.update_time = now;
  user.revision = 1;

  const std::string user_name = names::Child(organization_id, "users", user.id);
  const AuditRecord audit_event =
      NewAuditRecord(key.caller, organization_id, "CreateUser", user_name,
                     request.request_id(), now);
  IRONORG_ASSIGN_OR_RETURN(CreateOutcome outcome,
                           store_->CreateUser(user, key, audit_event));
  if (outcome.replayed) {
    // Another call with the same request id committed while this one was
    // hashing.
    return LoadUser(*store_, outcome.resource);
  }
  return ToProto(user);
}

absl::StatusOr<v1::User> IdentityService::GetUser(
    const Principal& principal, const v1::GetUserRequest& request) {
  IRONORG_ASSIGN_OR_RETURN(std::vector<std::string> ids,
                           names::Parse(request.name(), kUserPattern, "name"));
  IRONORG_RETURN_IF_ERROR(CheckOrganizationScope(principal, ids[0]));

  IRONORG_ASSIGN_OR_RETURN(UserRecord user, store_->GetUser(ids[0], ids[1]));
  return ToProto(user);
}

absl::StatusOr<v1::ListUsersResponse> IdentityService::ListUsers(
    const Principal& principal, const v1::ListUsersRequest& request) {
  IRONORG_ASSIGN_OR_RETURN(
      std::string organization_id,
      names::ParseOrganization(request.parent(), "parent"));
  IRONORG_RETURN_IF_ERROR(CheckOrganizationScope(principal, organization_id));

  IRONORG_ASSIGN_OR_RETURN(const int page_size,
                           pagination::NormalizePageSize(request.page_size()));
  if (!v1::Role_IsValid(request.role())) {
    return errors::InvalidArgument(
        "role", absl::StrCat("role must be ROLE_UNSPECIFIED for all users or "
                             "one of ROLE_ADMIN, ROLE_ADMIN_READ_ONLY, "
                             "ROLE_DEVELOPER, ROLE_ACCOUNTANT, got ",
                             static_cast<int>(request.role())));
  }

  // Every request parameter that changes the result set is in the scope,
  // so a token cannot be carried over to another filter or caller.
  const std::string scope =
      absl::StrCat(kListUsersMethod, "\n", request.parent(), "\n",
                   static_cast<int>(request.role()), "\n", Actor(principal));
  std::string after_id;
  if (!request.page_token().empty()) {
    IRONORG_ASSIGN_OR_RETURN(after_id,
                             page_tokens_.Decode(scope, request.page_token()));
  }

  // The one extra row fetched shows whether another page follows.
  IRONORG_ASSIGN_OR_RETURN(std::vector<UserRecord> users,
                           store_->ListUsers(organization_id, request.role(),
                                             after_id, page_size + 1));
  v1::ListUsersResponse response;
  const bool has_more = static_cast<int>(users.size()) > page_size;
  if (has_more) {
    users.resize(page_size);
  }
  for (const UserRecord& user : users) {
    *response.add_users() = ToProto(user);
  }
  if (has_more) {
    response.set_next_page_token(page_tokens_.Encode(scope, users.back().id));
  }
  return response;
}

absl::StatusOr<v1::User> IdentityService::UpdateUser(
    const Principal& /*principal*/, const v1::UpdateUserRequest& /*request*/) {
  return errors::Unimplemented("ironorg.identity.v1.UserService/UpdateUser");
}

absl::StatusOr<v1::User> IdentityService::SetUserRole(
    const Principal& /*principal*/, const v1::SetUserRoleRequest& /*request*/) {
  return errors::Unimplemented("ironorg.identity.v1.UserService/SetUserRole");
}

absl::StatusOr<v1::User> IdentityService::ResetUserPassword(
    const Principal& /*principal*/,
    const v1::ResetUserPasswordRequest& /*request*/) {
  return errors::Unimplemented(
      "ironorg.identity.v1.UserService/ResetUserPassword");
}

absl::StatusOr<v1::DeleteUserResponse> IdentityService::DeleteUser(
    const Principal& /*principal*/, const v1::DeleteUserRequest& /*request*/) {
  return errors::Unimplemented("ironorg.identity.v1.UserService/DeleteUser");
}

absl::StatusOr<v1::ListAuditEventsResponse> IdentityService::ListAuditEvents(
    const Principal& /*principal*/,
    const v1::ListAuditEventsRequest& /*request*/) {
  return errors::Unimplemented(
      "ironorg.identity.v1.UserService/ListAuditEvents");
}

absl::StatusOr<v1::LoginResponse> IdentityService::Login(
    const Principal& /*principal*/, const v1::LoginRequest& request) {
  // TODO: throttle repeated failed logins per email with
  // RESOURCE_EXHAUSTED and a RetryInfo detail; there is no limit yet.
  if (request.email().empty()) {
    return errors::MissingField("email");
  }
  if (request.password().empty()) {
    return errors::MissingField("password");
  }

  // A malformed address cannot be registered, so it is looked up as is and
  // takes the unknown-email path below rather than getting its own error.
  absl::StatusOr<std::string> email =
      validation::NormalizeEmail(request.email(), "email");
  std::optional<UserRecord> user;
  if (email.ok()) {
    IRONORG_ASSIGN_OR_RETURN(user, store_->FindUserByEmail(*email));
  }
  if (!user.has_value()) {
    crypto::VerifyPassword(dummy_password_hash_, request.password());
    return errors::Unauthenticated(kInvalidLoginMessage);
  }
  if (!crypto::VerifyPassword(user->password_hash, request.password())) {
    return errors::Unauthenticated(kInvalidLoginMessage);
  }

  std::optional<PasswordRehash> rehash;
  if (crypto::PasswordNeedsRehash(user->password_hash,
                                  options_.password_cost)) {
    absl::StatusOr<std::string> new_hash =
        crypto::HashPassword(request.password(), options_.password_cost);
    if (new_hash.ok()) {
      rehash = PasswordRehash{user->password_hash, *std::move(new_hash)};
    } else {
      // The login still succeeds; the upgrade is tried again next time.
      IRONORG_LOG(WARNING) << "cannot re-hash the password of "
                           << ToProto(*user).name() << ": "
                           << new_hash.status();
    }
  }

  const int64_t now = NowMicros();
  const std::string access_token = crypto::NewToken(kAccessTokenPrefix);
  TokenRecord token;
  token.id = crypto::NewResourceId();
  token.user_id = user->id;
  token.kind = kAccessTokenKind;
  token.token_hash = crypto::Sha256Hex(access_token);
  token.expire_time =
      now + absl::ToInt64Microseconds(options_.access_token_lifetime);
  token.create_time = now;

  // The actor is the user who logged in, not the anonymous caller.
  const v1::User user_proto = ToProto(*user);
  const AuditRecord audit_event =
      NewAuditRecord(user_proto.name(), user->organization_id, "Login",
                     user_proto.name(), "", now);
  absl::Status stored = store_->CreateToken(token, rehash, audit_event);
  if (absl::IsNotFound(stored)) {
    // The user was deleted after the password check.
    return errors::Unauthenticated(kInvalidLoginMessage);
  }
  IRONORG_RETURN_IF_ERROR(stored);

  v1::LoginResponse response;
  response.set_access_token(access_token);
  *response.mutable_expire_time() = ToTimestamp(*token.expire_time);
  *response.mutable_user() = user_proto;
  return response;
}

absl::StatusOr<v1::LogoutResponse> IdentityService::Logout(
    const Principal& /*principal*/, const v1::LogoutRequest& /*request*/) {
  return errors::Unimplemented("ironorg.identity.v1.AuthService/Logout");
}

absl::StatusOr<v1::User> IdentityService::ChangePassword(
    const Principal& /*principal*/,
    const v1::ChangePasswordRequest& /*request*/) {
  return errors::Unimplemented(
      "ironorg.identity.v1.AuthService/ChangePassword");
}

absl::StatusOr<v1::ApiToken> IdentityService::CreateApiToken(
    const Principal& /*principal*/,
    const v1::CreateApiTokenRequest& /*request*/) {
  return errors::Unimplemented(
      "ironorg.identity.v1.AuthService/CreateApiToken");
}

absl::StatusOr<v1::ListApiTokensResponse> IdentityService::ListApiTokens(
    const Principal& /*principal*/,
    const v1::ListApiTokensRequest& /*request*/) {
  return errors::Unimplemented("ironorg.identity.v1.AuthService/ListApiTokens");
}

absl::StatusOr<v1::ApiToken> IdentityService::RevokeApiToken(
    const Principal& /*principal*/,
    const v1::RevokeApiTokenRequest& /*request*/) {
  return errors::Unimplemented(
      "ironorg.identity.v1.AuthService/RevokeApiToken");
}

absl::StatusOr<v1::IntrospectTokenResponse> IdentityService::IntrospectToken(
    const Principal& /*principal*/, const v1::IntrospectTokenRequest& request) {
  if (request.token().empty()) {
    return errors::MissingField("token");
  }

  IRONORG_ASSIGN_OR_RETURN(
      std::optional<TokenOwner> owner,
      store_->FindTokenByHash(crypto::Sha256Hex(request.token())));
  if (!owner.has_value() || owner->token.revoke_time.has_value()) {
    return errors::Unauthenticated(kInvalidTokenMessage);
  }
  const std::optional<int64_t>& expire_time = owner->token.expire_time;
  if (expire_time.has_value() && *expire_time <= NowMicros()) {
    return errors::Unauthenticated(kInvalidTokenMessage);
  }
  // TODO: record last_use_time of API tokens (to within a minute) once
  // CreateApiToken exists; access tokens do not report it.

  v1::IntrospectTokenResponse response;
  Principal* caller = response.mutable_principal();
  caller->set_kind(owner->token.kind == kApiTokenKind
                       ? Principal::KIND_USER_API_TOKEN
                       : Principal::KIND_USER_ACCESS_TOKEN);
  caller->set_organization(names::Organization(owner->user.organization_id));
  caller->set_user(ToProto(owner->user).name());
  caller->set_role(static_cast<v1::Role>(owner->user.role));
  caller->set_token_id(owner->token.id);
  if (expire_time.has_value()) {
    *response.mutable_expire_time() = ToTimestamp(*expire_time);
  }
  return response;
}

absl::StatusOr<v1::User> IdentityService::LookupUser(
    const Principal& /*principal*/, const v1::LookupUserRequest& request) {
  IRONORG_ASSIGN_OR_RETURN(std::vector<std::string> ids,
                           names::Parse(request.name(), kUserPattern, "name"));
  IRONORG_ASSIGN_OR_RETURN(UserRecord user, store_->GetUser(ids[0], ids[1]));
  return ToProto(user);
}

}  // namespace ironorg::identity

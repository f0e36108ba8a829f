// The AuthService and InternalAuthService rules of IdentityService:
// logins and their throttling, logout, password changes, API tokens and
// token introspection.
#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/crypto.h"
#include "common/errors.h"
#include "common/log.h"
#include "common/names.h"
#include "common/status_macros.h"
#include "common/time_util.h"
#include "common/validation.h"
#include "services/identity/identity_service.h"
#include "services/identity/service_support.h"

namespace ironorg::identity {
namespace {

using v1::Principal;

// Method names as request-id keys and page-token scopes.
constexpr char kCreateApiTokenMethod[] =
    "ironorg.identity.v1.AuthService/CreateApiToken";
constexpr char kListApiTokensMethod[] =
    "ironorg.identity.v1.AuthService/ListApiTokens";

constexpr char kApiTokenPattern[] =
    "organizations/{organization}/users/{user}/apiTokens/{api_token}";

// One message for an unknown email and a wrong password, so that Login
// does not reveal which addresses are registered.
constexpr char kInvalidLoginMessage[] = "invalid email or password";
constexpr char kInvalidTokenMessage[] = "invalid or expired token";

constexpr char kAccessTokenPrefix[] = "ioa_";
constexpr char kApiTokenPrefix[] = "iok_";

// How far ahead an API token's expire_time may be.
constexpr absl::Duration kMaxApiTokenLifetime = absl::Hours(24 * 365);

// ApiToken.last_use_time is documented as exact to within a minute, so it
// is written at most once a minute per token rather than on every call.
constexpr absl::Duration kTokenUseResolution = absl::Minutes(1);

std::string ApiTokenName(absl::string_view organization_id,
                         absl::string_view user_id,
                         absl::string_view token_id) {
  return absl::StrCat(names::Child(organization_id, "users", user_id),
                      "/apiTokens/", token_id);
}

// Returns the API token without its secret, which is never stored.
v1::ApiToken ToProto(absl::string_view organization_id,
                     const TokenRecord& record) {
  v1::ApiToken token;
  token.set_name(ApiTokenName(organization_id, record.user_id, record.id));
  token.set_display_name(record.display_name);
  if (record.expire_time.has_value()) {
    *token.mutable_expire_time() = ToTimestamp(*record.expire_time);
  }
  if (record.last_use_time.has_value()) {
    *token.mutable_last_use_time() = ToTimestamp(*record.last_use_time);
  }
  *token.mutable_create_time() = ToTimestamp(record.create_time);
  if (record.revoke_time.has_value()) {
    *token.mutable_revoke_time() = ToTimestamp(*record.revoke_time);
  }
  return token;
}

// Checks the optional expire_time of a new API token and returns it in
// microseconds, or nullopt when unset.
absl::StatusOr<std::optional<int64_t>> ValidateApiTokenExpiry(
    const v1::ApiToken& token) {
  if (!token.has_expire_time()) {
    return std::optional<int64_t>();
  }
  constexpr char kField[] = "api_token.expire_time";
  const google::protobuf::Timestamp& timestamp = token.expire_time();
  if (timestamp.nanos() < 0 || timestamp.nanos() > 999'999'999) {
    return errors::InvalidArgument(
        kField, absl::StrCat(kField, ".nanos must be 0 to 999999999, got ",
                             timestamp.nanos()));
  }
  const absl::Time expire_time = absl::FromUnixSeconds(timestamp.seconds()) +
                                 absl::Nanoseconds(timestamp.nanos());
  const absl::Time now = absl::Now();
  if (expire_time <= now || expire_time > now + kMaxApiTokenLifetime) {
    return errors::InvalidArgument(
        kField,
        absl::StrCat(kField, " must be in the future and at most ",
                     absl::ToInt64Hours(kMaxApiTokenLifetime) / 24,
                     " days ahead, or unset for a token that does not "
                     "expire; got ",
                     absl::FormatTime(absl::RFC3339_full, expire_time,
                                      absl::UTCTimeZone())));
  }
  return std::optional<int64_t>(absl::ToUnixMicros(expire_time));
}

// Reads the API token that a create with a replayed request id made. The
// secret is not stored, so the response carries none.
absl::StatusOr<v1::ApiToken> LoadApiToken(IdentityStore& store,
                                          absl::string_view name) {
  IRONORG_ASSIGN_OR_RETURN(std::vector<std::string> ids,
                           names::Parse(name, kApiTokenPattern, "request_id"));
  IRONORG_ASSIGN_OR_RETURN(TokenRecord token,
                           store.GetApiToken(ids[0], ids[1], ids[2]));
  return ToProto(ids[0], token);
}

}  // namespace

absl::Status IdentityService::CountLoginAttempt(absl::string_view email_key) {
  LoginThrottlePolicy policy;
  policy.max_failures = options_.login_max_failures;
  policy.window_micros =
      absl::ToInt64Microseconds(options_.login_failure_window);
  policy.lockout_micros = absl::ToInt64Microseconds(options_.login_lockout);
  const int64_t now = NowMicros();
  IRONORG_ASSIGN_OR_RETURN(std::optional<int64_t> locked_until,
                           store_->BeginLoginAttempt(email_key, now, policy));
  if (!locked_until.has_value()) {
    return absl::OkStatus();
  }
  const absl::Duration retry_delay = absl::Microseconds(*locked_until - now);
  const int64_t seconds =
      std::max<int64_t>(1, absl::ToInt64Seconds(absl::Ceil(
                               retry_delay, absl::Seconds(1))));
  return errors::Throttled(
      absl::StrCat("too many failed logins for this email; retry in ",
                   seconds, " seconds"),
      retry_delay);
}

void IdentityService::ClearLoginAttempts(absl::string_view email_key) {
  absl::Status cleared = store_->ClearLoginFailures(email_key);
  if (!cleared.ok()) {
    IRONORG_LOG(WARNING) << "cannot clear the failed logins of an email: "
                         << cleared;
  }
}

absl::StatusOr<v1::LoginResponse> IdentityService::Login(
    const Principal& /*principal*/, const v1::LoginRequest& request) {
  if (request.email().empty()) {
    return errors::MissingField("email");
  }
  if (request.password().empty()) {
    return errors::MissingField("password");
  }

  // Counted before any hashing, so that a locked email costs no CPU and
  // concurrent guesses cannot overrun the limit.
  const std::string throttle_key = LoginThrottleKey(request.email());
  IRONORG_RETURN_IF_ERROR(CountLoginAttempt(throttle_key));

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
  ClearLoginAttempts(throttle_key);

  v1::LoginResponse response;
  response.set_access_token(access_token);
  *response.mutable_expire_time() = ToTimestamp(*token.expire_time);
  *response.mutable_user() = user_proto;
  return response;
}

absl::StatusOr<v1::LogoutResponse> IdentityService::Logout(
    const Principal& principal, const v1::LogoutRequest& /*request*/) {
  if (!IsUserCaller(principal)) {
    return errors::PermissionDenied(
        "Logout needs a user's access or API token");
  }
  IRONORG_ASSIGN_OR_RETURN(
      std::vector<std::string> ids,
      names::Parse(principal.user(), kUserPattern, "principal.user"));

  const bool api_token = principal.kind() == Principal::KIND_USER_API_TOKEN;
  const std::string resource =
      api_token ? ApiTokenName(ids[0], ids[1], principal.token_id())
                : principal.user();
  const AuditRecord audit_event = NewAuditRecord(
      principal.user(), ids[0], "Logout", resource, "", NowMicros());
  absl::StatusOr<TokenRecord> revoked = store_->RevokeToken(
      ids[0], ids[1], principal.token_id(),
      api_token ? kApiTokenKind : kAccessTokenKind, audit_event);
  if (absl::IsNotFound(revoked.status())) {
    // The token or its user was deleted after the gateway resolved it.
    return errors::Unauthenticated(kInvalidTokenMessage);
  }
  IRONORG_RETURN_IF_ERROR(revoked.status());
  return v1::LogoutResponse();
}

absl::StatusOr<v1::User> IdentityService::ChangePassword(
    const Principal& principal, const v1::ChangePasswordRequest& request) {
  if (principal.kind() != Principal::KIND_USER_ACCESS_TOKEN) {
    return errors::PermissionDenied(
        "ChangePassword needs an access token from Login; API tokens cannot "
        "change passwords");
  }
  if (request.current_password().empty()) {
    return errors::MissingField("current_password");
  }
  IRONORG_RETURN_IF_ERROR(
      validation::ValidatePassword(request.new_password(), "new_password"));
  IRONORG_ASSIGN_OR_RETURN(
      std::vector<std::string> ids,
      names::Parse(principal.user(), kUserPattern, "principal.user"));

  absl::StatusOr<UserRecord> user = store_->GetUser(ids[0], ids[1]);
  if (absl::IsNotFound(user.status())) {
    return errors::Unauthenticated(kInvalidTokenMessage);
  }
  IRONORG_RETURN_IF_ERROR(user.status());

  // A wrong current password counts as a failed login, so that a stolen
  // access token cannot be used to guess the password faster than Login
  // allows.
  const std::string throttle_key = LoginThrottleKey(user->email);
  IRONORG_RETURN_IF_ERROR(CountLoginAttempt(throttle_key));
  if (!crypto::VerifyPassword(user->password_hash,
                              request.current_password())) {
    return errors::InvalidArgument(
        "current_password",
        "current_password is not the user's current password");
  }

  IRONORG_ASSIGN_OR_RETURN(
      std::string password_hash,
      crypto::HashPassword(request.new_password(), options_.password_cost));
  const AuditRecord audit_event =
      NewAuditRecord(principal.user(), ids[0], "ChangePassword",
                     principal.user(), "", NowMicros());
  absl::StatusOr<UserRecord> changed =
      store_->SetPasswordHash(ids[0], ids[1], password_hash,
                              principal.token_id(), audit_event);
  if (absl::IsNotFound(changed.status())) {
    // The calling token was revoked, or the user deleted, meanwhile.
    return errors::Unauthenticated(kInvalidTokenMessage);
  }
  IRONORG_RETURN_IF_ERROR(changed.status());
  ClearLoginAttempts(throttle_key);
  return ToProto(*changed);
}

absl::StatusOr<v1::ApiToken> IdentityService::CreateApiToken(
    const Principal& principal, const v1::CreateApiTokenRequest& request) {
  if (principal.kind() != Principal::KIND_USER_ACCESS_TOKEN) {
    return errors::PermissionDenied(
        "CreateApiToken needs an access token from Login; an API token "
        "cannot create tokens");
  }
  IRONORG_ASSIGN_OR_RETURN(
      std::vector<std::string> ids,
      names::Parse(request.parent(), kUserPattern, "parent"));
  if (request.parent() != principal.user()) {
    return errors::PermissionDenied(absl::StrCat(
        "\"", request.parent(),
        "\" is not the caller; a user may create API tokens only for "
        "themselves"));
  }

  IRONORG_ASSIGN_OR_RETURN(
      std::string display_name,
      validation::NormalizeDisplayName(request.api_token().display_name(),
                                       "api_token.display_name"));
  IRONORG_ASSIGN_OR_RETURN(std::optional<int64_t> expire_time,
                           ValidateApiTokenExpiry(request.api_token()));
  IRONORG_RETURN_IF_ERROR(validation::ValidateRequestId(request.request_id()));

  const RequestKey key{Actor(principal), kCreateApiTokenMethod,
                       request.request_id()};
  const int64_t now = NowMicros();
  const std::string secret = crypto::NewToken(kApiTokenPrefix);
  TokenRecord token;
  token.id = crypto::NewResourceId();
  token.user_id = ids[1];
  token.kind = kApiTokenKind;
  token.token_hash = crypto::Sha256Hex(secret);
  token.display_name = std::move(display_name);
  token.expire_time = expire_time;
  token.create_time = now;

  const std::string token_name = ApiTokenName(ids[0], ids[1], token.id);
  const AuditRecord audit_event =
      NewAuditRecord(key.caller, ids[0], "CreateApiToken", token_name,
                     request.request_id(), now);
  IRONORG_ASSIGN_OR_RETURN(
      CreateOutcome outcome,
      store_->CreateApiToken(ids[0], token, key, audit_event));
  if (outcome.replayed) {
    return LoadApiToken(*store_, outcome.resource);
  }

  v1::ApiToken response = ToProto(ids[0], token);
  response.set_secret(secret);
  return response;
}

absl::StatusOr<v1::ListApiTokensResponse> IdentityService::ListApiTokens(
    const Principal& principal, const v1::ListApiTokensRequest& request) {
  IRONORG_ASSIGN_OR_RETURN(
      std::vector<std::string> ids,
      names::Parse(request.parent(), kUserPattern, "parent"));
  IRONORG_RETURN_IF_ERROR(CheckOrganizationScope(principal, ids[0]));
  if (!CanReadOrganization(principal) &&
      request.parent() != principal.user()) {
    return errors::PermissionDenied(
        "a user may list only their own API tokens; listing another user's "
        "needs ROLE_ADMIN or ROLE_ADMIN_READ_ONLY");
  }
  IRONORG_ASSIGN_OR_RETURN(const int page_size,
                           pagination::NormalizePageSize(request.page_size()));

  const std::string scope = absl::StrCat(kListApiTokensMethod, "\n",
                                         request.parent(), "\n",
                                         Actor(principal));
  std::string after_id;
  if (!request.page_token().empty()) {
    IRONORG_ASSIGN_OR_RETURN(after_id,
                             page_tokens_.Decode(scope, request.page_token()));
  }

  IRONORG_ASSIGN_OR_RETURN(
      std::vector<TokenRecord> tokens,
      store_->ListApiTokens(ids[0], ids[1], after_id, page_size + 1));
  v1::ListApiTokensResponse response;
  const bool has_more = static_cast<int>(tokens.size()) > page_size;
  if (has_more) {
    tokens.resize(page_size);
  }
  for (const TokenRecord& token : tokens) {
    *response.add_api_tokens() = ToProto(ids[0], token);
  }
  if (has_more) {
    response.set_next_page_token(page_tokens_.Encode(scope, tokens.back().id));
  }
  return response;
}

absl::StatusOr<v1::ApiToken> IdentityService::RevokeApiToken(
    const Principal& principal, const v1::RevokeApiTokenRequest& request) {
  IRONORG_ASSIGN_OR_RETURN(
      std::vector<std::string> ids,
      names::Parse(request.name(), kApiTokenPattern, "name"));
  IRONORG_RETURN_IF_ERROR(CheckOrganizationScope(principal, ids[0]));
  const std::string owner = names::Child(ids[0], "users", ids[1]);
  if (IsUserCaller(principal) && principal.role() != v1::ROLE_ADMIN &&
      owner != principal.user()) {
    return errors::PermissionDenied(
        "a user may revoke only their own API tokens; revoking another "
        "user's needs ROLE_ADMIN");
  }

  const AuditRecord audit_event =
      NewAuditRecord(Actor(principal), ids[0], "RevokeApiToken",
                     request.name(), "", NowMicros());
  IRONORG_ASSIGN_OR_RETURN(
      TokenRecord token,
      store_->RevokeToken(ids[0], ids[1], ids[2], kApiTokenKind, audit_event));
  return ToProto(ids[0], token);
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
  const int64_t now = NowMicros();
  const std::optional<int64_t>& expire_time = owner->token.expire_time;
  if (expire_time.has_value() && *expire_time <= now) {
    return errors::Unauthenticated(kInvalidTokenMessage);
  }

  const int64_t resolution = absl::ToInt64Microseconds(kTokenUseResolution);
  const std::optional<int64_t>& last_use_time = owner->token.last_use_time;
  if (owner->token.kind == kApiTokenKind &&
      (!last_use_time.has_value() || *last_use_time <= now - resolution)) {
    // The store repeats the condition, so concurrent calls write once.
    absl::Status recorded =
        store_->RecordTokenUse(owner->token.id, now, resolution);
    if (!recorded.ok()) {
      // The token is valid; a missed last_use_time is not worth failing
      // the caller's request.
      IRONORG_LOG(WARNING) << "cannot record the use of API token "
                           << owner->token.id << ": " << recorded;
    }
  }

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

}  // namespace ironorg::identity

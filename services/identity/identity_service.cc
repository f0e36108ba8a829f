// The OrganizationService, UserService and InternalUserService rules of
// IdentityService. The AuthService rules are in identity_auth.cc.
#include "services/identity/identity_service.h"

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/errors.h"
#include "common/log.h"
#include "common/names.h"
#include "common/status_macros.h"
#include "common/time_util.h"
#include "common/validation.h"
#include "services/identity/service_support.h"

namespace ironorg::identity {
namespace {

using v1::Principal;

// Method names as audit actions, request-id keys and page-token scopes.
constexpr char kCreateOrganizationMethod[] =
    "ironorg.identity.v1.OrganizationService/CreateOrganization";
constexpr char kCreateUserMethod[] =
    "ironorg.identity.v1.UserService/CreateUser";
constexpr char kListUsersMethod[] = "ironorg.identity.v1.UserService/ListUsers";
constexpr char kListAuditEventsMethod[] =
    "ironorg.identity.v1.UserService/ListAuditEvents";
constexpr char kAllowedUpdatePaths[] = "allowed paths: display_name, email";

// The minimum page-token key length, matching the internal secret's.
constexpr size_t kMinPageTokenKeyBytes = 32;

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

audit::v1::AuditEvent ToProto(const AuditRecord& record) {
  audit::v1::AuditEvent event;
  event.set_name(
      names::Child(record.organization_id, "auditEvents", record.id));
  event.set_actor(record.actor);
  event.set_action(record.action);
  event.set_resource(record.resource);
  event.set_request_id(record.request_id);
  *event.mutable_create_time() = ToTimestamp(record.create_time);
  return event;
}

// Prefixes a filter value with its length, so that no two filter
// combinations give the same page-token scope.
std::string ScopePart(absl::string_view value) {
  return absl::StrCat(value.size(), ":", value);
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
  if (options.login_max_failures < 1) {
    return errors::InvalidArgument(
        "login_max_failures",
        absl::StrCat("login_max_failures must be at least 1, got ",
                     options.login_max_failures));
  }
  for (const auto& [field, value] :
       {std::pair<const char*, absl::Duration>{"login_failure_window",
                                               options.login_failure_window},
        std::pair<const char*, absl::Duration>{"login_lockout",
                                               options.login_lockout}}) {
    if (value <= absl::ZeroDuration()) {
      return errors::InvalidArgument(
          field, absl::StrCat(field, " must be positive, got ",
                              absl::FormatDuration(value)));
    }
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
    const Principal& principal, const v1::UpdateUserRequest& request) {
  const v1::User& values = request.user();
  IRONORG_ASSIGN_OR_RETURN(
      std::vector<std::string> ids,
      names::Parse(values.name(), kUserPattern, "user.name"));
  IRONORG_RETURN_IF_ERROR(CheckOrganizationScope(principal, ids[0]));

  if (request.update_mask().paths().empty()) {
    return errors::InvalidArgument(
        "update_mask",
        absl::StrCat("update_mask is required; ", kAllowedUpdatePaths));
  }
  bool update_display_name = false;
  bool update_email = false;
  for (const std::string& path : request.update_mask().paths()) {
    if (path == "display_name") {
      update_display_name = true;
    } else if (path == "email") {
      update_email = true;
    } else {
      return errors::InvalidArgument(
          "update_mask", absl::StrCat("update_mask path \"", path,
                                      "\" cannot be updated; ",
                                      kAllowedUpdatePaths));
    }
  }

  if (IsUserCaller(principal) && principal.role() != v1::ROLE_ADMIN) {
    if (values.name() != principal.user()) {
      return errors::PermissionDenied(
          "only a ROLE_ADMIN may update another user");
    }
    if (update_email) {
      return errors::PermissionDenied(
          "only a ROLE_ADMIN may change an email; a user may change only "
          "their own display_name");
    }
  }

  UserChanges changes;
  if (update_display_name) {
    IRONORG_ASSIGN_OR_RETURN(
        changes.display_name,
        validation::NormalizeDisplayName(values.display_name(),
                                         "user.display_name"));
  }
  if (update_email) {
    IRONORG_ASSIGN_OR_RETURN(
        changes.email,
        validation::NormalizeEmail(values.email(), "user.email"));
  }

  const AuditRecord audit_event =
      NewAuditRecord(Actor(principal), ids[0], "UpdateUser", values.name(),
                     "", NowMicros());
  IRONORG_ASSIGN_OR_RETURN(
      UserRecord user, store_->UpdateUser(ids[0], ids[1], changes,
                                          values.etag(), audit_event));
  return ToProto(user);
}

absl::StatusOr<v1::User> IdentityService::SetUserRole(
    const Principal& principal, const v1::SetUserRoleRequest& request) {
  IRONORG_ASSIGN_OR_RETURN(std::vector<std::string> ids,
                           names::Parse(request.name(), kUserPattern, "name"));
  IRONORG_RETURN_IF_ERROR(CheckOrganizationScope(principal, ids[0]));
  IRONORG_RETURN_IF_ERROR(CheckAdmin(principal, "SetUserRole"));
  IRONORG_RETURN_IF_ERROR(ValidateRequiredRole(request.role(), "role"));

  const AuditRecord audit_event =
      NewAuditRecord(Actor(principal), ids[0], "SetUserRole", request.name(),
                     "", NowMicros());
  IRONORG_ASSIGN_OR_RETURN(
      UserRecord user, store_->SetUserRole(ids[0], ids[1], request.role(),
                                           request.etag(), audit_event));
  return ToProto(user);
}

absl::StatusOr<v1::User> IdentityService::ResetUserPassword(
    const Principal& principal, const v1::ResetUserPasswordRequest& request) {
  IRONORG_ASSIGN_OR_RETURN(std::vector<std::string> ids,
                           names::Parse(request.name(), kUserPattern, "name"));
  IRONORG_RETURN_IF_ERROR(CheckOrganizationScope(principal, ids[0]));
  IRONORG_RETURN_IF_ERROR(CheckAdmin(principal, "ResetUserPassword"));
  IRONORG_RETURN_IF_ERROR(
      validation::ValidatePassword(request.new_password(), "new_password"));

  // Looked up first, so that an unknown user costs no password hash.
  IRONORG_RETURN_IF_ERROR(store_->GetUser(ids[0], ids[1]).status());
  IRONORG_ASSIGN_OR_RETURN(
      std::string password_hash,
      crypto::HashPassword(request.new_password(), options_.password_cost));

  const AuditRecord audit_event =
      NewAuditRecord(Actor(principal), ids[0], "ResetUserPassword",
                     request.name(), "", NowMicros());
  IRONORG_ASSIGN_OR_RETURN(
      UserRecord user,
      store_->SetPasswordHash(ids[0], ids[1], password_hash,
                              /*kept_token_id=*/"", audit_event));
  // An Admin resets a password for a user who cannot log in, so a lockout
  // from the failed attempts before would only be in the way.
  ClearLoginAttempts(LoginThrottleKey(user.email));
  IRONORG_LOG(INFO) << "reset the password of " << request.name()
                    << " and revoked all its tokens";
  return ToProto(user);
}

absl::StatusOr<v1::DeleteUserResponse> IdentityService::DeleteUser(
    const Principal& principal, const v1::DeleteUserRequest& request) {
  IRONORG_ASSIGN_OR_RETURN(std::vector<std::string> ids,
                           names::Parse(request.name(), kUserPattern, "name"));
  IRONORG_RETURN_IF_ERROR(CheckOrganizationScope(principal, ids[0]));
  IRONORG_RETURN_IF_ERROR(CheckAdmin(principal, "DeleteUser"));

  const AuditRecord audit_event =
      NewAuditRecord(Actor(principal), ids[0], "DeleteUser", request.name(),
                     "", NowMicros());
  IRONORG_RETURN_IF_ERROR(
      store_->DeleteUser(ids[0], ids[1], request.etag(), audit_event));
  IRONORG_LOG(INFO) << "deleted " << request.name();
  return v1::DeleteUserResponse();
}

absl::StatusOr<v1::ListAuditEventsResponse> IdentityService::ListAuditEvents(
    const Principal& principal, const v1::ListAuditEventsRequest& request) {
  IRONORG_ASSIGN_OR_RETURN(
      std::string organization_id,
      names::ParseOrganization(request.parent(), "parent"));
  IRONORG_RETURN_IF_ERROR(CheckOrganizationScope(principal, organization_id));
  if (!CanReadOrganization(principal)) {
    return errors::PermissionDenied(
        "ListAuditEvents needs ROLE_ADMIN or ROLE_ADMIN_READ_ONLY");
  }
  IRONORG_ASSIGN_OR_RETURN(const int page_size,
                           pagination::NormalizePageSize(request.page_size()));

  const std::string scope = absl::StrCat(
      kListAuditEventsMethod, "\n", request.parent(), "\n",
      ScopePart(request.actor()), "\n", ScopePart(request.resource()), "\n",
      Actor(principal));
  AuditQuery query;
  query.organization_id = organization_id;
  query.actor = request.actor();
  query.resource = request.resource();
  query.limit = page_size + 1;
  if (!request.page_token().empty()) {
    IRONORG_ASSIGN_OR_RETURN(const std::string last_sequence,
                             page_tokens_.Decode(scope, request.page_token()));
    if (!absl::SimpleAtoi(last_sequence, &query.before_sequence)) {
      // Only a token sealed with the service's key gets here.
      IRONORG_LOG(ERROR) << "sealed audit page token holds \""
                         << last_sequence << "\", not a sequence number";
      return errors::Internal();
    }
  }

  IRONORG_ASSIGN_OR_RETURN(std::vector<AuditRecord> events,
                           store_->ListAuditEvents(query));
  v1::ListAuditEventsResponse response;
  const bool has_more = static_cast<int>(events.size()) > page_size;
  if (has_more) {
    events.resize(page_size);
  }
  for (const AuditRecord& event : events) {
    *response.add_audit_events() = ToProto(event);
  }
  if (has_more) {
    response.set_next_page_token(
        page_tokens_.Encode(scope, absl::StrCat(events.back().sequence)));
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

#include "services/identity/identity_grpc.h"

#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/grpc_status.h"
#include "common/log.h"

namespace ironorg::identity {
namespace {

using v1::Principal;

template <typename Request, typename Response>
using ServiceMethod = absl::StatusOr<Response> (IdentityService::*)(
    const Principal&, const Request&);

// Names the caller in log lines: the user, or else the kind of caller.
std::string CallerForLog(const absl::StatusOr<Principal>& principal) {
  if (!principal.ok()) {
    return "unverified";
  }
  if (!principal->user().empty()) {
    return principal->user();
  }
  return Principal::Kind_Name(principal->kind());
}

// Verifies the call, runs `method` of `service` and converts the result.
template <typename Request, typename Response>
grpc::Status Handle(const InternalCredential& credential,
                    absl::string_view service_full_name,
                    absl::string_view method_name,
                    const grpc::ServerContext& context,
                    IdentityService& service,
                    ServiceMethod<Request, Response> method,
                    const Request& request, Response* response) {
  const std::string path = MethodPath(service_full_name, method_name);
  absl::StatusOr<Principal> principal = credential.Verify(path, context);
  absl::Status status = principal.status();
  if (principal.ok()) {
    absl::StatusOr<Response> result = (service.*method)(*principal, request);
    if (result.ok()) {
      *response = *std::move(result);
    }
    status = result.status();
  }

  if (!status.ok()) {
    IRONORG_LOG(WARNING) << path << " failed with "
                         << absl::StatusCodeToString(status.code()) << ": "
                         << status.message() << " (caller "
                         << CallerForLog(principal) << ", peer "
                         << context.peer() << ")";
  }
  return ToGrpcStatus(status);
}

}  // namespace

grpc::Status OrganizationGrpcService::CreateOrganization(
    grpc::ServerContext* context, const v1::CreateOrganizationRequest* request,
    v1::Organization* response) {
  return Handle(*credential_, v1::OrganizationService::service_full_name(),
                "CreateOrganization", *context, *service_,
                &IdentityService::CreateOrganization, *request, response);
}

grpc::Status OrganizationGrpcService::GetOrganization(
    grpc::ServerContext* context, const v1::GetOrganizationRequest* request,
    v1::Organization* response) {
  return Handle(*credential_, v1::OrganizationService::service_full_name(),
                "GetOrganization", *context, *service_,
                &IdentityService::GetOrganization, *request, response);
}

grpc::Status UserGrpcService::CreateUser(grpc::ServerContext* context,
                                         const v1::CreateUserRequest* request,
                                         v1::User* response) {
  return Handle(*credential_, v1::UserService::service_full_name(),
                "CreateUser", *context, *service_, &IdentityService::CreateUser,
                *request, response);
}

grpc::Status UserGrpcService::GetUser(grpc::ServerContext* context,
                                      const v1::GetUserRequest* request,
                                      v1::User* response) {
  return Handle(*credential_, v1::UserService::service_full_name(), "GetUser",
                *context, *service_, &IdentityService::GetUser, *request,
                response);
}

grpc::Status UserGrpcService::ListUsers(grpc::ServerContext* context,
                                        const v1::ListUsersRequest* request,
                                        v1::ListUsersResponse* response) {
  return Handle(*credential_, v1::UserService::service_full_name(), "ListUsers",
                *context, *service_, &IdentityService::ListUsers, *request,
                response);
}

grpc::Status UserGrpcService::UpdateUser(grpc::ServerContext* context,
                                         const v1::UpdateUserRequest* request,
                                         v1::User* response) {
  return Handle(*credential_, v1::UserService::service_full_name(),
                "UpdateUser", *context, *service_, &IdentityService::UpdateUser,
                *request, response);
}

grpc::Status UserGrpcService::SetUserRole(grpc::ServerContext* context,
                                          const v1::SetUserRoleRequest* request,
                                          v1::User* response) {
  return Handle(*credential_, v1::UserService::service_full_name(),
                "SetUserRole", *context, *service_,
                &IdentityService::SetUserRole, *request, response);
}

grpc::Status UserGrpcService::ResetUserPassword(
    grpc::ServerContext* context, const v1::ResetUserPasswordRequest* request,
    v1::User* response) {
  return Handle(*credential_, v1::UserService::service_full_name(),
                "ResetUserPassword", *context, *service_,
                &IdentityService::ResetUserPassword, *request, response);
}

grpc::Status UserGrpcService::DeleteUser(grpc::ServerContext* context,
                                         const v1::DeleteUserRequest* request,
                                         v1::DeleteUserResponse* response) {
  return Handle(*credential_, v1::UserService::service_full_name(),
                "DeleteUser", *context, *service_, &IdentityService::DeleteUser,
                *request, response);
}

grpc::Status UserGrpcService::ListAuditEvents(
    grpc::ServerContext* context, const v1::ListAuditEventsRequest* request,
    v1::ListAuditEventsResponse* response) {
  return Handle(*credential_, v1::UserService::service_full_name(),
                "ListAuditEvents", *context, *service_,
                &IdentityService::ListAuditEvents, *request, response);
}

grpc::Status AuthGrpcService::Login(grpc::ServerContext* context,
                                    const v1::LoginRequest* request,
                                    v1::LoginResponse* response) {
  return Handle(*credential_, v1::AuthService::service_full_name(), "Login",
                *context, *service_, &IdentityService::Login, *request,
                response);
}

grpc::Status AuthGrpcService::Logout(grpc::ServerContext* context,
                                     const v1::LogoutRequest* request,
                                     v1::LogoutResponse* response) {
  return Handle(*credential_, v1::AuthService::service_full_name(), "Logout",
                *context, *service_, &IdentityService::Logout, *request,
                response);
}

grpc::Status AuthGrpcService::ChangePassword(
    grpc::ServerContext* context, const v1::ChangePasswordRequest* request,
    v1::User* response) {
  return Handle(*credential_, v1::AuthService::service_full_name(),
                "ChangePassword", *context, *service_,
                &IdentityService::ChangePassword, *request, response);
}

grpc::Status AuthGrpcService::CreateApiToken(
    grpc::ServerContext* context, const v1::CreateApiTokenRequest* request,
    v1::ApiToken* response) {
  return Handle(*credential_, v1::AuthService::service_full_name(),
                "CreateApiToken", *context, *service_,
                &IdentityService::CreateApiToken, *request, response);
}

grpc::Status AuthGrpcService::ListApiTokens(
    grpc::ServerContext* context, const v1::ListApiTokensRequest* request,
    v1::ListApiTokensResponse* response) {
  return Handle(*credential_, v1::AuthService::service_full_name(),
                "ListApiTokens", *context, *service_,
                &IdentityService::ListApiTokens, *request, response);
}

grpc::Status AuthGrpcService::RevokeApiToken(
    grpc::ServerContext* context, const v1::RevokeApiTokenRequest* request,
    v1::ApiToken* response) {
  return Handle(*credential_, v1::AuthService::service_full_name(),
                "RevokeApiToken", *context, *service_,
                &IdentityService::RevokeApiToken, *request, response);
}

grpc::Status InternalAuthGrpcService::IntrospectToken(
    grpc::ServerContext* context, const v1::IntrospectTokenRequest* request,
    v1::IntrospectTokenResponse* response) {
  return Handle(*credential_, v1::InternalAuthService::service_full_name(),
                "IntrospectToken", *context, *service_,
                &IdentityService::IntrospectToken, *request, response);
}

grpc::Status InternalUserGrpcService::LookupUser(
    grpc::ServerContext* context, const v1::LookupUserRequest* request,
    v1::User* response) {
  return Handle(*credential_, v1::InternalUserService::service_full_name(),
                "LookupUser", *context, *service_, &IdentityService::LookupUser,
                *request, response);
}

}  // namespace ironorg::identity

// The gRPC adapter of the identity service: one synchronous service class
// per proto service, each a thin shell over IdentityService.
//
// Every handler first verifies the internal signature of the call, so an
// unsigned or badly signed call is UNAUTHENTICATED. It then passes the
// verified Principal and the request to IdentityService and converts the
// result with ToGrpcStatus. Each failed call logs one WARNING line with
// the method and the status code.
//
// Thread-safe, as IdentityService is. The service and credential passed
// to each constructor must outlive the object.
#ifndef IRONORG_SERVICES_IDENTITY_IDENTITY_GRPC_H_
#define IRONORG_SERVICES_IDENTITY_IDENTITY_GRPC_H_

#include <grpcpp/server_context.h>
#include <grpcpp/support/status.h>

#include "common/internal_auth.h"
#include "ironorg/identity/v1/auth.grpc.pb.h"
#include "ironorg/identity/v1/internal.grpc.pb.h"
#include "ironorg/identity/v1/organization.grpc.pb.h"
#include "ironorg/identity/v1/user.grpc.pb.h"
#include "services/identity/identity_service.h"

namespace ironorg::identity {

class OrganizationGrpcService final : public v1::OrganizationService::Service {
 public:
  OrganizationGrpcService(IdentityService* service,
                          const InternalCredential* credential)
      : service_(service), credential_(credential) {}

  grpc::Status CreateOrganization(grpc::ServerContext* context,
                                  const v1::CreateOrganizationRequest* request,
                                  v1::Organization* response) override;
  grpc::Status GetOrganization(grpc::ServerContext* context,
                               const v1::GetOrganizationRequest* request,
                               v1::Organization* response) override;

 private:
  IdentityService* service_;
  const InternalCredential* credential_;
};

class UserGrpcService final : public v1::UserService::Service {
 public:
  UserGrpcService(IdentityService* service,
                  const InternalCredential* credential)
      : service_(service), credential_(credential) {}

  grpc::Status CreateUser(grpc::ServerContext* context,
                          const v1::CreateUserRequest* request,
                          v1::User* response) override;
  grpc::Status GetUser(grpc::ServerContext* context,
                       const v1::GetUserRequest* request,
                       v1::User* response) override;
  grpc::Status ListUsers(grpc::ServerContext* context,
                         const v1::ListUsersRequest* request,
                         v1::ListUsersResponse* response) override;
  grpc::Status UpdateUser(grpc::ServerContext* context,
                          const v1::UpdateUserRequest* request,
                          v1::User* response) override;
  grpc::Status SetUserRole(grpc::ServerContext* context,
                           const v1::SetUserRoleRequest* request,
                           v1::User* response) override;
  grpc::Status ResetUserPassword(grpc::ServerContext* context,
                                 const v1::ResetUserPasswordRequest* request,
                                 v1::User* response) override;
  grpc::Status DeleteUser(grpc::ServerContext* context,
                          const v1::DeleteUserRequest* request,
                          v1::DeleteUserResponse* response) override;
  grpc::Status ListAuditEvents(grpc::ServerContext* context,
                               const v1::ListAuditEventsRequest* request,
                               v1::ListAuditEventsResponse* response) override;

 private:
  IdentityService* service_;
  const InternalCredential* credential_;
};

class AuthGrpcService final : public v1::AuthService::Service {
 public:
  AuthGrpcService(IdentityService* service,
                  const InternalCredential* credential)
      : service_(service), credential_(credential) {}

  grpc::Status Login(grpc::ServerContext* context,
                     const v1::LoginRequest* request,
                     v1::LoginResponse* response) override;
  grpc::Status Logout(grpc::ServerContext* context,
                      const v1::LogoutRequest* request,
                      v1::LogoutResponse* response) override;
  grpc::Status ChangePassword(grpc::ServerContext* context,
                              const v1::ChangePasswordRequest* request,
                              v1::User* response) override;
  grpc::Status CreateApiToken(grpc::ServerContext* context,
                              const v1::CreateApiTokenRequest* request,
                              v1::ApiToken* response) override;
  grpc::Status ListApiTokens(grpc::ServerContext* context,
                             const v1::ListApiTokensRequest* request,
                             v1::ListApiTokensResponse* response) override;
  grpc::Status RevokeApiToken(grpc::ServerContext* context,
                              const v1::RevokeApiTokenRequest* request,
                              v1::ApiToken* response) override;

 private:
  IdentityService* service_;
  const InternalCredential* credential_;
};

class InternalAuthGrpcService final : public v1::InternalAuthService::Service {
 public:
  InternalAuthGrpcService(IdentityService* service,
                          const InternalCredential* credential)
      : service_(service), credential_(credential) {}

  grpc::Status IntrospectToken(grpc::ServerContext* context,
                               const v1::IntrospectTokenRequest* request,
                               v1::IntrospectTokenResponse* response) override;

 private:
  IdentityService* service_;
  const InternalCredential* credential_;
};

class InternalUserGrpcService final : public v1::InternalUserService::Service {
 public:
  InternalUserGrpcService(IdentityService* service,
                          const InternalCredential* credential)
      : service_(service), credential_(credential) {}

  grpc::Status LookupUser(grpc::ServerContext* context,
                          const v1::LookupUserRequest* request,
                          v1::User* response) override;

 private:
  IdentityService* service_;
  const InternalCredential* credential_;
};

}  // namespace ironorg::identity

#endif  // IRONORG_SERVICES_IDENTITY_IDENTITY_GRPC_H_

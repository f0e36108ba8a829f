#include "services/projects/project_grpc.h"

#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "common/grpc_status.h"
#include "common/log.h"

namespace ironorg::projects {
namespace {

namespace v1 = ::ironorg::projects::v1;
using ::ironorg::identity::v1::Principal;

template <typename Request, typename Response>
using Handler = absl::StatusOr<Response> (ProjectService::*)(const Principal&,
                                                             const Request&);

std::string CallerForLog(const absl::StatusOr<Principal>& caller) {
  if (!caller.ok()) {
    return "an unverified caller";
  }
  if (!caller->user().empty()) {
    return caller->user();
  }
  return absl::StrCat("a caller of kind ",
                      Principal::Kind_Name(caller->kind()));
}

// Verifies the call's signature for `method` of `service_name`, runs
// `handler` and converts its status.
template <typename Request, typename Response>
grpc::Status Serve(const InternalCredential& credential,
                   absl::string_view service_name, absl::string_view method,
                   const grpc::ServerContext& context, const Request& request,
                   Response* response, ProjectService& service,
                   Handler<Request, Response> handler) {
  const std::string path = MethodPath(service_name, method);
  absl::StatusOr<Principal> caller = credential.Verify(path, context);
  absl::Status status = caller.status();
  if (caller.ok()) {
    absl::StatusOr<Response> result = (service.*handler)(*caller, request);
    if (result.ok()) {
      *response = *std::move(result);
      return grpc::Status::OK;
    }
    status = result.status();
  }

  IRONORG_LOG(WARNING) << path << " failed with "
                       << absl::StatusCodeToString(status.code()) << " for "
                       << CallerForLog(caller) << ": " << status.message();
  return ToGrpcStatus(status);
}

}  // namespace

grpc::Status ProjectGrpcService::CreateProject(
    grpc::ServerContext* context, const v1::CreateProjectRequest* request,
    v1::Project* response) {
  return Serve(*credential_, v1::ProjectService::service_full_name(),
               "CreateProject", *context, *request, response, *service_,
               &ProjectService::CreateProject);
}

grpc::Status ProjectGrpcService::GetProject(
    grpc::ServerContext* context, const v1::GetProjectRequest* request,
    v1::Project* response) {
  return Serve(*credential_, v1::ProjectService::service_full_name(),
               "GetProject", *context, *request, response, *service_,
               &ProjectService::GetProject);
}

grpc::Status ProjectGrpcService::ListProjects(
    grpc::ServerContext* context, const v1::ListProjectsRequest* request,
    v1::ListProjectsResponse* response) {
  return Serve(*credential_, v1::ProjectService::service_full_name(),
               "ListProjects", *context, *request, response, *service_,
               &ProjectService::ListProjects);
}

grpc::Status ProjectGrpcService::UpdateProject(
    grpc::ServerContext* context, const v1::UpdateProjectRequest* request,
    v1::Project* response) {
  return Serve(*credential_, v1::ProjectService::service_full_name(),
               "UpdateProject", *context, *request, response, *service_,
               &ProjectService::UpdateProject);
}

grpc::Status ProjectGrpcService::DeleteProject(
    grpc::ServerContext* context, const v1::DeleteProjectRequest* request,
    v1::DeleteProjectResponse* response) {
  return Serve(*credential_, v1::ProjectService::service_full_name(),
               "DeleteProject", *context, *request, response, *service_,
               &ProjectService::DeleteProject);
}

grpc::Status ProjectGrpcService::ListAuditEvents(
    grpc::ServerContext* context, const v1::ListAuditEventsRequest* request,
    v1::ListAuditEventsResponse* response) {
  return Serve(*credential_, v1::ProjectService::service_full_name(),
               "ListAuditEvents", *context, *request, response, *service_,
               &ProjectService::ListAuditEvents);
}

grpc::Status ProjectAccessGrpcService::GrantProjectAccess(
    grpc::ServerContext* context, const v1::GrantProjectAccessRequest* request,
    v1::GrantProjectAccessResponse* response) {
  return Serve(*credential_, v1::ProjectAccessService::service_full_name(),
               "GrantProjectAccess", *context, *request, response, *service_,
               &ProjectService::GrantProjectAccess);
}

grpc::Status ProjectAccessGrpcService::RevokeProjectAccess(
    grpc::ServerContext* context, const v1::RevokeProjectAccessRequest* request,
    v1::RevokeProjectAccessResponse* response) {
  return Serve(*credential_, v1::ProjectAccessService::service_full_name(),
               "RevokeProjectAccess", *context, *request, response, *service_,
               &ProjectService::RevokeProjectAccess);
}

grpc::Status ProjectAccessGrpcService::ListProjectMembers(
    grpc::ServerContext* context, const v1::ListProjectMembersRequest* request,
    v1::ListProjectMembersResponse* response) {
  return Serve(*credential_, v1::ProjectAccessService::service_full_name(),
               "ListProjectMembers", *context, *request, response, *service_,
               &ProjectService::ListProjectMembers);
}

grpc::Status ProjectAccessGrpcService::ListUserProjects(
    grpc::ServerContext* context, const v1::ListUserProjectsRequest* request,
    v1::ListUserProjectsResponse* response) {
  return Serve(*credential_, v1::ProjectAccessService::service_full_name(),
               "ListUserProjects", *context, *request, response, *service_,
               &ProjectService::ListUserProjects);
}

grpc::Status ProjectAccessGrpcService::SetUserProjects(
    grpc::ServerContext* context, const v1::SetUserProjectsRequest* request,
    v1::SetUserProjectsResponse* response) {
  return Serve(*credential_, v1::ProjectAccessService::service_full_name(),
               "SetUserProjects", *context, *request, response, *service_,
               &ProjectService::SetUserProjects);
}

grpc::Status InternalProjectAccessGrpcService::CheckProjectAccess(
    grpc::ServerContext* context, const v1::CheckProjectAccessRequest* request,
    v1::CheckProjectAccessResponse* response) {
  return Serve(*credential_,
               v1::InternalProjectAccessService::service_full_name(),
               "CheckProjectAccess", *context, *request, response, *service_,
               &ProjectService::CheckProjectAccess);
}

}  // namespace ironorg::projects

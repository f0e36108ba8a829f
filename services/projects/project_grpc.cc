#include "services/projects/project_grpc.h"

#include "common/grpc_handler.h"

namespace ironorg::projects {
namespace {

namespace v1 = ::ironorg::projects::v1;

}  // namespace

grpc::Status ProjectGrpcService::CreateProject(
    grpc::ServerContext* context, const v1::CreateProjectRequest* request,
    v1::Project* response) {
  return HandleVerifiedCall(
      *credential_, v1::ProjectService::service_full_name(), "CreateProject",
      *context, *request, response, *service_, &ProjectService::CreateProject);
}

grpc::Status ProjectGrpcService::GetProject(
    grpc::ServerContext* context, const v1::GetProjectRequest* request,
    v1::Project* response) {
  return HandleVerifiedCall(
      *credential_, v1::ProjectService::service_full_name(), "GetProject",
      *context, *request, response, *service_, &ProjectService::GetProject);
}

grpc::Status ProjectGrpcService::ListProjects(
    grpc::ServerContext* context, const v1::ListProjectsRequest* request,
    v1::ListProjectsResponse* response) {
  return HandleVerifiedCall(
      *credential_, v1::ProjectService::service_full_name(), "ListProjects",
      *context, *request, response, *service_, &ProjectService::ListProjects);
}

grpc::Status ProjectGrpcService::UpdateProject(
    grpc::ServerContext* context, const v1::UpdateProjectRequest* request,
    v1::Project* response) {
  return HandleVerifiedCall(
      *credential_, v1::ProjectService::service_full_name(), "UpdateProject",
      *context, *request, response, *service_, &ProjectService::UpdateProject);
}

grpc::Status ProjectGrpcService::DeleteProject(
    grpc::ServerContext* context, const v1::DeleteProjectRequest* request,
    v1::DeleteProjectResponse* response) {
  return HandleVerifiedCall(
      *credential_, v1::ProjectService::service_full_name(), "DeleteProject",
      *context, *request, response, *service_, &ProjectService::DeleteProject);
}

grpc::Status ProjectGrpcService::ListAuditEvents(
    grpc::ServerContext* context, const v1::ListAuditEventsRequest* request,
    v1::ListAuditEventsResponse* response) {
  return HandleVerifiedCall(*credential_,
                            v1::ProjectService::service_full_name(),
                            "ListAuditEvents", *context, *request, response,
                            *service_, &ProjectService::ListAuditEvents);
}

grpc::Status ProjectAccessGrpcService::GrantProjectAccess(
    grpc::ServerContext* context, const v1::GrantProjectAccessRequest* request,
    v1::GrantProjectAccessResponse* response) {
  return HandleVerifiedCall(*credential_,
                            v1::ProjectAccessService::service_full_name(),
                            "GrantProjectAccess", *context, *request, response,
                            *service_, &ProjectService::GrantProjectAccess);
}

grpc::Status ProjectAccessGrpcService::RevokeProjectAccess(
    grpc::ServerContext* context, const v1::RevokeProjectAccessRequest* request,
    v1::RevokeProjectAccessResponse* response) {
  return HandleVerifiedCall(*credential_,
                            v1::ProjectAccessService::service_full_name(),
                            "RevokeProjectAccess", *context, *request, response,
                            *service_, &ProjectService::RevokeProjectAccess);
}

grpc::Status ProjectAccessGrpcService::ListProjectMembers(
    grpc::ServerContext* context, const v1::ListProjectMembersRequest* request,
    v1::ListProjectMembersResponse* response) {
  return HandleVerifiedCall(*credential_,
                            v1::ProjectAccessService::service_full_name(),
                            "ListProjectMembers", *context, *request, response,
                            *service_, &ProjectService::ListProjectMembers);
}

grpc::Status ProjectAccessGrpcService::ListUserProjects(
    grpc::ServerContext* context, const v1::ListUserProjectsRequest* request,
    v1::ListUserProjectsResponse* response) {
  return HandleVerifiedCall(*credential_,
                            v1::ProjectAccessService::service_full_name(),
                            "ListUserProjects", *context, *request, response,
                            *service_, &ProjectService::ListUserProjects);
}

grpc::Status ProjectAccessGrpcService::SetUserProjects(
    grpc::ServerContext* context, const v1::SetUserProjectsRequest* request,
    v1::SetUserProjectsResponse* response) {
  return HandleVerifiedCall(*credential_,
                            v1::ProjectAccessService::service_full_name(),
                            "SetUserProjects", *context, *request, response,
                            *service_, &ProjectService::SetUserProjects);
}

grpc::Status InternalProjectAccessGrpcService::CheckProjectAccess(
    grpc::ServerContext* context, const v1::CheckProjectAccessRequest* request,
    v1::CheckProjectAccessResponse* response) {
  return HandleVerifiedCall(
      *credential_, v1::InternalProjectAccessService::service_full_name(),
      "CheckProjectAccess", *context, *request, response, *service_,
      &ProjectService::CheckProjectAccess);
}

}  // namespace ironorg::projects

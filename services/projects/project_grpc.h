// The gRPC adapters of the projects service: each handler verifies the
// internal signature of the call, passes the verified Principal and the
// request to ProjectService, and converts the resulting status. A failed
// call logs one WARNING line with the method and the status code.
//
// Thread-safe: handlers keep no state of their own.
#ifndef IRONORG_SERVICES_PROJECTS_PROJECT_GRPC_H_
#define IRONORG_SERVICES_PROJECTS_PROJECT_GRPC_H_

#include "common/internal_auth.h"
#include "ironorg/projects/v1/internal.grpc.pb.h"
#include "ironorg/projects/v1/project.grpc.pb.h"
#include "ironorg/projects/v1/project_access.grpc.pb.h"
#include "services/projects/project_service.h"

namespace ironorg::projects {

// ironorg.projects.v1.ProjectService.
class ProjectGrpcService final
    : public ironorg::projects::v1::ProjectService::Service {
 public:
  // `credential` and `service` must outlive this object.
  ProjectGrpcService(const InternalCredential* credential,
                     ProjectService* service)
      : credential_(credential), service_(service) {}

  grpc::Status CreateProject(
      grpc::ServerContext* context,
      const ironorg::projects::v1::CreateProjectRequest* request,
      ironorg::projects::v1::Project* response) override;
  grpc::Status GetProject(
      grpc::ServerContext* context,
      const ironorg::projects::v1::GetProjectRequest* request,
      ironorg::projects::v1::Project* response) override;
  grpc::Status ListProjects(
      grpc::ServerContext* context,
      const ironorg::projects::v1::ListProjectsRequest* request,
      ironorg::projects::v1::ListProjectsResponse* response) override;
  grpc::Status UpdateProject(
      grpc::ServerContext* context,
      const ironorg::projects::v1::UpdateProjectRequest* request,
      ironorg::projects::v1::Project* response) override;
  grpc::Status DeleteProject(
      grpc::ServerContext* context,
      const ironorg::projects::v1::DeleteProjectRequest* request,
      ironorg::projects::v1::DeleteProjectResponse* response) override;
  grpc::Status ListAuditEvents(
      grpc::ServerContext* context,
      const ironorg::projects::v1::ListAuditEventsRequest* request,
      ironorg::projects::v1::ListAuditEventsResponse* response) override;

 private:
  const InternalCredential* credential_;
  ProjectService* service_;
};

// ironorg.projects.v1.ProjectAccessService.
class ProjectAccessGrpcService final
    : public ironorg::projects::v1::ProjectAccessService::Service {
 public:
  // `credential` and `service` must outlive this object.
  ProjectAccessGrpcService(const InternalCredential* credential,
                           ProjectService* service)
      : credential_(credential), service_(service) {}

  grpc::Status GrantProjectAccess(
      grpc::ServerContext* context,
      const ironorg::projects::v1::GrantProjectAccessRequest* request,
      ironorg::projects::v1::GrantProjectAccessResponse* response) override;
  grpc::Status RevokeProjectAccess(
      grpc::ServerContext* context,
      const ironorg::projects::v1::RevokeProjectAccessRequest* request,
      ironorg::projects::v1::RevokeProjectAccessResponse* response) override;
  grpc::Status ListProjectMembers(
      grpc::ServerContext* context,
      const ironorg::projects::v1::ListProjectMembersRequest* request,
      ironorg::projects::v1::ListProjectMembersResponse* response) override;
  grpc::Status ListUserProjects(
      grpc::ServerContext* context,
      const ironorg::projects::v1::ListUserProjectsRequest* request,
      ironorg::projects::v1::ListUserProjectsResponse* response) override;
  grpc::Status SetUserProjects(
      grpc::ServerContext* context,
      const ironorg::projects::v1::SetUserProjectsRequest* request,
      ironorg::projects::v1::SetUserProjectsResponse* response) override;

 private:
  const InternalCredential* credential_;
  ProjectService* service_;
};

// ironorg.projects.v1.InternalProjectAccessService.
class InternalProjectAccessGrpcService final
    : public ironorg::projects::v1::InternalProjectAccessService::Service {
 public:
  // `credential` and `service` must outlive this object.
  InternalProjectAccessGrpcService(const InternalCredential* credential,
                                   ProjectService* service)
      : credential_(credential), service_(service) {}

  grpc::Status CheckProjectAccess(
      grpc::ServerContext* context,
      const ironorg::projects::v1::CheckProjectAccessRequest* request,
      ironorg::projects::v1::CheckProjectAccessResponse* response) override;

 private:
  const InternalCredential* credential_;
  ProjectService* service_;
};

}  // namespace ironorg::projects

#endif  // IRONORG_SERVICES_PROJECTS_PROJECT_GRPC_H_

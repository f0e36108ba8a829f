#include "services/projects/project_service.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/access_rules.h"
#include "common/audit_log.h"
#include "common/errors.h"
#include "common/names.h"
#include "common/status_macros.h"
#include "common/time_util.h"
#include "common/validation.h"
#include "google/protobuf/field_mask.pb.h"

namespace ironorg::projects {
namespace {

using ::ironorg::identity::v1::Principal;
using ::ironorg::projects::v1::CheckProjectAccessRequest;
using ::ironorg::projects::v1::CheckProjectAccessResponse;
using ::ironorg::projects::v1::CreateProjectRequest;
using ::ironorg::projects::v1::DeleteProjectRequest;
using ::ironorg::projects::v1::DeleteProjectResponse;
using ::ironorg::projects::v1::GetProjectRequest;
using ::ironorg::projects::v1::GrantProjectAccessRequest;
using ::ironorg::projects::v1::GrantProjectAccessResponse;
using ::ironorg::projects::v1::ListAuditEventsRequest;
using ::ironorg::projects::v1::ListAuditEventsResponse;
using ::ironorg::projects::v1::ListProjectMembersRequest;
using ::ironorg::projects::v1::ListProjectMembersResponse;
using ::ironorg::projects::v1::ListProjectsRequest;
using ::ironorg::projects::v1::ListProjectsResponse;
using ::ironorg::projects::v1::ListUserProjectsRequest;
using ::ironorg::projects::v1::ListUserProjectsResponse;
using ::ironorg::projects::v1::Project;
using ::ironorg::projects::v1::RevokeProjectAccessRequest;
using ::ironorg::projects::v1::RevokeProjectAccessResponse;
using ::ironorg::projects::v1::SetUserProjectsRequest;
using ::ironorg::projects::v1::SetUserProjectsResponse;
using ::ironorg::projects::v1::UpdateProjectRequest;

constexpr absl::string_view kProjectPattern =
    "organizations/{organization}/projects/{project}";

// The service name in caller-check messages.
constexpr absl::string_view kServiceName = "projects";

struct ProjectName {
  std::string organization_id;
  std::string project_id;
};

absl::StatusOr<ProjectName> ParseProjectName(absl::string_view name,
                                             absl::string_view field) {
  absl::StatusOr<std::vector<std::string>> ids =
      names::Parse(name, kProjectPattern, field);
  if (!ids.ok()) {
    return ids.status();
  }
  return ProjectName{(*ids)[0], (*ids)[1]};
}

// Lets a user act only inside their own organization and a peer service
// anywhere, before any lookup.
absl::Status CheckOrganization(const Principal& caller,
                               absl::string_view organization_id) {
  return access::CheckOrganization(caller, organization_id, kServiceName);
}

// Accepts an update mask that lists only `display_name`, the one field of
// a project a caller may change.
absl::Status ValidateUpdateMask(const google::protobuf::FieldMask& mask) {
  constexpr absl::string_view kAllowedPaths = "allowed paths: display_name";
  if (mask.paths().empty()) {
    return errors::InvalidArgument(
        "update_mask",
        absl::StrCat("update_mask is required; ", kAllowedPaths));
  }
  for (const std::string& path : mask.paths()) {
    if (path != "display_name") {
      return errors::InvalidArgument(
          "update_mask", absl::StrCat("update_mask path \"", path,
                                      "\" cannot be updated; ", kAllowedPaths));
    }
  }
  return absl::OkStatus();
}

// Returns the last key sealed in `page_token`, or empty for the first page.
absl::StatusOr<std::string> DecodePageToken(
    const pagination::PageTokenCodec& codec, absl::string_view scope,
    absl::string_view page_token) {
  if (page_token.empty()) {
    return std::string();
  }
  return codec.Decode(scope, page_token);
}

// The scope a page token is sealed to: the method, the parent and the
// caller, so that a token works only for the request that produced it.
std::string PageScope(absl::string_view method, absl::string_view parent,
                      const Principal& caller) {
  return absl::StrCat(method, "\n", parent, "\n", access::AuditActor(caller));
}

}  // namespace

absl::StatusOr<Project> ProjectService::CreateProject(
    const Principal& caller, const CreateProjectRequest& request) {
  absl::StatusOr<std::string> organization_id =
      names::ParseOrganization(request.parent(), "parent");
  if (!organization_id.ok()) {
    return organization_id.status();
  }
  absl::Status allowed = CheckOrganization(caller, *organization_id);
  if (allowed.ok()) {
    allowed = access::RequireAdmin(caller, "CreateProject");
  }
  if (!allowed.ok()) {
    return allowed;
  }

  absl::Status request_id_valid =
      validation::ValidateRequestId(request.request_id());
  if (!request_id_valid.ok()) {
    return request_id_valid;
  }
  absl::StatusOr<std::string> display_name = validation::NormalizeDisplayName(
      request.project().display_name(), "project.display_name");
  if (!display_name.ok()) {
    return display_name.status();
  }

  const Mutation mutation{access::AuditActor(caller), "CreateProject",
                          request.request_id(), NowMicros()};
  absl::StatusOr<CreatedProject> created =
      store_->CreateProject(*organization_id, *display_name, mutation);
  if (!created.ok()) {
    return created.status();
  }
  return std::move(created->project);
}

absl::StatusOr<Project> ProjectService::GetProject(
    const Principal& caller, const GetProjectRequest& request) {
  absl::StatusOr<ProjectName> name = ParseProjectName(request.name(), "name");
  if (!name.ok()) {
    return name.status();
  }
  absl::Status allowed = CheckOrganization(caller, name->organization_id);
  if (!allowed.ok()) {
    return allowed;
  }

  if (access::SeesWholeOrganization(caller)) {
    return store_->GetProject(name->organization_id, name->project_id);
  }
  if (caller.role() != identity::v1::ROLE_DEVELOPER) {
    return errors::PermissionDenied(
        "GetProject needs the ROLE_ADMIN, ROLE_ADMIN_READ_ONLY or "
        "ROLE_DEVELOPER role");
  }
  // A grant exists only for an existing project, so a Developer without
  // one learns nothing about whether the project exists.
  absl::StatusOr<bool> granted =
      store_->HasAccess(name->organization_id, name->project_id, caller.user());
  if (!granted.ok()) {
    return granted.status();
  }
  if (!*granted) {
    return errors::PermissionDenied(absl::StrCat(
        "\"", caller.user(), "\" holds no grant on \"", request.name(), "\""));
  }
  return store_->GetProject(name->organization_id, name->project_id);
}

absl::StatusOr<ListProjectsResponse> ProjectService::ListProjects(
    const Principal& caller, const ListProjectsRequest& request) {
  absl::StatusOr<std::string> organization_id =
      names::ParseOrganization(request.parent(), "parent");
  if (!organization_id.ok()) {
    return organization_id.status();
  }
  absl::Status allowed = CheckOrganization(caller, *organization_id);
  if (!allowed.ok()) {
    return allowed;
  }
  const bool sees_all = access::SeesWholeOrganization(caller);
  if (!sees_all && caller.role() != identity::v1::ROLE_DEVELOPER) {
    return errors::PermissionDenied(
        "ListProjects needs the ROLE_ADMIN, ROLE_ADMIN_READ_ONLY or "
        "ROLE_DEVELOPER role");
  }

  absl::StatusOr<int> page_size =
      pagination::NormalizePageSize(request.page_size());
  if (!page_size.ok()) {
    return page_size.status();
  }
  const std::string scope = PageScope("ListProjects", request.parent(), caller);
  absl::StatusOr<std::string> after_id =
      DecodePageToken(page_tokens_, scope, request.page_token());
  if (!after_id.ok()) {
    return after_id.status();
  }

  absl::StatusOr<ProjectPage> page =
      sees_all ? store_->ListProjects(*organization_id, *after_id, *page_size)
               : store_->ListGrantedProjects(*organization_id, caller.user(),
                                             *after_id, *page_size);
  if (!page.ok()) {
    return page.status();
  }
  ListProjectsResponse response;
  for (Project& project : page->projects) {
    *response.add_projects() = std::move(project);
  }
  if (page->has_more) {
    response.set_next_page_token(page_tokens_.Encode(scope, page->last_id));
  }
  return response;
}

absl::StatusOr<Project> ProjectService::UpdateProject(
    const Principal& caller, const UpdateProjectRequest& request) {
  const Project& values = request.project();
  IRONORG_ASSIGN_OR_RETURN(const ProjectName name,
                           ParseProjectName(values.name(), "project.name"));
  IRONORG_RETURN_IF_ERROR(CheckOrganization(caller, name.organization_id));
  IRONORG_RETURN_IF_ERROR(access::RequireAdmin(caller, "UpdateProject"));

  IRONORG_RETURN_IF_ERROR(ValidateUpdateMask(request.update_mask()));
  IRONORG_ASSIGN_OR_RETURN(const std::string display_name,
                           validation::NormalizeDisplayName(
                               values.display_name(), "project.display_name"));

  const Mutation mutation{access::AuditActor(caller), "UpdateProject",
                          /*request_id=*/"", NowMicros()};
  return store_->UpdateProject(name.organization_id, name.project_id,
                               display_name, values.etag(), mutation);
}

absl::StatusOr<DeleteProjectResponse> ProjectService::DeleteProject(
    const Principal& caller, const DeleteProjectRequest& request) {
  IRONORG_ASSIGN_OR_RETURN(const ProjectName name,
                           ParseProjectName(request.name(), "name"));
  IRONORG_RETURN_IF_ERROR(CheckOrganization(caller, name.organization_id));
  IRONORG_RETURN_IF_ERROR(access::RequireAdmin(caller, "DeleteProject"));

  const Mutation mutation{access::AuditActor(caller), "DeleteProject",
                          /*request_id=*/"", NowMicros()};
  IRONORG_RETURN_IF_ERROR(store_->DeleteProject(
      name.organization_id, name.project_id, request.etag(), mutation));
  return DeleteProjectResponse();
}

absl::StatusOr<ListAuditEventsResponse> ProjectService::ListAuditEvents(
    const Principal& caller, const ListAuditEventsRequest& request) {
  const audit_log::ListRules rules{
      "ironorg.projects.v1.ProjectService/ListAuditEvents",
      std::string(kServiceName),
      {identity::v1::ROLE_ADMIN, identity::v1::ROLE_ADMIN_READ_ONLY}};
  absl::StatusOr<audit_log::ListPage> page = audit_log::ListAuditEvents(
      caller, audit_log::ToListRequest(request), rules, page_tokens_,
      [this](const audit_log::AuditQuery& query) {
        return store_->ListAuditEvents(query);
      });
  if (!page.ok()) {
    return page.status();
  }
  return audit_log::ToResponse<ListAuditEventsResponse>(*std::move(page));
}

absl::StatusOr<GrantProjectAccessResponse> ProjectService::GrantProjectAccess(
    const Principal& caller, const GrantProjectAccessRequest& request) {
  absl::StatusOr<ProjectName> project =
      ParseProjectName(request.project(), "project");
  if (!project.ok()) {
    return project.status();
  }
  absl::Status granted =
      grants_.Grant(caller, "GrantProjectAccess", project->organization_id,
                    project->project_id, request.user());
  if (!granted.ok()) {
    return granted;
  }
  return GrantProjectAccessResponse();
}

absl::StatusOr<RevokeProjectAccessResponse> ProjectService::RevokeProjectAccess(
    const Principal& caller, const RevokeProjectAccessRequest& request) {
  absl::StatusOr<ProjectName> project =
      ParseProjectName(request.project(), "project");
  if (!project.ok()) {
    return project.status();
  }
  absl::Status revoked =
      grants_.Revoke(caller, "RevokeProjectAccess", project->organization_id,
                     project->project_id, request.user());
  if (!revoked.ok()) {
    return revoked;
  }
  return RevokeProjectAccessResponse();
}

absl::StatusOr<ListUserProjectsResponse> ProjectService::ListUserProjects(
    const Principal& caller, const ListUserProjectsRequest& request) {
  absl::StatusOr<std::string> organization_id =
      grants_.AuthorizeUserListing(caller, "ListUserProjects", request.user());
  if (!organization_id.ok()) {
    return organization_id.status();
  }

  absl::StatusOr<int> page_size =
      pagination::NormalizePageSize(request.page_size());
  if (!page_size.ok()) {
    return page_size.status();
  }
  const std::string scope =
      PageScope("ListUserProjects", request.user(), caller);
  absl::StatusOr<std::string> after_id =
      DecodePageToken(page_tokens_, scope, request.page_token());
  if (!after_id.ok()) {
    return after_id.status();
  }

  absl::StatusOr<ProjectPage> page = store_->ListGrantedProjects(
      *organization_id, request.user(), *after_id, *page_size);
  if (!page.ok()) {
    return page.status();
  }
  ListUserProjectsResponse response;
  for (Project& project : page->projects) {
    *response.add_projects() = std::move(project);
  }
  if (page->has_more) {
    response.set_next_page_token(page_tokens_.Encode(scope, page->last_id));
  }
  return response;
}

absl::StatusOr<ListProjectMembersResponse> ProjectService::ListProjectMembers(
    const Principal& caller, const ListProjectMembersRequest& request) {
  IRONORG_ASSIGN_OR_RETURN(
      access::MemberListing listing,
      grants_.ListMembers(caller, "ListProjectMembers", request.project(),
                          request.page_size(), request.page_token(),
                          page_tokens_));
  ListProjectMembersResponse response;
  for (std::string& user_name : listing.user_names) {
    response.add_users(std::move(user_name));
  }
  response.set_next_page_token(std::move(listing.next_page_token));
  return response;
}

absl::StatusOr<SetUserProjectsResponse> ProjectService::SetUserProjects(
    const Principal& caller, const SetUserProjectsRequest& request) {
  const std::vector<std::string> project_names(request.projects().begin(),
                                               request.projects().end());
  IRONORG_ASSIGN_OR_RETURN(
      std::vector<std::string> granted,
      grants_.SetUserGrants(caller, "SetUserProjects", request.user(),
                            project_names));
  SetUserProjectsResponse response;
  for (std::string& project_name : granted) {
    response.add_projects(std::move(project_name));
  }
  return response;
}

absl::StatusOr<CheckProjectAccessResponse> ProjectService::CheckProjectAccess(
    const Principal& /*caller*/, const CheckProjectAccessRequest& request) {
  absl::StatusOr<ProjectName> project =
      ParseProjectName(request.project(), "project");
  if (!project.ok()) {
    return project.status();
  }
  absl::StatusOr<std::string> user_organization_id =
      access::ParseUserOrganization(request.user(), "user");
  if (!user_organization_id.ok()) {
    return user_organization_id.status();
  }

  CheckProjectAccessResponse response;
  if (*user_organization_id != project->organization_id) {
    return response;
  }
  absl::StatusOr<bool> granted = store_->HasAccess(
      project->organization_id, project->project_id, request.user());
  if (!granted.ok()) {
    return granted.status();
  }
  response.set_granted(*granted);
  return response;
}

}  // namespace ironorg::projects

#include "services/projects/project_service.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/names.h"
#include "common/time_util.h"
#include "common/validation.h"

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
constexpr absl::string_view kUserPattern =
    "organizations/{organization}/users/{user}";

// The audit actor of calls made by a peer service rather than a user.
constexpr absl::string_view kServiceActor = "service";

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

// Returns the organization id of a user name.
absl::StatusOr<std::string> ParseUserOrganization(absl::string_view name,
                                                  absl::string_view field) {
  absl::StatusOr<std::vector<std::string>> ids =
      names::Parse(name, kUserPattern, field);
  if (!ids.ok()) {
    return ids.status();
  }
  return (*ids)[0];
}

bool IsUser(const Principal& caller) {
  return caller.kind() == Principal::KIND_USER_ACCESS_TOKEN ||
         caller.kind() == Principal::KIND_USER_API_TOKEN;
}

bool IsService(const Principal& caller) {
  return caller.kind() == Principal::KIND_SERVICE;
}

std::string ActorOf(const Principal& caller) {
  return IsUser(caller) ? caller.user() : std::string(kServiceActor);
}

// Lets a user act only inside their own organization and a peer service
// anywhere. Runs before any lookup, so that a name in another
// organization gets the same status whether or not it exists.
absl::Status CheckOrganization(const Principal& caller,
                               absl::string_view organization_id) {
  if (IsService(caller)) {
    return absl::OkStatus();
  }
  if (!IsUser(caller)) {
    return errors::PermissionDenied(
        "the projects service serves users of an organization and peer "
        "services only");
  }
  const std::string organization = names::Organization(organization_id);
  if (caller.organization() != organization) {
    return errors::PermissionDenied(absl::StrCat(
        "\"", caller.user(), "\" cannot reach resources of ", organization));
  }
  return absl::OkStatus();
}

absl::Status RequireAdmin(const Principal& caller, absl::string_view method) {
  if (IsService(caller) || caller.role() == identity::v1::ROLE_ADMIN) {
    return absl::OkStatus();
  }
  return errors::PermissionDenied(
      absl::StrCat(method, " needs the ROLE_ADMIN role"));
}

bool SeesAllProjects(const Principal& caller) {
  return IsService(caller) || caller.role() == identity::v1::ROLE_ADMIN ||
         caller.role() == identity::v1::ROLE_ADMIN_READ_ONLY;
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
  return absl::StrCat(method, "\n", parent, "\n", ActorOf(caller));
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
    allowed = RequireAdmin(caller, "CreateProject");
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

  const Mutation mutation{ActorOf(caller), "CreateProject",
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

  if (SeesAllProjects(caller)) {
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
  const bool sees_all = SeesAllProjects(caller);
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
    const Principal& /*caller*/, const UpdateProjectRequest& /*request*/) {
  return errors::Unimplemented(
      "ironorg.projects.v1.ProjectService/UpdateProject");
}

absl::StatusOr<DeleteProjectResponse> ProjectService::DeleteProject(
    const Principal& /*caller*/, const DeleteProjectRequest& /*request*/) {
  return errors::Unimplemented(
      "ironorg.projects.v1.ProjectService/DeleteProject");
}

absl::StatusOr<ListAuditEventsResponse> ProjectService::ListAuditEvents(
    const Principal& /*caller*/, const ListAuditEventsRequest& /*request*/) {
  return errors::Unimplemented(
      "ironorg.projects.v1.ProjectService/ListAuditEvents");
}

absl::StatusOr<GrantProjectAccessResponse> ProjectService::GrantProjectAccess(
    const Principal& caller, const GrantProjectAccessRequest& request) {
  absl::StatusOr<ProjectName> project =
      ParseProjectName(request.project(), "project");
  if (!project.ok()) {
    return project.status();
  }
  absl::StatusOr<std::string> user_organization_id =
      ParseUserOrganization(request.user(), "user");
  if (!user_organization_id.ok()) {
    return user_organization_id.status();
  }
  absl::Status allowed = CheckOrganization(caller, project->organization_id);
  if (allowed.ok()) {
    allowed = RequireAdmin(caller, "GrantProjectAccess");
  }
  if (!allowed.ok()) {
    return allowed;
  }
  if (*user_organization_id != project->organization_id) {
    return errors::PermissionDenied(
        absl::StrCat("user \"", request.user(), "\" is not in ",
                     names::Organization(project->organization_id),
                     "; grant a project only to users of its organization"));
  }

  // An existing grant needs no lookups, so a repeated grant succeeds even
  // while identity is unreachable.
  absl::StatusOr<bool> granted = store_->HasAccess(
      project->organization_id, project->project_id, request.user());
  if (!granted.ok()) {
    return granted.status();
  }
  if (*granted) {
    return GrantProjectAccessResponse();
  }
  absl::StatusOr<Project> existing =
      store_->GetProject(project->organization_id, project->project_id);
  if (!existing.ok()) {
    return existing.status();
  }
  absl::Status user_exists = users_->CheckUserExists(request.user());
  if (!user_exists.ok()) {
    return user_exists;
  }

  const Mutation mutation{ActorOf(caller), "GrantProjectAccess",
                          /*request_id=*/"", NowMicros()};
  absl::StatusOr<bool> changed = store_->GrantAccess(
      project->organization_id, project->project_id, request.user(), mutation);
  if (!changed.ok()) {
    return changed.status();
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
  absl::StatusOr<std::string> user_organization_id =
      ParseUserOrganization(request.user(), "user");
  if (!user_organization_id.ok()) {
    return user_organization_id.status();
  }
  absl::Status allowed = CheckOrganization(caller, project->organization_id);
  if (allowed.ok()) {
    allowed = RequireAdmin(caller, "RevokeProjectAccess");
  }
  if (!allowed.ok()) {
    return allowed;
  }
  if (*user_organization_id != project->organization_id) {
    return errors::PermissionDenied(
        absl::StrCat("user \"", request.user(), "\" is not in ",
                     names::Organization(project->organization_id)));
  }

  const Mutation mutation{ActorOf(caller), "RevokeProjectAccess",
                          /*request_id=*/"", NowMicros()};
  absl::StatusOr<bool> changed = store_->RevokeAccess(
      project->organization_id, project->project_id, request.user(), mutation);
  if (!changed.ok()) {
    return changed.status();
  }
  return RevokeProjectAccessResponse();
}

absl::StatusOr<ListUserProjectsResponse> ProjectService::ListUserProjects(
    const Principal& caller, const ListUserProjectsRequest& request) {
  absl::StatusOr<std::string> organization_id =
      ParseUserOrganization(request.user(), "user");
  if (!organization_id.ok()) {
    return organization_id.status();
  }
  absl::Status allowed = CheckOrganization(caller, *organization_id);
  if (!allowed.ok()) {
    return allowed;
  }
  if (!SeesAllProjects(caller) && caller.user() != request.user()) {
    return errors::PermissionDenied(
        "ListUserProjects of another user needs the ROLE_ADMIN or "
        "ROLE_ADMIN_READ_ONLY role; other users may list only their own "
        "projects");
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
    const Principal& /*caller*/, const ListProjectMembersRequest& /*request*/) {
  return errors::Unimplemented(
      "ironorg.projects.v1.ProjectAccessService/ListProjectMembers");
}

absl::StatusOr<SetUserProjectsResponse> ProjectService::SetUserProjects(
    const Principal& /*caller*/, const SetUserProjectsRequest& /*request*/) {
  return errors::Unimplemented(
      "ironorg.projects.v1.ProjectAccessService/SetUserProjects");
}

absl::StatusOr<CheckProjectAccessResponse> ProjectService::CheckProjectAccess(
    const Principal& /*caller*/, const CheckProjectAccessRequest& request) {
  absl::StatusOr<ProjectName> project =
      ParseProjectName(request.project(), "project");
  if (!project.ok()) {
    return project.status();
  }
  absl::StatusOr<std::string> user_organization_id =
      ParseUserOrganization(request.user(), "user");
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

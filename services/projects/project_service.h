// The rules of the projects service, free of gRPC: who may do what to
// which project, input checks, and pagination.
//
// Every method takes the verified caller and the request message and
// returns the response or a status from common/errors.h:
//   INVALID_ARGUMENT  a malformed name, display name, update mask, page
//                     size or page token, or too long a list; the message
//                     names the field.
//   PERMISSION_DENIED a user caller names a resource outside their own
//                     organization (checked before anything is looked up),
//                     or their role does not allow the call.
//   NOT_FOUND         the named project or user does not exist.
//   ABORTED           a non-empty `etag` is stale; nothing changed.
//   UNAVAILABLE       storage is busy or identity cannot be reached; retry.
//
// Callers: user principals are limited to their organization and role.
// A KIND_SERVICE principal is a peer holding the internal credential and
// may act in any organization. Other kinds (operator, cluster token) are
// denied, because no project method is open to them.
//
// Thread-safe if the store and the user directory are.
#ifndef IRONORG_SERVICES_PROJECTS_PROJECT_SERVICE_H_
#define IRONORG_SERVICES_PROJECTS_PROJECT_SERVICE_H_

#include <string>

#include "absl/status/statusor.h"
#include "common/access_rules.h"
#include "common/pagination.h"
#include "common/user_directory.h"
#include "ironorg/identity/v1/principal.pb.h"
#include "ironorg/projects/v1/internal.pb.h"
#include "ironorg/projects/v1/project.pb.h"
#include "ironorg/projects/v1/project_access.pb.h"
#include "services/projects/project_store.h"

namespace ironorg::projects {

class ProjectService final {
 public:
  // `store` and `users` must outlive the service. `page_tokens` seals the
  // page tokens of every list.
  ProjectService(ProjectStore* store, UserDirectory* users,
                 pagination::PageTokenCodec page_tokens)
      : store_(store),
        grants_(access::GrantRulesConfig{"projects", "project", "projects"},
                store, users),
        page_tokens_(std::move(page_tokens)) {}

  // ProjectService. Admin only. Creates a project with display name
  // `project.display_name` (trimmed, 1 to 200 characters). A retry with
  // the same `request_id` by the same caller returns the first project.
  absl::StatusOr<ironorg::projects::v1::Project> CreateProject(
      const ironorg::identity::v1::Principal& caller,
      const ironorg::projects::v1::CreateProjectRequest& request);

  // Returns one project. Admin and Admin read-only may read every project
  // of their organization, and a Developer only a granted one. Any other
  // caller gets PERMISSION_DENIED, whether or not the project exists.
  absl::StatusOr<ironorg::projects::v1::Project> GetProject(
      const ironorg::identity::v1::Principal& caller,
      const ironorg::projects::v1::GetProjectRequest& request);

  // Lists projects in id order. A Developer gets only the projects granted
  // to them; an Accountant gets PERMISSION_DENIED.
  absl::StatusOr<ironorg::projects::v1::ListProjectsResponse> ListProjects(
      const ironorg::identity::v1::Principal& caller,
      const ironorg::projects::v1::ListProjectsRequest& request);

  // Admin only. Sets the display name of `project.name` (trimmed, 1 to 200
  // characters) and returns the project with a new etag. `update_mask`
  // must list `display_name` and nothing else. A non-empty stale
  // `project.etag` is ABORTED; an empty one skips the check.
  absl::StatusOr<ironorg::projects::v1::Project> UpdateProject(
      const ironorg::identity::v1::Principal& caller,
      const ironorg::projects::v1::UpdateProjectRequest& request);

  // Admin only. Deletes the project and every grant on it at once. A
  // non-empty stale `etag` is ABORTED and deletes nothing.
  absl::StatusOr<ironorg::projects::v1::DeleteProjectResponse> DeleteProject(
      const ironorg::identity::v1::Principal& caller,
      const ironorg::projects::v1::DeleteProjectRequest& request);

  // Lists the organization's project audit events, newest first, filtered
  // by `actor` and `resource` when set. Admin and Admin read-only may
  // list, and so may a peer service. A Developer or Accountant gets
  // PERMISSION_DENIED. See common/audit_log.h for the order of the checks.
  absl::StatusOr<ironorg::projects::v1::ListAuditEventsResponse>
  ListAuditEvents(const ironorg::identity::v1::Principal& caller,
                  const ironorg::projects::v1::ListAuditEventsRequest& request);

  // ProjectAccessService. Admin only. Grants `user` access to `project`.
  // Both must be in the caller's organization, or the call gets
  // PERMISSION_DENIED. The project must exist and identity must have the
  // user, or the call gets NOT_FOUND. Granting an existing grant succeeds
  // and changes nothing.
  absl::StatusOr<ironorg::projects::v1::GrantProjectAccessResponse>
  GrantProjectAccess(
      const ironorg::identity::v1::Principal& caller,
      const ironorg::projects::v1::GrantProjectAccessRequest& request);

  // Admin only. Removes the grant; revoking a missing grant succeeds and
  // changes nothing. NOT_FOUND if the project does not exist. The user is
  // not looked up, so grants of deleted users can still be removed.
  absl::StatusOr<ironorg::projects::v1::RevokeProjectAccessResponse>
  RevokeProjectAccess(
      const ironorg::identity::v1::Principal& caller,
      const ironorg::projects::v1::RevokeProjectAccessRequest& request);

  // Lists the projects granted to `user`, in id order. Admin and Admin
  // read-only may name any user of their organization; others only
  // themselves.
  absl::StatusOr<ironorg::projects::v1::ListUserProjectsResponse>
  ListUserProjects(
      const ironorg::identity::v1::Principal& caller,
      const ironorg::projects::v1::ListUserProjectsRequest& request);

  // Lists the names of the users granted `project`, in name order. Admin,
  // Admin read-only and peer services may list. NOT_FOUND if the project
  // does not exist.
  absl::StatusOr<ironorg::projects::v1::ListProjectMembersResponse>
  ListProjectMembers(
      const ironorg::identity::v1::Principal& caller,
      const ironorg::projects::v1::ListProjectMembersRequest& request);

  // Admin only. Replaces the user's project grants in one transaction so
  // that `user` has grants on exactly `projects` (at most 1000 names, repeats
  // count once), and returns those names sorted. Every project must be in
  // the user's organization and exist, and identity must have the user
  // unless the list is empty. On any error nothing changes. A call that
  // changes nothing writes no audit event. Checks in the order
  // GrantRules::SetUserGrants in common/access_rules.h lists.
  absl::StatusOr<ironorg::projects::v1::SetUserProjectsResponse>
  SetUserProjects(const ironorg::identity::v1::Principal& caller,
                  const ironorg::projects::v1::SetUserProjectsRequest& request);

  // InternalProjectAccessService. Reports whether the project exists and
  // `user` has a grant on it. Any verified caller may ask.
  absl::StatusOr<ironorg::projects::v1::CheckProjectAccessResponse>
  CheckProjectAccess(
      const ironorg::identity::v1::Principal& caller,
      const ironorg::projects::v1::CheckProjectAccessRequest& request);

 private:
  ProjectStore* store_;
  access::GrantRules grants_;
  pagination::PageTokenCodec page_tokens_;
};

}  // namespace ironorg::projects

#endif  // IRONORG_SERVICES_PROJECTS_PROJECT_SERVICE_H_

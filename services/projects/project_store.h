// Storage of projects and project grants in `<data_dir>/projects.db`.
//
// Every mutation writes, in the same SQLite transaction as the change, a
// row to `audit_events` and a row to `outbox`, the ordered change feed
// other services will follow, for each created, updated or deleted project
// and each grant added or removed.
// An outbox row stores the event type, the resource name, the user of a
// grant change (empty for other events) and the organization.
// A create with a request id also records (caller, method, request id) ->
// resource name there, so a retry returns the first result.
//
// Thread-safe: every call runs in one transaction of sqlite::Database,
// which runs writes one at a time and reads in parallel. The store checks nothing about the caller; that is the service's
// job.
#ifndef IRONORG_SERVICES_PROJECTS_PROJECT_STORE_H_
#define IRONORG_SERVICES_PROJECTS_PROJECT_STORE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/audit_log.h"
#include "common/grant_store.h"
#include "common/grant_table.h"
#include "common/sqlite.h"
#include "common/store_records.h"
#include "ironorg/projects/v1/project.pb.h"

namespace ironorg::projects {

// The file name of the database inside the data folder.
inline constexpr char kDatabaseFileName[] = "projects.db";

// The result of CreateProject.
struct CreatedProject {
  ironorg::projects::v1::Project project;
  // True if the request id had been seen before, so nothing was created.
  bool replayed = false;
};

// One page of projects in id order.
struct ProjectPage {
  std::vector<ironorg::projects::v1::Project> projects;
  // The id of the last project in `projects`, the key of the next page.
  std::string last_id;
  // True if more projects follow `last_id`.
  bool has_more = false;
};

class ProjectStore final : public GrantStore {
 public:
  // Opens or creates `<data_dir>/projects.db`, which must be in an
  // existing folder, and brings its schema up to date. Returns
  // UNAVAILABLE if the file cannot be opened, FAILED_PRECONDITION if it
  // was written by a newer binary.
  static absl::StatusOr<std::unique_ptr<ProjectStore>> Open(
      const std::string& data_dir);

  // Creates a project with a new random id in `organization_id`, revision
  // 1. When `mutation.request_id` is set and (actor, action, request id)
  // was stored before, returns the project created then with `replayed`
  // set, or NOT_FOUND if that project was deleted since.
  absl::StatusOr<CreatedProject> CreateProject(
      absl::string_view organization_id, absl::string_view display_name,
      const Mutation& mutation);

  // Returns the project, or NOT_FOUND `project "<name>" not found`.
  absl::StatusOr<ironorg::projects::v1::Project> GetProject(
      absl::string_view organization_id, absl::string_view project_id);

  // Returns up to `page_size` projects of the organization with ids
  // greater than `after_id` (empty for the first page).
  absl::StatusOr<ProjectPage> ListProjects(absl::string_view organization_id,
                                           absl::string_view after_id,
                                           int page_size);

  // Sets the display name of the project, increments its revision and
  // sets its update time to `mutation.time_micros`, writing an audit event
  // and a "project.updated" outbox event. Returns the updated project.
  // NOT_FOUND if the project does not exist, and ABORTED if `etag` is not
  // empty and differs from the stored revision, in which case nothing
  // changes.
  absl::StatusOr<ironorg::projects::v1::Project> UpdateProject(
      absl::string_view organization_id, absl::string_view project_id,
      absl::string_view display_name, absl::string_view etag,
      const Mutation& mutation);

  // Deletes the project and every grant on it in one transaction, writing
  // an audit event and a "project.deleted" outbox event. That event also
  // covers the removed grants, which get no events of their own. Returns
  // NOT_FOUND if the project does not exist, and ABORTED if `etag` is not
  // empty and stale, in which case nothing changes.
  absl::Status DeleteProject(absl::string_view organization_id,
                             absl::string_view project_id,
                             absl::string_view etag, const Mutation& mutation);

  // As ListProjects, limited to the projects granted to `user_name`.
  absl::StatusOr<ProjectPage> ListGrantedProjects(
      absl::string_view organization_id, absl::string_view user_name,
      absl::string_view after_id, int page_size);

  // Grants `user_name` access to the project. Returns true if the grant is
  // new, false if it existed (and then writes nothing); NOT_FOUND if the
  // project does not exist.
  absl::StatusOr<bool> GrantAccess(absl::string_view organization_id,
                                   absl::string_view project_id,
                                   absl::string_view user_name,
                                   const Mutation& mutation) override;

  // Removes the grant. Returns true if a grant was removed, false if there
  // was none (and then writes nothing); NOT_FOUND if the project does not
  // exist.
  absl::StatusOr<bool> RevokeAccess(absl::string_view organization_id,
                                    absl::string_view project_id,
                                    absl::string_view user_name,
                                    const Mutation& mutation) override;

  // Returns OK if the project exists, or NOT_FOUND
  // `project "<name>" not found`.
  absl::Status CheckResourceExists(absl::string_view organization_id,
                                   absl::string_view project_id) override;

  // Returns OK if every project exists, or NOT_FOUND naming the first
  // missing one.
  absl::Status CheckResourcesExist(
      absl::string_view organization_id,
      const std::vector<std::string>& project_ids) override;

  // Returns true if the project exists and `user_name` has a grant on it.
  absl::StatusOr<bool> HasAccess(absl::string_view organization_id,
                                 absl::string_view project_id,
                                 absl::string_view user_name) override;

  // Returns up to `page_size` users granted the project, in name order,
  // after `after_user`. NOT_FOUND if the project does not exist.
  absl::StatusOr<GrantMemberPage> ListMembers(absl::string_view organization_id,
                                              absl::string_view project_id,
                                              absl::string_view after_user,
                                              int page_size) override;

  // Replaces the project grants of `user_name` as GrantTable::SetUserGrants
  // describes: one transaction, one outbox event per changed grant, one
  // audit event on the user if anything changed, NOT_FOUND and no change
  // if a project does not exist.
  absl::StatusOr<GrantSetResult> SetUserGrants(
      absl::string_view organization_id, absl::string_view user_name,
      const std::vector<std::string>& project_ids,
      const Mutation& mutation) override;

  // Returns one page of the organization's audit events, newest first, as
  // common/audit_log.h SelectAuditEvents does. UNAVAILABLE when the
  // database is busy.
  absl::StatusOr<std::vector<audit_log::AuditRow>> ListAuditEvents(
      const audit_log::AuditQuery& query);

  // The database and the grant table, for the change feeds: the feed
  // served from `outbox` and the identity feed consumer, which removes a
  // deleted user's grants in its own transactions.
  sqlite::Database* database() { return database_.get(); }
  const GrantTable& grant_table() const { return grants_; }

 private:
  explicit ProjectStore(std::unique_ptr<sqlite::Database> database);

  std::unique_ptr<sqlite::Database> database_;
  GrantTable grants_;
};

}  // namespace ironorg::projects

#endif  // IRONORG_SERVICES_PROJECTS_PROJECT_STORE_H_

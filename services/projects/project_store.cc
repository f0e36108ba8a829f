#include "services/projects/project_store.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/change_feed_consumer.h"
#include "common/crypto.h"
#include "common/errors.h"
#include "common/names.h"
#include "common/status_macros.h"
#include "common/store_records.h"
#include "common/time_util.h"

namespace ironorg::projects {
namespace {

using ::ironorg::projects::v1::Project;

// migrations[i] moves the schema from version i to i + 1. Never edit a
// released entry, because files in use have already applied it. Append a
// new one instead.
const std::vector<std::string>& Migrations() {
  static const auto* const kMigrations = new std::vector<std::string>{
      R"sql(
CREATE TABLE projects (
  id TEXT PRIMARY KEY,
  organization_id TEXT NOT NULL,
  display_name TEXT NOT NULL,
  revision INTEGER NOT NULL,
  create_time INTEGER NOT NULL,
  update_time INTEGER NOT NULL
);
CREATE INDEX projects_by_organization ON projects (organization_id, id);

CREATE TABLE project_grants (
  project_id TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  user_name TEXT NOT NULL,
  create_time INTEGER NOT NULL,
  PRIMARY KEY (project_id, user_name)
);
CREATE INDEX project_grants_by_user ON project_grants (user_name, project_id);

CREATE TABLE request_ids (
  caller TEXT NOT NULL,
  method TEXT NOT NULL,
  request_id TEXT NOT NULL,
  resource TEXT NOT NULL,
  create_time INTEGER NOT NULL,
  PRIMARY KEY (caller, method, request_id)
);

CREATE TABLE audit_events (
  sequence INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  organization_id TEXT NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  resource TEXT NOT NULL,
  request_id TEXT NOT NULL,
  create_time INTEGER NOT NULL
);
CREATE INDEX audit_events_by_organization
  ON audit_events (organization_id, sequence);

CREATE TABLE outbox (
  sequence INTEGER PRIMARY KEY AUTOINCREMENT,
  type TEXT NOT NULL,
  resource TEXT NOT NULL,
  user_name TEXT NOT NULL,
  organization_id TEXT NOT NULL,
  create_time INTEGER NOT NULL
);
)sql",
      // Version 2: the users whose deletion the identity change feed
      // applied, and the cursor of that feed.
      absl::StrCat(kDeletedUsersTableSql, change_feed::kCursorTableSql),
  };
  return *kMigrations;
}

// Change feed event types written to `outbox`.
constexpr absl::string_view kProjectCreated = "project.created";
constexpr absl::string_view kProjectUpdated = "project.updated";
constexpr absl::string_view kProjectDeleted = "project.deleted";

constexpr absl::string_view kSelectProjectColumns =
    "SELECT id, display_name, revision, create_time, update_time "
    "FROM projects ";

Project ProjectFromRow(absl::string_view organization_id,
                       const sqlite::Statement& row) {
  Project project;
  project.set_name(
      names::Child(organization_id, "projects", row.ColumnText(0)));
  project.set_display_name(row.ColumnText(1));
  project.set_etag(absl::StrCat(row.ColumnInt(2)));
  *project.mutable_create_time() = ToTimestamp(row.ColumnInt(3));
  *project.mutable_update_time() = ToTimestamp(row.ColumnInt(4));
  return project;
}

absl::StatusOr<Project> SelectProject(sqlite::Connection& connection,
                                      absl::string_view organization_id,
                                      absl::string_view project_id) {
  absl::StatusOr<sqlite::Statement*> select = connection.Prepare(absl::StrCat(
      kSelectProjectColumns, "WHERE organization_id = ? AND id = ?"));
  if (!select.ok()) {
    return select.status();
  }
  (*select)->Bind(1, organization_id).Bind(2, project_id);
  absl::StatusOr<bool> row = (*select)->Step();
  if (!row.ok()) {
    return row.status();
  }
  if (!*row) {
    return errors::NotFound(
        "project", names::Child(organization_id, "projects", project_id));
  }
  return ProjectFromRow(organization_id, **select);
}

// Returns ABORTED unless `etag` is empty or the project's current etag.
absl::Status CheckEtag(const Project& project, absl::string_view etag) {
  if (!etag.empty() && etag != project.etag()) {
    return errors::StaleEtag(project.name(), etag);
  }
  return absl::OkStatus();
}

// Reads up to `page_size` rows of a prepared project query into a page;
// the query must select kSelectProjectColumns and LIMIT page_size + 1.
absl::StatusOr<ProjectPage> ReadPage(sqlite::Statement& select,
                                     absl::string_view organization_id,
                                     int page_size) {
  ProjectPage page;
  for (;;) {
    absl::StatusOr<bool> row = select.Step();
    if (!row.ok()) {
      return row.status();
    }
    if (!*row) {
      break;
    }
    if (static_cast<int>(page.projects.size()) == page_size) {
      page.has_more = true;
      break;
    }
    page.last_id = select.ColumnText(0);
    page.projects.push_back(ProjectFromRow(organization_id, select));
  }
  return page;
}

// The project_grants table of the first migration.
GrantSchema ProjectGrantSchema() {
  GrantSchema schema;
  schema.resource_kind = "project";
  schema.resource_table = "projects";
  schema.grant_table = "project_grants";
  schema.resource_column = "project_id";
  schema.granted_event = "project.access_granted";
  schema.revoked_event = "project.access_revoked";
  return schema;
}

}  // namespace

ProjectStore::ProjectStore(std::unique_ptr<sqlite::Database> database)
    : database_(std::move(database)), grants_(ProjectGrantSchema()) {}

absl::StatusOr<std::unique_ptr<ProjectStore>> ProjectStore::Open(
    const std::string& data_dir) {
  absl::StatusOr<std::unique_ptr<sqlite::Database>> database =
      sqlite::Database::Open(absl::StrCat(data_dir, "/", kDatabaseFileName),
                             Migrations());
  if (!database.ok()) {
    return database.status();
  }
  return std::unique_ptr<ProjectStore>(new ProjectStore(*std::move(database)));
}

absl::StatusOr<CreatedProject> ProjectStore::CreateProject(
    absl::string_view organization_id, absl::string_view display_name,
    const Mutation& mutation) {
  CreatedProject result;
  absl::Status status = database_->Write([&](sqlite::Connection& connection) {
    if (!mutation.request_id.empty()) {
      absl::StatusOr<std::string> earlier =
          SelectRequestResource(connection, mutation);
      if (!earlier.ok()) {
        return earlier.status();
      }
      if (!earlier->empty()) {
        absl::StatusOr<std::vector<std::string>> ids = names::Parse(
            *earlier, "organizations/{organization}/projects/{project}",
            "resource");
        if (!ids.ok()) {
          return ids.status();
        }
        absl::StatusOr<Project> project =
            SelectProject(connection, (*ids)[0], (*ids)[1]);
        if (!project.ok()) {
          return project.status();
        }
        result.project = *std::move(project);
        result.replayed = true;
        return absl::OkStatus();
      }
    }

    const std::string id = crypto::NewResourceId();
    const std::string name = names::Child(organization_id, "projects", id);
    absl::StatusOr<sqlite::Statement*> insert = connection.Prepare(
        "INSERT INTO projects (id, organization_id, display_name, revision, "
        "create_time, update_time) VALUES (?, ?, ?, 1, ?, ?)");
    if (!insert.ok()) {
      return insert.status();
    }
    absl::Status inserted = (*insert)
                                ->Bind(1, id)
                                .Bind(2, organization_id)
                                .Bind(3, display_name)
                                .Bind(4, mutation.time_micros)
                                .Bind(5, mutation.time_micros)
                                .Run();
    if (!inserted.ok()) {
      return inserted;
    }

    if (!mutation.request_id.empty()) {
      absl::Status stored = InsertRequestId(connection, mutation, name);
      if (!stored.ok()) {
        return stored;
      }
    }
    absl::Status audited =
        InsertAuditEvent(connection, organization_id, name, mutation);
    if (!audited.ok()) {
      return audited;
    }
    absl::Status published =
        InsertOutboxEvent(connection, kProjectCreated, organization_id, name,
                          /*user_name=*/"", mutation.time_micros);
    if (!published.ok()) {
      return published;
    }

    absl::StatusOr<Project> project =
        SelectProject(connection, organization_id, id);
    if (!project.ok()) {
      return project.status();
    }
    result.project = *std::move(project);
    return absl::OkStatus();
  });
  if (!status.ok()) {
    return status;
  }
  return result;
}

absl::StatusOr<Project> ProjectStore::GetProject(
    absl::string_view organization_id, absl::string_view project_id) {
  Project project;
  absl::Status status = database_->Read([&](sqlite::Connection& connection) {
    absl::StatusOr<Project> found =
        SelectProject(connection, organization_id, project_id);
    if (!found.ok()) {
      return found.status();
    }
    project = *std::move(found);
    return absl::OkStatus();
  });
  if (!status.ok()) {
    return status;
  }
  return project;
}

absl::StatusOr<Project> ProjectStore::UpdateProject(
    absl::string_view organization_id, absl::string_view project_id,
    absl::string_view display_name, absl::string_view etag,
    const Mutation& mutation) {
  Project updated;
  absl::Status status = database_->Write([&](sqlite::Connection& connection) {
    IRONORG_ASSIGN_OR_RETURN(
        const Project current,
        SelectProject(connection, organization_id, project_id));
    IRONORG_RETURN_IF_ERROR(CheckEtag(current, etag));

    IRONORG_ASSIGN_OR_RETURN(
        sqlite::Statement * update,
        connection.Prepare("UPDATE projects SET display_name = ?, "
                           "revision = revision + 1, update_time = ? "
                           "WHERE organization_id = ? AND id = ?"));
    IRONORG_RETURN_IF_ERROR(update->Bind(1, display_name)
                                .Bind(2, mutation.time_micros)
                                .Bind(3, organization_id)
                                .Bind(4, project_id)
                                .Run());
    IRONORG_RETURN_IF_ERROR(InsertAuditEvent(connection, organization_id,
                                             current.name(), mutation));
    IRONORG_RETURN_IF_ERROR(InsertOutboxEvent(
        connection, kProjectUpdated, organization_id, current.name(),
        /*user_name=*/"", mutation.time_micros));

    IRONORG_ASSIGN_OR_RETURN(
        updated, SelectProject(connection, organization_id, project_id));
    return absl::OkStatus();
  });
  if (!status.ok()) {
    return status;
  }
  return updated;
}

absl::Status ProjectStore::DeleteProject(absl::string_view organization_id,
                                         absl::string_view project_id,
                                         absl::string_view etag,
                                         const Mutation& mutation) {
  return database_->Write([&](sqlite::Connection& connection) {
    IRONORG_ASSIGN_OR_RETURN(
        const Project current,
        SelectProject(connection, organization_id, project_id));
    IRONORG_RETURN_IF_ERROR(CheckEtag(current, etag));

    IRONORG_RETURN_IF_ERROR(
        grants_.DeleteResourceGrants(connection, project_id).status());
    IRONORG_ASSIGN_OR_RETURN(
        sqlite::Statement * remove,
        connection.Prepare(
            "DELETE FROM projects WHERE organization_id = ? AND id = ?"));
    IRONORG_RETURN_IF_ERROR(
        remove->Bind(1, organization_id).Bind(2, project_id).Run());
    IRONORG_RETURN_IF_ERROR(InsertAuditEvent(connection, organization_id,
                                             current.name(), mutation));
    return InsertOutboxEvent(connection, kProjectDeleted, organization_id,
                             current.name(), /*user_name=*/"",
                             mutation.time_micros);
  });
}

absl::StatusOr<ProjectPage> ProjectStore::ListProjects(
    absl::string_view organization_id, absl::string_view after_id,
    int page_size) {
  ProjectPage page;
  absl::Status status = database_->Read([&](sqlite::Connection& connection) {
    absl::StatusOr<sqlite::Statement*> select = connection.Prepare(absl::StrCat(
        kSelectProjectColumns,
        "WHERE organization_id = ? AND id > ? ORDER BY id LIMIT ?"));
    if (!select.ok()) {
      return select.status();
    }
    (*select)
        ->Bind(1, organization_id)
        .Bind(2, after_id)
        .Bind(3, static_cast<int64_t>(page_size) + 1);
    absl::StatusOr<ProjectPage> read =
        ReadPage(**select, organization_id, page_size);
    if (!read.ok()) {
      return read.status();
    }
    page = *std::move(read);
    return absl::OkStatus();
  });
  if (!status.ok()) {
    return status;
  }
  return page;
}

absl::StatusOr<ProjectPage> ProjectStore::ListGrantedProjects(
    absl::string_view organization_id, absl::string_view user_name,
    absl::string_view after_id, int page_size) {
  ProjectPage page;
  absl::Status status = database_->Read([&](sqlite::Connection& connection) {
    // Walks the user's grants in project id order (the index
    // project_grants_by_user) and stops after one page, so a page costs the
    // same with 10 grants or 10,000. CROSS JOIN keeps SQLite from driving
    // the loop from the organization's projects instead.
    absl::StatusOr<sqlite::Statement*> select = connection.Prepare(
        "SELECT projects.id, projects.display_name, projects.revision, "
        "projects.create_time, projects.update_time "
        "FROM project_grants CROSS JOIN projects "
        "ON projects.id = project_grants.project_id "
        "WHERE project_grants.user_name = ?1 "
        "AND project_grants.project_id > ?2 "
        "AND projects.organization_id = ?3 "
        "ORDER BY project_grants.project_id LIMIT ?4");
    if (!select.ok()) {
      return select.status();
    }
    (*select)
        ->Bind(1, user_name)
        .Bind(2, after_id)
        .Bind(3, organization_id)
        .Bind(4, static_cast<int64_t>(page_size) + 1);
    absl::StatusOr<ProjectPage> read =
        ReadPage(**select, organization_id, page_size);
    if (!read.ok()) {
      return read.status();
    }
    page = *std::move(read);
    return absl::OkStatus();
  });
  if (!status.ok()) {
    return status;
  }
  return page;
}

absl::StatusOr<bool> ProjectStore::GrantAccess(
    absl::string_view organization_id, absl::string_view project_id,
    absl::string_view user_name, const Mutation& mutation) {
  return grants_.Grant(*database_, organization_id, project_id, user_name,
                       mutation);
}

absl::StatusOr<bool> ProjectStore::RevokeAccess(
    absl::string_view organization_id, absl::string_view project_id,
    absl::string_view user_name, const Mutation& mutation) {
  return grants_.Revoke(*database_, organization_id, project_id, user_name,
                        mutation);
}

absl::Status ProjectStore::CheckResourceExists(
    absl::string_view organization_id, absl::string_view project_id) {
  return grants_.CheckResourceExists(*database_, organization_id, project_id);
}

absl::Status ProjectStore::CheckResourcesExist(
    absl::string_view organization_id,
    const std::vector<std::string>& project_ids) {
  return grants_.CheckResourcesExist(*database_, organization_id, project_ids);
}

absl::StatusOr<GrantMemberPage> ProjectStore::ListMembers(
    absl::string_view organization_id, absl::string_view project_id,
    absl::string_view after_user, int page_size) {
  return grants_.ListMembers(*database_, organization_id, project_id,
                             after_user, page_size);
}

absl::StatusOr<GrantSetResult> ProjectStore::SetUserGrants(
    absl::string_view organization_id, absl::string_view user_name,
    const std::vector<std::string>& project_ids, const Mutation& mutation) {
  return grants_.SetUserGrants(*database_, organization_id, user_name,
                               project_ids, mutation);
}

absl::StatusOr<bool> ProjectStore::HasAccess(absl::string_view organization_id,
                                             absl::string_view project_id,
                                             absl::string_view user_name) {
  return grants_.HasGrant(*database_, organization_id, project_id, user_name);
}

absl::StatusOr<std::vector<audit_log::AuditRow>> ProjectStore::ListAuditEvents(
    const audit_log::AuditQuery& query) {
  return audit_log::SelectAuditEvents(*database_, query);
}

}  // namespace ironorg::projects

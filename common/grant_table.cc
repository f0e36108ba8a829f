#include "common/grant_table.h"

#include <cstdint>
#include <functional>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/names.h"
#include "common/status_macros.h"

namespace ironorg {

GrantTable::GrantTable(GrantSchema schema) : schema_(std::move(schema)) {
  // Built once, so that every call prepares the same text and reuses the
  // statement the connection caches under it.
  select_resource_sql_ = absl::StrCat("SELECT 1 FROM ", schema_.resource_table,
                                      " WHERE organization_id = ? AND id = ?");
  insert_grant_sql_ = absl::StrCat(
      "INSERT OR IGNORE INTO ", schema_.grant_table, " (",
      schema_.resource_column, ", user_name, create_time) VALUES (?, ?, ?)");
  delete_grant_sql_ =
      absl::StrCat("DELETE FROM ", schema_.grant_table, " WHERE ",
                   schema_.resource_column, " = ? AND user_name = ?");
  const std::string& grants = schema_.grant_table;
  const std::string& resources = schema_.resource_table;
  select_grant_sql_ = absl::StrCat(
      "SELECT 1 FROM ", grants, " JOIN ", resources, " ON ", resources,
      ".id = ", grants, ".", schema_.resource_column, " WHERE ", resources,
      ".organization_id = ? AND ", grants, ".", schema_.resource_column,
      " = ? AND ", grants, ".user_name = ?");
  select_members_sql_ = absl::StrCat(
      "SELECT user_name FROM ", grants, " WHERE ", schema_.resource_column,
      " = ? AND user_name > ? ORDER BY user_name LIMIT ?");
  select_user_grants_sql_ = absl::StrCat(
      "SELECT ", grants, ".", schema_.resource_column, " FROM ", grants,
      " JOIN ", resources, " ON ", resources, ".id = ", grants, ".",
      schema_.resource_column, " WHERE ", grants, ".user_name = ? AND ",
      resources, ".organization_id = ? ORDER BY ", grants, ".",
      schema_.resource_column);
  delete_resource_grants_sql_ = absl::StrCat("DELETE FROM ", grants, " WHERE ",
                                             schema_.resource_column, " = ?");
}

absl::Status GrantTable::CheckUserNotDeleted(sqlite::Connection& connection,
                                             absl::string_view user_name) {
  IRONORG_ASSIGN_OR_RETURN(
      sqlite::Statement * select,
      connection.Prepare("SELECT 1 FROM deleted_users WHERE user_name = ?"));
  select->Bind(1, user_name);
  IRONORG_ASSIGN_OR_RETURN(const bool deleted, select->Step());
  if (deleted) {
    return errors::NotFound("user", user_name);
  }
  return absl::OkStatus();
}

absl::StatusOr<bool> GrantTable::Grant(sqlite::Database& database,
                                       absl::string_view organization_id,
                                       absl::string_view resource_id,
                                       absl::string_view user_name,
                                       const Mutation& mutation) const {
  return ChangeGrant(
      database, schema_.granted_event, organization_id, resource_id, user_name,
      mutation, [&](sqlite::Connection& connection) -> absl::Status {
        IRONORG_RETURN_IF_ERROR(CheckUserNotDeleted(connection, user_name));
        IRONORG_ASSIGN_OR_RETURN(sqlite::Statement * insert,
                                 connection.Prepare(insert_grant_sql_));
        return insert->Bind(1, resource_id)
            .Bind(2, user_name)
            .Bind(3, mutation.time_micros)
            .Run();
      });
}

absl::StatusOr<bool> GrantTable::Revoke(sqlite::Database& database,
                                        absl::string_view organization_id,
                                        absl::string_view resource_id,
                                        absl::string_view user_name,
                                        const Mutation& mutation) const {
  return ChangeGrant(
      database, schema_.revoked_event, organization_id, resource_id, user_name,
      mutation, [&](sqlite::Connection& connection) {
        IRONORG_ASSIGN_OR_RETURN(sqlite::Statement * remove,
                                 connection.Prepare(delete_grant_sql_));
        return remove->Bind(1, resource_id).Bind(2, user_name).Run();
      });
}

absl::Status GrantTable::CheckResourceExists(
    sqlite::Database& database, absl::string_view organization_id,
    absl::string_view resource_id) const {
  return database.Read([&](sqlite::Connection& connection) {
    return SelectResourceName(connection, organization_id, resource_id)
        .status();
  });
}

absl::Status GrantTable::CheckResourcesExist(
    sqlite::Database& database, absl::string_view organization_id,
    const std::vector<std::string>& resource_ids) const {
  return database.Read([&](sqlite::Connection& connection) {
    for (const std::string& resource_id : resource_ids) {
      IRONORG_RETURN_IF_ERROR(
          SelectResourceName(connection, organization_id, resource_id)
              .status());
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<bool> GrantTable::HasGrant(sqlite::Database& database,
                                          absl::string_view organization_id,
                                          absl::string_view resource_id,
                                          absl::string_view user_name) const {
  bool granted = false;
  absl::Status status = database.Read([&](sqlite::Connection& connection) {
    IRONORG_ASSIGN_OR_RETURN(sqlite::Statement * select,
                             connection.Prepare(select_grant_sql_));
    select->Bind(1, organization_id).Bind(2, resource_id).Bind(3, user_name);
    IRONORG_ASSIGN_OR_RETURN(granted, select->Step());
    return absl::OkStatus();
  });
  if (!status.ok()) {
    return status;
  }
  return granted;
}

absl::StatusOr<GrantMemberPage> GrantTable::ListMembers(
    sqlite::Database& database, absl::string_view organization_id,
    absl::string_view resource_id, absl::string_view after_user,
    int page_size) const {
  GrantMemberPage page;
  absl::Status status = database.Read([&](sqlite::Connection& connection) {
    IRONORG_RETURN_IF_ERROR(
        SelectResourceName(connection, organization_id, resource_id).status());

    IRONORG_ASSIGN_OR_RETURN(sqlite::Statement * select,
                             connection.Prepare(select_members_sql_));
    // One row more than the page shows whether another page follows.
    select->Bind(1, resource_id)
        .Bind(2, after_user)
        .Bind(3, static_cast<int64_t>(page_size) + 1);
    for (;;) {
      IRONORG_ASSIGN_OR_RETURN(const bool row, select->Step());
      if (!row) {
        return absl::OkStatus();
      }
      if (static_cast<int>(page.user_names.size()) == page_size) {
        page.has_more = true;
        return absl::OkStatus();
      }
      page.user_names.push_back(select->ColumnText(0));
    }
  });
  if (!status.ok()) {
    return status;
  }
  return page;
}

absl::StatusOr<GrantSetResult> GrantTable::SetUserGrants(
    sqlite::Database& database, absl::string_view organization_id,
    absl::string_view user_name, const std::vector<std::string>& resource_ids,
    const Mutation& mutation) const {
  GrantSetResult result;
  absl::Status status = database.Write([&](sqlite::Connection& connection) {
    // Checked inside the transaction because a resource may have been
    // deleted since the service looked it up.
    if (!resource_ids.empty()) {
      IRONORG_RETURN_IF_ERROR(CheckUserNotDeleted(connection, user_name));
    }
    std::set<std::string> requested;
    for (const std::string& resource_id : resource_ids) {
      if (!requested.insert(resource_id).second) {
        continue;
      }
      IRONORG_RETURN_IF_ERROR(
          SelectResourceName(connection, organization_id, resource_id)
              .status());
    }
    IRONORG_ASSIGN_OR_RETURN(
        const std::vector<std::string> held,
        SelectUserGrantIds(connection, organization_id, user_name));
    const std::set<std::string> current(held.begin(), held.end());

    for (const std::string& resource_id : current) {
      if (requested.count(resource_id) > 0) {
        continue;
      }
      IRONORG_ASSIGN_OR_RETURN(sqlite::Statement * remove,
                               connection.Prepare(delete_grant_sql_));
      IRONORG_RETURN_IF_ERROR(
          remove->Bind(1, resource_id).Bind(2, user_name).Run());
      IRONORG_RETURN_IF_ERROR(InsertOutboxEvent(
          connection, schema_.revoked_event, organization_id,
          names::Child(organization_id, schema_.resource_table, resource_id),
          user_name, mutation.time_micros));
      ++result.removed;
    }
    for (const std::string& resource_id : requested) {
      if (current.count(resource_id) > 0) {
        continue;
      }
      IRONORG_ASSIGN_OR_RETURN(sqlite::Statement * insert,
                               connection.Prepare(insert_grant_sql_));
      IRONORG_RETURN_IF_ERROR(insert->Bind(1, resource_id)
                                  .Bind(2, user_name)
                                  .Bind(3, mutation.time_micros)
                                  .Run());
      IRONORG_RETURN_IF_ERROR(InsertOutboxEvent(
          connection, schema_.granted_event, organization_id,
          names::Child(organization_id, schema_.resource_table, resource_id),
          user_name, mutation.time_micros));
      ++result.added;
    }

    if (result.added + result.removed > 0) {
      IRONORG_RETURN_IF_ERROR(
          InsertAuditEvent(connection, organization_id, user_name, mutation));
    }
    // Every name shares the organization prefix, so id order is name order.
    for (const std::string& resource_id : requested) {
      result.resource_names.push_back(
          names::Child(organization_id, schema_.resource_table, resource_id));
    }
    return absl::OkStatus();
  });
  if (!status.ok()) {
    return status;
  }
  return result;
}

absl::StatusOr<int> GrantTable::RemoveUserGrants(
    sqlite::Connection& connection, absl::string_view organization_id,
    absl::string_view user_name, const Mutation& mutation) const {
  IRONORG_ASSIGN_OR_RETURN(
      const std::vector<std::string> held,
      SelectUserGrantIds(connection, organization_id, user_name));
  for (const std::string& resource_id : held) {
    IRONORG_ASSIGN_OR_RETURN(sqlite::Statement * remove,
                             connection.Prepare(delete_grant_sql_));
    IRONORG_RETURN_IF_ERROR(
        remove->Bind(1, resource_id).Bind(2, user_name).Run());
    IRONORG_RETURN_IF_ERROR(InsertOutboxEvent(
        connection, schema_.revoked_event, organization_id,
        names::Child(organization_id, schema_.resource_table, resource_id),
        user_name, mutation.time_micros));
  }
  if (!held.empty()) {
    IRONORG_RETURN_IF_ERROR(
        InsertAuditEvent(connection, organization_id, user_name, mutation));
  }

  IRONORG_ASSIGN_OR_RETURN(
      sqlite::Statement * tombstone,
      connection.Prepare("INSERT OR IGNORE INTO deleted_users "
                         "(user_name, delete_time) VALUES (?, ?)"));
  IRONORG_RETURN_IF_ERROR(
      tombstone->Bind(1, user_name).Bind(2, mutation.time_micros).Run());
  return static_cast<int>(held.size());
}

absl::StatusOr<int> GrantTable::DeleteResourceGrants(
    sqlite::Connection& connection, absl::string_view resource_id) const {
  IRONORG_ASSIGN_OR_RETURN(sqlite::Statement * remove,
                           connection.Prepare(delete_resource_grants_sql_));
  IRONORG_RETURN_IF_ERROR(remove->Bind(1, resource_id).Run());
  return static_cast<int>(connection.ChangedRows());
}

absl::StatusOr<std::string> GrantTable::SelectResourceName(
    sqlite::Connection& connection, absl::string_view organization_id,
    absl::string_view resource_id) const {
  IRONORG_ASSIGN_OR_RETURN(sqlite::Statement * select,
                           connection.Prepare(select_resource_sql_));
  select->Bind(1, organization_id).Bind(2, resource_id);
  IRONORG_ASSIGN_OR_RETURN(const bool found, select->Step());

  const std::string name =
      names::Child(organization_id, schema_.resource_table, resource_id);
  if (!found) {
    return errors::NotFound(schema_.resource_kind, name);
  }
  return name;
}

absl::StatusOr<std::vector<std::string>> GrantTable::SelectUserGrantIds(
    sqlite::Connection& connection, absl::string_view organization_id,
    absl::string_view user_name) const {
  IRONORG_ASSIGN_OR_RETURN(sqlite::Statement * select,
                           connection.Prepare(select_user_grants_sql_));
  select->Bind(1, user_name).Bind(2, organization_id);
  std::vector<std::string> ids;
  for (;;) {
    IRONORG_ASSIGN_OR_RETURN(const bool row, select->Step());
    if (!row) {
      return ids;
    }
    ids.push_back(select->ColumnText(0));
  }
}

absl::StatusOr<bool> GrantTable::ChangeGrant(
    sqlite::Database& database, absl::string_view event_type,
    absl::string_view organization_id, absl::string_view resource_id,
    absl::string_view user_name, const Mutation& mutation,
    const std::function<absl::Status(sqlite::Connection&)>& write_row) const {
  bool changed = false;
  absl::Status status = database.Write([&](sqlite::Connection& connection) {
    // Checked inside the transaction because the resource may have been
    // deleted since the service looked it up.
    IRONORG_ASSIGN_OR_RETURN(
        const std::string resource_name,
        SelectResourceName(connection, organization_id, resource_id));

    IRONORG_RETURN_IF_ERROR(write_row(connection));
    changed = connection.ChangedRows() > 0;
    if (!changed) {
      return absl::OkStatus();
    }

    IRONORG_RETURN_IF_ERROR(
        InsertAuditEvent(connection, organization_id, resource_name, mutation));
    return InsertOutboxEvent(connection, event_type, organization_id,
                             resource_name, user_name, mutation.time_micros);
  });
  if (!status.ok()) {
    return status;
  }
  return changed;
}

}  // namespace ironorg

#include "common/grant_table.h"

#include <functional>
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
}

absl::StatusOr<bool> GrantTable::Grant(sqlite::Database& database,
                                       absl::string_view organization_id,
                                       absl::string_view resource_id,
                                       absl::string_view user_name,
                                       const Mutation& mutation) const {
  return ChangeGrant(
      database, schema_.granted_event, organization_id, resource_id, user_name,
      mutation, [&](sqlite::Connection& connection) {
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

std::string GrantTable::GrantedIdsSubquery(
    absl::string_view user_parameter) const {
  return absl::StrCat("SELECT ", schema_.resource_column, " FROM ",
                      schema_.grant_table,
                      " WHERE user_name = ", user_parameter);
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

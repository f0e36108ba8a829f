#include "common/store_records.h"

#include "common/crypto.h"

namespace ironorg {

absl::Status InsertAuditEvent(sqlite::Connection& connection,
                              absl::string_view organization_id,
                              absl::string_view resource,
                              const Mutation& mutation) {
  absl::StatusOr<sqlite::Statement*> insert = connection.Prepare(
      "INSERT INTO audit_events (id, organization_id, actor, action, "
      "resource, request_id, create_time) VALUES (?, ?, ?, ?, ?, ?, ?)");
  if (!insert.ok()) {
    return insert.status();
  }
  return (*insert)
      ->Bind(1, crypto::NewResourceId())
      .Bind(2, organization_id)
      .Bind(3, mutation.actor)
      .Bind(4, mutation.action)
      .Bind(5, resource)
      .Bind(6, mutation.request_id)
      .Bind(7, mutation.time_micros)
      .Run();
}

absl::Status InsertOutboxEvent(sqlite::Connection& connection,
                               absl::string_view type,
                               absl::string_view organization_id,
                               absl::string_view resource,
                               absl::string_view user_name,
                               int64_t time_micros) {
  absl::StatusOr<sqlite::Statement*> insert = connection.Prepare(
      "INSERT INTO outbox (type, resource, user_name, organization_id, "
      "create_time) VALUES (?, ?, ?, ?, ?)");
  if (!insert.ok()) {
    return insert.status();
  }
  return (*insert)
      ->Bind(1, type)
      .Bind(2, resource)
      .Bind(3, user_name)
      .Bind(4, organization_id)
      .Bind(5, time_micros)
      .Run();
}

absl::StatusOr<std::string> SelectRequestResource(
    sqlite::Connection& connection, const Mutation& mutation) {
  absl::StatusOr<sqlite::Statement*> select = connection.Prepare(
      "SELECT resource FROM request_ids "
      "WHERE caller = ? AND method = ? AND request_id = ?");
  if (!select.ok()) {
    return select.status();
  }
  (*select)
      ->Bind(1, mutation.actor)
      .Bind(2, mutation.action)
      .Bind(3, mutation.request_id);
  absl::StatusOr<bool> row = (*select)->Step();
  if (!row.ok()) {
    return row.status();
  }
  return *row ? (*select)->ColumnText(0) : std::string();
}

absl::Status InsertRequestId(sqlite::Connection& connection,
                             const Mutation& mutation,
                             absl::string_view resource) {
  absl::StatusOr<sqlite::Statement*> insert = connection.Prepare(
      "INSERT INTO request_ids (caller, method, request_id, resource, "
      "create_time) VALUES (?, ?, ?, ?, ?)");
  if (!insert.ok()) {
    return insert.status();
  }
  return (*insert)
      ->Bind(1, mutation.actor)
      .Bind(2, mutation.action)
      .Bind(3, mutation.request_id)
      .Bind(4, resource)
      .Bind(5, mutation.time_micros)
      .Run();
}

}  // namespace ironorg

// Bookkeeping rows that a service store writes in the same SQLite
// transaction as the change they record. Every mutation gets an audit
// event, a create with a request id stores the resource it made, and a
// change that other services follow gets an outbox event.
//
// The database must have these tables, with at least these columns:
//   audit_events (id, organization_id, actor, action, resource, request_id,
//                 create_time)
//   request_ids  (caller, method, request_id, resource, create_time)
//   outbox       (type, resource, user_name, organization_id, create_time)
//
// Every function runs on the `connection` passed to a sqlite::Database
// Read or Write callback, so it is as thread-safe as that callback, and
// returns the statement's error as common/sqlite.h maps it.
#ifndef IRONORG_COMMON_STORE_RECORDS_H_
#define IRONORG_COMMON_STORE_RECORDS_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/sqlite.h"

namespace ironorg {

// The actor, method, request id and time of a mutation, recorded in its
// audit event.
struct Mutation {
  // The caller: a user name, or a fixed word such as "service".
  std::string actor;
  // The method making the change, such as "CreateProject".
  std::string action;
  // The caller's request id, or empty.
  std::string request_id;
  // When the change happens, in microseconds since the Unix epoch.
  int64_t time_micros = 0;
};

// Inserts the audit event of `mutation` on `resource` (a resource name) of
// the organization `organization_id`, with a new random event id.
absl::Status InsertAuditEvent(sqlite::Connection& connection,
                              absl::string_view organization_id,
                              absl::string_view resource,
                              const Mutation& mutation);

// Inserts an outbox event of `type`, such as "project.created", on
// `resource`. `user_name` is the user of a grant change, or empty for other
// events.
absl::Status InsertOutboxEvent(sqlite::Connection& connection,
                               absl::string_view type,
                               absl::string_view organization_id,
                               absl::string_view resource,
                               absl::string_view user_name,
                               int64_t time_micros);

// Returns the resource name stored for a request id, or an empty string.
absl::StatusOr<std::string> SelectRequestResource(
    sqlite::Connection& connection, const Mutation& mutation);

// Stores (actor, action, request id) -> `resource` for `mutation`, whose
// request id must be set. Returns ALREADY_EXISTS if those three are stored
// already.
absl::Status InsertRequestId(sqlite::Connection& connection,
                             const Mutation& mutation,
                             absl::string_view resource);

}  // namespace ironorg

#endif  // IRONORG_COMMON_STORE_RECORDS_H_

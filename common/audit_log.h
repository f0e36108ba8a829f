// Lists the audit events a service store keeps in its `audit_events`
// table, newest first, for the ListAuditEvents method that every service
// owning organization resources has.
//
// The table must have the columns common/store_records.h inserts plus
// `sequence INTEGER PRIMARY KEY AUTOINCREMENT`, which orders the events:
// a later insert gets a larger sequence. The sequence is the page key and
// is never shown to callers.
//
// Thread-safe: SelectAuditEvents runs inside sqlite::Database::Read, and
// ListAuditEvents keeps no state of its own.
#ifndef IRONORG_COMMON_AUDIT_LOG_H_
#define IRONORG_COMMON_AUDIT_LOG_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/pagination.h"
#include "common/sqlite.h"
#include "ironorg/audit/v1/audit_event.pb.h"
#include "ironorg/identity/v1/principal.pb.h"
#include "ironorg/identity/v1/user.pb.h"

namespace ironorg::audit_log {

// Selects one page of an organization's audit events, newest first.
struct AuditQuery {
  std::string organization_id;
  // Only events with this actor, or all when empty.
  std::string actor;
  // Only events about this resource name, or all when empty.
  std::string resource;
  // Only events older than this sequence, or from the newest when 0.
  int64_t before_sequence = 0;
  // The maximum number of events returned.
  int limit = 0;
};

// One selected event with its sequence, the key of the next page.
struct AuditRow {
  int64_t sequence = 0;
  ironorg::audit::v1::AuditEvent event;
};

// Returns at most `query.limit` events of `query.organization_id` that
// match the filters, newest first. Returns UNAVAILABLE when the database
// is busy and INTERNAL for any other storage error.
absl::StatusOr<std::vector<AuditRow>> SelectAuditEvents(
    sqlite::Database& database, const AuditQuery& query);

// The fields of a service's ListAuditEventsRequest.
struct ListRequest {
  std::string parent;
  int32_t page_size = 0;
  std::string page_token;
  std::string actor;
  std::string resource;
};

// One page of events and the token of the next page, empty on the last.
struct ListPage {
  std::vector<ironorg::audit::v1::AuditEvent> audit_events;
  std::string next_page_token;
};

// The roles that may list a service's audit events, and the names its
// messages use.
struct ListRules {
  // The full method name, such as
  // "ironorg.projects.v1.ProjectService/ListAuditEvents". It is part of
  // the page-token scope and of the role message.
  std::string method;
  // The service name in caller-check messages, such as "projects".
  std::string service_name;
  // The user roles allowed to list. A service caller is always allowed.
  std::vector<ironorg::identity::v1::Role> roles;
};

// The request flow of ListAuditEvents, in this order:
//   INVALID_ARGUMENT   `parent` is not organizations/{organization}.
//   PERMISSION_DENIED  the caller is a user of another organization or
//                      neither a user nor a service (access_rules.h), or a
//                      user whose role is not in `rules.roles`.
//   INVALID_ARGUMENT   a negative page size, or a page token that was not
//                      issued for this method, parent, actor and resource
//                      filters and caller.
// `select` reads the store, normally SelectAuditEvents on its database.
absl::StatusOr<ListPage> ListAuditEvents(
    const ironorg::identity::v1::Principal& caller, const ListRequest& request,
    const ListRules& rules, const pagination::PageTokenCodec& page_tokens,
    const std::function<
        absl::StatusOr<std::vector<AuditRow>>(const AuditQuery&)>& select);

// Copies a service's ListAuditEventsRequest into a ListRequest.
template <typename Request>
ListRequest ToListRequest(const Request& request) {
  ListRequest list;
  list.parent = request.parent();
  list.page_size = request.page_size();
  list.page_token = request.page_token();
  list.actor = request.actor();
  list.resource = request.resource();
  return list;
}

// Moves `page` into a service's ListAuditEventsResponse.
template <typename Response>
Response ToResponse(ListPage page) {
  Response response;
  for (ironorg::audit::v1::AuditEvent& event : page.audit_events) {
    *response.add_audit_events() = std::move(event);
  }
  response.set_next_page_token(std::move(page.next_page_token));
  return response;
}

}  // namespace ironorg::audit_log

#endif  // IRONORG_COMMON_AUDIT_LOG_H_

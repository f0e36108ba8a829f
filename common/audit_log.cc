#include "common/audit_log.h"

#include <algorithm>
#include <limits>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/access_rules.h"
#include "common/errors.h"
#include "common/log.h"
#include "common/names.h"
#include "common/status_macros.h"
#include "common/time_util.h"

namespace ironorg::audit_log {
namespace {

using ::ironorg::identity::v1::Principal;
using ::ironorg::identity::v1::Role;

ironorg::audit::v1::AuditEvent ReadEvent(const sqlite::Statement& statement) {
  ironorg::audit::v1::AuditEvent event;
  event.set_name(names::Child(statement.ColumnText(1), "auditEvents",
                              statement.ColumnText(0)));
  event.set_actor(statement.ColumnText(2));
  event.set_action(statement.ColumnText(3));
  event.set_resource(statement.ColumnText(4));
  event.set_request_id(statement.ColumnText(5));
  *event.mutable_create_time() = ToTimestamp(statement.ColumnInt(6));
  return event;
}

// A filter value is length-prefixed in the page-token scope, so that no
// two different (actor, resource) pairs give the same scope.
std::string ScopePart(absl::string_view value) {
  return absl::StrCat(value.size(), ":", value);
}

absl::Status CheckRole(const Principal& caller, const ListRules& rules) {
  if (access::IsService(caller) ||
      std::find(rules.roles.begin(), rules.roles.end(), caller.role()) !=
          rules.roles.end()) {
    return absl::OkStatus();
  }
  std::vector<std::string> role_names;
  for (const Role role : rules.roles) {
    role_names.push_back(identity::v1::Role_Name(role));
  }
  return errors::PermissionDenied(absl::StrCat(
      rules.method, " needs one of the roles ", absl::StrJoin(role_names, ", "),
      "; the caller has ", identity::v1::Role_Name(caller.role())));
}

}  // namespace

absl::StatusOr<std::vector<AuditRow>> SelectAuditEvents(
    sqlite::Database& database, const AuditQuery& query) {
  // One statement per filter combination, so that SQLite plans each one
  // on its own instead of testing an empty filter on every row.
  std::string sql =
      "SELECT id, organization_id, actor, action, resource, request_id, "
      "create_time, sequence FROM audit_events "
      "WHERE organization_id = ?1 AND sequence < ?2";
  if (!query.actor.empty()) {
    sql += " AND actor = ?3";
  }
  if (!query.resource.empty()) {
    sql += " AND resource = ?4";
  }
  sql += " ORDER BY sequence DESC LIMIT ?5";

  std::vector<AuditRow> rows;
  IRONORG_RETURN_IF_ERROR(
      database.Read([&](sqlite::Connection& connection) -> absl::Status {
        IRONORG_ASSIGN_OR_RETURN(sqlite::Statement * statement,
                                 connection.Prepare(sql));
        statement->Bind(1, query.organization_id)
            .Bind(2, query.before_sequence > 0
                         ? query.before_sequence
                         : std::numeric_limits<int64_t>::max())
            .Bind(5, static_cast<int64_t>(query.limit));
        if (!query.actor.empty()) {
          statement->Bind(3, query.actor);
        }
        if (!query.resource.empty()) {
          statement->Bind(4, query.resource);
        }
        while (true) {
          IRONORG_ASSIGN_OR_RETURN(const bool has_row, statement->Step());
          if (!has_row) {
            break;
          }
          AuditRow row;
          row.event = ReadEvent(*statement);
          row.sequence = statement->ColumnInt(7);
          rows.push_back(std::move(row));
        }
        return absl::OkStatus();
      }));
  return rows;
}

absl::StatusOr<ListPage> ListAuditEvents(
    const Principal& caller, const ListRequest& request, const ListRules& rules,
    const pagination::PageTokenCodec& page_tokens,
    const std::function<
        absl::StatusOr<std::vector<AuditRow>>(const AuditQuery&)>& select) {
  IRONORG_ASSIGN_OR_RETURN(std::string organization_id,
                           names::ParseOrganization(request.parent, "parent"));
  IRONORG_RETURN_IF_ERROR(
      access::CheckOrganization(caller, organization_id, rules.service_name));
  IRONORG_RETURN_IF_ERROR(CheckRole(caller, rules));
  IRONORG_ASSIGN_OR_RETURN(const int page_size,
                           pagination::NormalizePageSize(request.page_size));

  const std::string scope = absl::StrCat(
      rules.method, "\n", request.parent, "\n", ScopePart(request.actor), "\n",
      ScopePart(request.resource), "\n", access::AuditActor(caller));
  AuditQuery query;
  query.organization_id = std::move(organization_id);
  query.actor = request.actor;
  query.resource = request.resource;
  // The one extra row fetched shows whether another page follows.
  query.limit = page_size + 1;
  if (!request.page_token.empty()) {
    IRONORG_ASSIGN_OR_RETURN(const std::string last_sequence,
                             page_tokens.Decode(scope, request.page_token));
    if (!absl::SimpleAtoi(last_sequence, &query.before_sequence)) {
      // Only a token sealed with the service's key gets here.
      IRONORG_LOG(ERROR) << "sealed audit page token holds \"" << last_sequence
                         << "\", not a sequence number";
      return errors::Internal();
    }
  }

  IRONORG_ASSIGN_OR_RETURN(std::vector<AuditRow> rows, select(query));
  ListPage page;
  const bool has_more = static_cast<int>(rows.size()) > page_size;
  if (has_more) {
    rows.resize(page_size);
    page.next_page_token =
        page_tokens.Encode(scope, absl::StrCat(rows.back().sequence));
  }
  for (AuditRow& row : rows) {
    page.audit_events.push_back(std::move(row.event));
  }
  return page;
}

}  // namespace ironorg::audit_log

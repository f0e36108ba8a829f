// Writes audit events straight into a service's SQLite file, so that the
// ListAuditEvents tests choose the actors, resources and order of the
// events they list. Opens its own connection for each call.
#ifndef IRONORG_TESTS_TESTING_AUDIT_TEST_SUPPORT_H_
#define IRONORG_TESTS_TESTING_AUDIT_TEST_SUPPORT_H_

#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <vector>

#include "ironorg/audit/v1/audit_event.pb.h"

namespace ironorg::test {

// One audit event to insert. Its name is
// organizations/{organization_id}/auditEvents/{id}.
struct AuditSeed {
  std::string id;
  std::string organization_id;
  std::string actor;
  std::string action;
  std::string resource;
  int64_t create_time = 0;
};

// Inserts `events` in order into the `audit_events` table of the SQLite
// file `database_path`, so that each gets a larger sequence than the one
// before. Returns false if the file cannot be written.
inline bool InsertAuditSeeds(const std::string& database_path,
                             const std::vector<AuditSeed>& events) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(database_path.c_str(), &db, SQLITE_OPEN_READWRITE,
                      nullptr) != SQLITE_OK) {
    sqlite3_close_v2(db);
    return false;
  }
  bool inserted = true;
  for (const AuditSeed& event : events) {
    sqlite3_stmt* statement = nullptr;
    if (sqlite3_prepare_v2(
            db,
            "INSERT INTO audit_events (id, organization_id, actor, action, "
            "resource, request_id, create_time) "
            "VALUES (?1, ?2, ?3, ?4, ?5, '', ?6)",
            -1, &statement, nullptr) != SQLITE_OK) {
      inserted = false;
      break;
    }
    sqlite3_bind_text(statement, 1, event.id.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(statement, 2, event.organization_id.c_str(), -1,
                      SQLITE_TRANSIENT);
    sqlite3_bind_text(statement, 3, event.actor.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(statement, 4, event.action.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(statement, 5, event.resource.c_str(), -1,
                      SQLITE_TRANSIENT);
    sqlite3_bind_int64(statement, 6, event.create_time);
    const bool done = sqlite3_step(statement) == SQLITE_DONE;
    sqlite3_finalize(statement);
    if (!done) {
      inserted = false;
      break;
    }
  }
  sqlite3_close_v2(db);
  return inserted;
}

// Returns the ids of `events`, the last part of each name, in order.
template <typename Events>
std::vector<std::string> AuditEventIds(const Events& events) {
  std::vector<std::string> ids;
  for (const ironorg::audit::v1::AuditEvent& event : events) {
    const std::string& name = event.name();
    ids.push_back(name.substr(name.rfind('/') + 1));
  }
  return ids;
}

}  // namespace ironorg::test

#endif  // IRONORG_TESTS_TESTING_AUDIT_TEST_SUPPORT_H_

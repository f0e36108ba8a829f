// Storage of grants, the records of which user may reach which resource of
// a service (such as a project or a cluster), in a table of the service's
// own SQLite database.
//
// The database must have, besides the tables common/store_records.h needs:
//   <resource_table> (id, organization_id, ...)
//   <grant_table>    (<resource_column>, user_name, create_time), with a
//                    PRIMARY KEY or UNIQUE constraint over the first two
//   deleted_users    as kDeletedUsersTableSql creates it
//
// `deleted_users` lists the users whose deletion RemoveUserGrants applied.
// Grant and SetUserGrants refuse them inside their own transaction, so a
// grant whose user identity deleted after the service's lookup cannot
// slip in once the deletion has been applied.
//
// Grant, Revoke and SetUserGrants are idempotent: granting an existing
// grant and revoking a missing one succeed and write nothing. A change
// writes the grant rows, an audit event and one outbox event per changed
// grant, naming the user, in one transaction.
//
// Thread-safe: a GrantTable is immutable after construction, and every
// call runs in one transaction of the sqlite::Database it is given.
#ifndef IRONORG_COMMON_GRANT_TABLE_H_
#define IRONORG_COMMON_GRANT_TABLE_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/grant_store.h"
#include "common/sqlite.h"
#include "common/store_records.h"

namespace ironorg {

// The table of deleted users, for the migrations of a store that uses a
// GrantTable.
inline constexpr char kDeletedUsersTableSql[] = R"sql(
CREATE TABLE deleted_users (
  user_name TEXT PRIMARY KEY,
  delete_time INTEGER NOT NULL
);
)sql";

// The names a GrantTable uses. They are pasted into SQL text, so they
// must be fixed identifiers of the store, never input from a request.
struct GrantSchema {
  // The kind of resource in error messages, such as "project".
  std::string resource_kind;
  // The table of the resources, such as "projects". It is also the
  // collection in resource names: organizations/{organization}/projects/{id}.
  std::string resource_table;
  // The table of the grants, such as "project_grants".
  std::string grant_table;
  // The column of `grant_table` that contains the resource id, such as
  // "project_id".
  std::string resource_column;
  // The outbox event types of a new grant and of a removed grant, such as
  // "project.access_granted" and "project.access_revoked".
  std::string granted_event;
  std::string revoked_event;
};

class GrantTable final {
 public:
  explicit GrantTable(GrantSchema schema);

  // Grants `user_name` access to the resource `resource_id` of the
  // organization `organization_id`. Returns true if the grant is new, and
  // false if it existed, in which case nothing is written. Returns
  // NOT_FOUND `<kind> "<name>" not found` if the resource does not exist,
  // NOT_FOUND `user "<name>" not found` if the user is in `deleted_users`,
  // and UNAVAILABLE if the database is busy.
  absl::StatusOr<bool> Grant(sqlite::Database& database,
                             absl::string_view organization_id,
                             absl::string_view resource_id,
                             absl::string_view user_name,
                             const Mutation& mutation) const;

  // Removes the grant. Returns true if a grant was removed, and false if
  // there was none, in which case nothing is written. Returns NOT_FOUND if
  // the resource does not exist, and UNAVAILABLE if the database is busy.
  absl::StatusOr<bool> Revoke(sqlite::Database& database,
                              absl::string_view organization_id,
                              absl::string_view resource_id,
                              absl::string_view user_name,
                              const Mutation& mutation) const;

  // Returns OK if the resource exists in the organization, and NOT_FOUND
  // `<kind> "<name>" not found` otherwise.
  absl::Status CheckResourceExists(sqlite::Database& database,
                                   absl::string_view organization_id,
                                   absl::string_view resource_id) const;

  // Returns OK if every resource of `resource_ids` exists in the
  // organization, and NOT_FOUND naming the first missing one in list order
  // otherwise. Reads in one transaction.
  absl::Status CheckResourcesExist(
      sqlite::Database& database, absl::string_view organization_id,
      const std::vector<std::string>& resource_ids) const;

  // Returns true if the resource exists in the organization and
  // `user_name` has a grant on it.
  absl::StatusOr<bool> HasGrant(sqlite::Database& database,
                                absl::string_view organization_id,
                                absl::string_view resource_id,
                                absl::string_view user_name) const;

  // Returns up to `page_size` (at least 1) users granted the resource, in
  // user name order, starting after `after_user` (empty for the first
  // page). Reads the page and the resource in one transaction, so it
  // returns NOT_FOUND if the resource does not exist in the organization.
  absl::StatusOr<GrantMemberPage> ListMembers(sqlite::Database& database,
                                              absl::string_view organization_id,
                                              absl::string_view resource_id,
                                              absl::string_view after_user,
                                              int page_size) const;

  // Replaces the grants of `user_name` on resources of the organization
  // with grants on exactly `resource_ids`, in one write transaction.
  // Repeated ids count once. Adds and removes only the difference, writing
  // one outbox event per grant added or removed and, if anything changed,
  // one audit event whose resource is `user_name`. If a resource does not
  // exist, returns NOT_FOUND naming the first missing one in list order
  // and writes nothing. A non-empty set for a user in `deleted_users` is
  // NOT_FOUND `user "<name>" not found`.
  absl::StatusOr<GrantSetResult> SetUserGrants(
      sqlite::Database& database, absl::string_view organization_id,
      absl::string_view user_name, const std::vector<std::string>& resource_ids,
      const Mutation& mutation) const;

  // Deletes every grant of `user_name` on resources of the organization
  // inside the caller's write transaction on `connection`, for a user that
  // identity deleted. Writes one outbox event of `revoked_event` per
  // removed grant and, if any was removed, one audit event whose resource
  // is `user_name`, then adds the user to `deleted_users`. Applying it
  // twice removes nothing the second time. Returns the number of grants
  // removed.
  absl::StatusOr<int> RemoveUserGrants(sqlite::Connection& connection,
                                       absl::string_view organization_id,
                                       absl::string_view user_name,
                                       const Mutation& mutation) const;

  // Deletes every grant on the resource inside the caller's write
  // transaction on `connection`, as part of deleting the resource, and
  // returns the number removed. Writes no events, because the caller's
  // delete event already implies that every grant on the resource is gone.
  // The schema's ON DELETE CASCADE would remove the rows too; deleting
  // them here keeps the count and does not depend on foreign_keys=ON.
  absl::StatusOr<int> DeleteResourceGrants(sqlite::Connection& connection,
                                           absl::string_view resource_id) const;

 private:
  // Returns NOT_FOUND `user "<name>" not found` if `user_name` is in
  // `deleted_users`.
  static absl::Status CheckUserNotDeleted(sqlite::Connection& connection,
                                          absl::string_view user_name);

  // Checks, inside the change's transaction, that the resource exists,
  // and returns its name.
  absl::StatusOr<std::string> SelectResourceName(
      sqlite::Connection& connection, absl::string_view organization_id,
      absl::string_view resource_id) const;

  // Returns the ids of the organization's resources granted to
  // `user_name`, sorted.
  absl::StatusOr<std::vector<std::string>> SelectUserGrantIds(
      sqlite::Connection& connection, absl::string_view organization_id,
      absl::string_view user_name) const;

  // Runs `write_row`, which inserts or deletes one grant row, in a write
  // transaction after checking that the resource exists. When it changed a
  // row, also writes the audit event and the outbox event of `event_type`.
  // Returns whether a row changed.
  absl::StatusOr<bool> ChangeGrant(
      sqlite::Database& database, absl::string_view event_type,
      absl::string_view organization_id, absl::string_view resource_id,
      absl::string_view user_name, const Mutation& mutation,
      const std::function<absl::Status(sqlite::Connection&)>& write_row) const;

  GrantSchema schema_;
  std::string select_resource_sql_;
  std::string insert_grant_sql_;
  std::string delete_grant_sql_;
  std::string select_grant_sql_;
  std::string select_members_sql_;
  std::string select_user_grants_sql_;
  std::string delete_resource_grants_sql_;
};

}  // namespace ironorg

#endif  // IRONORG_COMMON_GRANT_TABLE_H_

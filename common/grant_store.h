// The grant operations of a service store, which GrantRules in
// common/access_rules.h drives. ProjectStore and ClusterStore implement it
// over a GrantTable.
#ifndef IRONORG_COMMON_GRANT_STORE_H_
#define IRONORG_COMMON_GRANT_STORE_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/store_records.h"

namespace ironorg {

// One page of the users granted one resource, in user name order.
struct GrantMemberPage {
  std::vector<std::string> user_names;
  // True if more users follow the last one in `user_names`.
  bool has_more = false;
};

// The outcome of replacing a user's grants.
struct GrantSetResult {
  // The names of the resources the user has grants on afterwards,
  // sorted.
  std::vector<std::string> resource_names;
  // The number of grants added and removed.
  int added = 0;
  int removed = 0;
};

// Every method may also return UNAVAILABLE when storage is busy.
// Implementations must be thread-safe.
class GrantStore {
 public:
  virtual ~GrantStore() = default;

  // Returns OK if the resource exists in the organization, and NOT_FOUND
  // `<kind> "<name>" not found` otherwise.
  virtual absl::Status CheckResourceExists(absl::string_view organization_id,
                                           absl::string_view resource_id) = 0;

  // Returns OK if every resource of `resource_ids` exists in the
  // organization, and NOT_FOUND naming the first missing one otherwise.
  // The default calls CheckResourceExists once per id.
  virtual absl::Status CheckResourcesExist(
      absl::string_view organization_id,
      const std::vector<std::string>& resource_ids) {
    for (const std::string& resource_id : resource_ids) {
      absl::Status exists = CheckResourceExists(organization_id, resource_id);
      if (!exists.ok()) {
        return exists;
      }
    }
    return absl::OkStatus();
  }

  // Returns true if the resource exists and `user_name` has a grant on it.
  virtual absl::StatusOr<bool> HasAccess(absl::string_view organization_id,
                                         absl::string_view resource_id,
                                         absl::string_view user_name) = 0;

  // Stores the grant. Returns true if it is new, and false if it existed,
  // in which case nothing is written. NOT_FOUND if the resource does not
  // exist.
  virtual absl::StatusOr<bool> GrantAccess(absl::string_view organization_id,
                                           absl::string_view resource_id,
                                           absl::string_view user_name,
                                           const Mutation& mutation) = 0;

  // Removes the grant. Returns true if one was removed, and false if there
  // was none, in which case nothing is written. NOT_FOUND if the resource
  // does not exist.
  virtual absl::StatusOr<bool> RevokeAccess(absl::string_view organization_id,
                                            absl::string_view resource_id,
                                            absl::string_view user_name,
                                            const Mutation& mutation) = 0;

  // Returns up to `page_size` users granted the resource whose names sort
  // after `after_user` (empty for the first page). NOT_FOUND if the
  // resource does not exist. GrantTable::ListMembers implements it.
  // NOTE: The default returns UNIMPLEMENTED, so that a store built before
  // this method existed still compiles.
  virtual absl::StatusOr<GrantMemberPage> ListMembers(
      absl::string_view /*organization_id*/, absl::string_view /*resource_id*/,
      absl::string_view /*after_user*/, int /*page_size*/) {
    return absl::UnimplementedError("listing the members is not implemented");
  }

  // Replaces every grant of `user_name` in the organization with grants on
  // exactly `resource_ids`, in one transaction. NOT_FOUND naming the first
  // missing resource, and then nothing changes. GrantTable::SetUserGrants
  // implements it. NOTE: The default returns UNIMPLEMENTED, as for
  // ListMembers.
  virtual absl::StatusOr<GrantSetResult> SetUserGrants(
      absl::string_view /*organization_id*/, absl::string_view /*user_name*/,
      const std::vector<std::string>& /*resource_ids*/,
      const Mutation& /*mutation*/) {
    return absl::UnimplementedError(
        "replacing the grants of a user is not implemented");
  }
};

}  // namespace ironorg

#endif  // IRONORG_COMMON_GRANT_STORE_H_

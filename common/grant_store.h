// The grant operations of a service store, which GrantRules in
// common/access_rules.h drives. ProjectStore and ClusterStore implement it
// over a GrantTable.
#ifndef IRONORG_COMMON_GRANT_STORE_H_
#define IRONORG_COMMON_GRANT_STORE_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/store_records.h"

namespace ironorg {

// Every method may also return UNAVAILABLE when storage is busy.
// Implementations must be thread-safe.
class GrantStore {
 public:
  virtual ~GrantStore() = default;

  // Returns OK if the resource exists in the organization, and NOT_FOUND
  // `<kind> "<name>" not found` otherwise.
  virtual absl::Status CheckResourceExists(absl::string_view organization_id,
                                           absl::string_view resource_id) = 0;

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
};

}  // namespace ironorg

#endif  // IRONORG_COMMON_GRANT_STORE_H_

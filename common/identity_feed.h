// The handling of identity's change feed in projects and clusters. A
// deleted user's grants are removed in the same transaction that moves
// the consumer's cursor, so that no grant outlives its user.
#ifndef IRONORG_COMMON_IDENTITY_FEED_H_
#define IRONORG_COMMON_IDENTITY_FEED_H_

#include "common/change_feed_consumer.h"
#include "common/grant_table.h"

namespace ironorg::identity_feed {

// The feed's name in `change_feed_cursors` and in log lines.
inline constexpr char kFeedName[] = "identity";

// The change type identity writes when it deletes a user; the change's
// resource is the user's name.
inline constexpr char kUserDeleted[] = "user.deleted";

// The audit actor and action of the grants removed for a deleted user.
// Identity's own audit log records which Admin deleted the user.
inline constexpr char kActor[] = "identity";
inline constexpr char kAction[] = "RemoveDeletedUserGrants";

// Returns the ApplyChange that removes every grant of a deleted user
// through `grants` (GrantTable::RemoveUserGrants), which also records the
// user as deleted so that a grant racing with the deletion is refused.
// Every other change type is ignored. `grants` must outlive the result.
change_feed::ApplyChange MakeUserDeletionApplier(const GrantTable* grants);

}  // namespace ironorg::identity_feed

#endif  // IRONORG_COMMON_IDENTITY_FEED_H_

#include "common/identity_feed.h"

#include <string>

#include "common/log.h"
#include "common/names.h"
#include "common/status_macros.h"
#include "common/time_util.h"

namespace ironorg::identity_feed {

using ::ironorg::changes::v1::Change;

change_feed::ApplyChange MakeUserDeletionApplier(const GrantTable* grants) {
  return [grants](sqlite::Connection& connection,
                  const Change& change) -> absl::Status {
    if (change.type() != kUserDeleted) {
      return absl::OkStatus();
    }

    Mutation mutation;
    mutation.actor = kActor;
    mutation.action = kAction;
    mutation.time_micros = FromTimestamp(change.create_time());
    IRONORG_ASSIGN_OR_RETURN(
        const std::string organization_id,
        names::ParseOrganization(change.organization(), "organization"));
    IRONORG_ASSIGN_OR_RETURN(
        const int removed,
        grants->RemoveUserGrants(connection, organization_id,
                                 change.resource(), mutation));
    if (removed > 0) {
      IRONORG_LOG(INFO) << "removed " << removed << " grants of deleted user "
                        << change.resource() << " (identity change "
                        << change.sequence() << ")";
    }
    return absl::OkStatus();
  };
}

}  // namespace ironorg::identity_feed

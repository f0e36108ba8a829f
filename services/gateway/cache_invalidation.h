// The mapping from a change to the cache entries it makes stale. Entries
// are dropped on two paths: after a changing call that this gateway
// forwarded, and for each change read from a service's change feed. The
// feed also carries changes forwarded by other gateways and changes that a
// service made itself, such as projects removing a deleted user's grants.
//
// Both paths drop a wider set than strictly needed: a user's change drops
// all of the user's tokens and grant results, and a grant change drops
// every result on its project or cluster.
//
// Thread-safe: free functions; AccessCache is thread-safe.
#ifndef IRONORG_SERVICES_GATEWAY_CACHE_INVALIDATION_H_
#define IRONORG_SERVICES_GATEWAY_CACHE_INVALIDATION_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"
#include "ironorg/changes/v1/change_feed.pb.h"
#include "ironorg/identity/v1/principal.pb.h"
#include "services/gateway/access_cache.h"

namespace ironorg::gateway {

// The owners whose entries to drop.
struct CacheDrops {
  // User names, organizations/{organization}/users/{user}.
  std::vector<std::string> users;
  // Project and cluster names.
  std::vector<std::string> resources;

  bool empty() const { return users.empty() && resources.empty(); }
};

// Returns what a call of `method` ("<package>.<Service>/<Method>") by
// `caller` with `request` may change. That is the user named by
// SetUserRole, UpdateUser, ResetUserPassword and DeleteUser, the caller of
// Logout and ChangePassword, and the owner of the token of RevokeApiToken.
// Grant, revoke and set calls change their user and resource, and
// DeleteProject, DeleteCluster and RotateClusterToken their project or
// cluster. Empty for methods that change none of these.
CacheDrops DropsOfCall(absl::string_view method,
                       const ironorg::identity::v1::Principal& caller,
                       const google::protobuf::Message& request);

// Returns what one change of a service's feed makes stale. Identity's
// user.updated, user.role_changed, user.deleted and user.tokens_revoked
// name a user. The *.access_granted, *.access_revoked and *.deleted
// changes of projects and clusters, and cluster.token_rotated, name a
// resource.
CacheDrops DropsOfChange(const ironorg::changes::v1::Change& change);

// Drops the entries of every owner in `drops`.
void ApplyDrops(const CacheDrops& drops, AccessCache& cache);

}  // namespace ironorg::gateway

#endif  // IRONORG_SERVICES_GATEWAY_CACHE_INVALIDATION_H_

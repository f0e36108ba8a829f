// The rules of the clusters service, free of gRPC: who may do what to
// which cluster, input checks, cluster tokens, and pagination.
//
// Every method takes the verified caller and the request message and
// returns the response or a status from common/errors.h:
//   INVALID_ARGUMENT  a malformed name, display name, runner size, page
//                     size or page token; the message names the field.
//   PERMISSION_DENIED a user caller names a resource outside their own
//                     organization (checked before anything is looked up),
//                     or their role does not allow the call.
//   NOT_FOUND         the named cluster or user does not exist.
//   ALREADY_EXISTS    the display name is taken in the organization.
//   UNAUTHENTICATED   an unknown cluster token.
//   UNAVAILABLE       storage is busy or identity cannot be reached; retry.
//   UNIMPLEMENTED     the method is not built yet.
//
// Callers: user principals are limited to their organization and role.
// A KIND_SERVICE principal is a peer holding the internal credential and
// may act in any organization. Other kinds (operator, cluster token) are
// denied on the public methods built so far.
//
// A cluster token is returned once, in the CreateCluster response, and
// never logged; only its SHA-256 hex is stored.
//
// Thread-safe if the store and the user directory are.
#ifndef IRONORG_SERVICES_CLUSTERS_CLUSTER_SERVICE_H_
#define IRONORG_SERVICES_CLUSTERS_CLUSTER_SERVICE_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "common/access_rules.h"
#include "common/pagination.h"
#include "common/user_directory.h"
#include "ironorg/clusters/v1/cluster.pb.h"
#include "ironorg/clusters/v1/cluster_access.pb.h"
#include "ironorg/clusters/v1/internal.pb.h"
#include "ironorg/clusters/v1/runner.pb.h"
#include "ironorg/identity/v1/principal.pb.h"
#include "services/clusters/cluster_store.h"

namespace ironorg::clusters {

// Runner sizes: the default when the request leaves the field unset, and
// the allowed range, both inclusive.
inline constexpr int32_t kDefaultMemoryPerRunnerMb = 512;
inline constexpr int32_t kMinMemoryPerRunnerMb = 128;
inline constexpr int32_t kMaxMemoryPerRunnerMb = 65536;
inline constexpr int32_t kDefaultDiskPerRunnerGb = 10;
inline constexpr int32_t kMinDiskPerRunnerGb = 1;
inline constexpr int32_t kMaxDiskPerRunnerGb = 1024;

// The prefix of every cluster token, which lets the gateway route it here.
inline constexpr char kClusterTokenPrefix[] = "ioc_";

class ClusterService final {
 public:
  // `store` and `users` must outlive the service. `page_tokens` seals the
  // page tokens of every list.
  ClusterService(ClusterStore* store, UserDirectory* users,
                 pagination::PageTokenCodec page_tokens)
      : store_(store),
        grants_(access::GrantRulesConfig{"clusters", "cluster", "clusters"},
                store, users),
        page_tokens_(std::move(page_tokens)) {}

  // ClusterService. Admin only. Creates a cluster in state
  // STATE_PROVISIONING with a new token, returned in `cluster_token`.
  // `cluster.display_name` is trimmed and must be 1 to 200 characters and
  // unique in the organization. When set, `memory_per_runner_mb` (default
  // 512) must be 128 to 65536 and `disk_per_runner_gb` (default 10) 1 to
  // 1024. A retry with the same `request_id` by the same caller returns the
  // first cluster with an empty `cluster_token`.
  absl::StatusOr<ironorg::clusters::v1::Cluster> CreateCluster(
      const ironorg::identity::v1::Principal& caller,
      const ironorg::clusters::v1::CreateClusterRequest& request);

  // Returns one cluster, without its token. Admin and Admin read-only may
  // read every cluster of their organization, and a Developer only a
  // granted one. Any other caller gets PERMISSION_DENIED, whether or not
  // the cluster exists.
  absl::StatusOr<ironorg::clusters::v1::Cluster> GetCluster(
      const ironorg::identity::v1::Principal& caller,
      const ironorg::clusters::v1::GetClusterRequest& request);

  // Lists clusters in id order, without tokens. A Developer gets only the
  // clusters granted to them; an Accountant gets PERMISSION_DENIED.
  absl::StatusOr<ironorg::clusters::v1::ListClustersResponse> ListClusters(
      const ironorg::identity::v1::Principal& caller,
      const ironorg::clusters::v1::ListClustersRequest& request);

  absl::StatusOr<ironorg::clusters::v1::Cluster> UpdateCluster(
      const ironorg::identity::v1::Principal& caller,
      const ironorg::clusters::v1::UpdateClusterRequest& request);
  absl::StatusOr<ironorg::clusters::v1::DeleteClusterResponse> DeleteCluster(
      const ironorg::identity::v1::Principal& caller,
      const ironorg::clusters::v1::DeleteClusterRequest& request);
  absl::StatusOr<ironorg::clusters::v1::Cluster> RotateClusterToken(
      const ironorg::identity::v1::Principal& caller,
      const ironorg::clusters::v1::RotateClusterTokenRequest& request);

  // Lists the organization's cluster audit events, newest first, filtered
  // by `actor` and `resource` when set. Admin and Admin read-only may
  // list, and so may a peer service. A Developer or Accountant gets
  // PERMISSION_DENIED. See common/audit_log.h for the order of the checks.
  absl::StatusOr<ironorg::clusters::v1::ListAuditEventsResponse>
  ListAuditEvents(const ironorg::identity::v1::Principal& caller,
                  const ironorg::clusters::v1::ListAuditEventsRequest& request);

  // ClusterAccessService. Admin only. Grants `user` access to `cluster`.
  // Both must be in the caller's organization, or the call gets
  // PERMISSION_DENIED. The cluster must exist and identity must have the
  // user, or the call gets NOT_FOUND. Granting an existing grant succeeds
  // and changes nothing.
  absl::StatusOr<ironorg::clusters::v1::GrantClusterAccessResponse>
  GrantClusterAccess(
      const ironorg::identity::v1::Principal& caller,
      const ironorg::clusters::v1::GrantClusterAccessRequest& request);

  // Admin only. Removes the grant; revoking a missing grant succeeds and
  // changes nothing. NOT_FOUND if the cluster does not exist. The user is
  // not looked up, so grants of deleted users can still be removed.
  absl::StatusOr<ironorg::clusters::v1::RevokeClusterAccessResponse>
  RevokeClusterAccess(
      const ironorg::identity::v1::Principal& caller,
      const ironorg::clusters::v1::RevokeClusterAccessRequest& request);

  // Lists the clusters granted to `user`, in id order. Admin and Admin
  // read-only may name any user of their organization; others only
  // themselves.
  absl::StatusOr<ironorg::clusters::v1::ListUserClustersResponse>
  ListUserClusters(
      const ironorg::identity::v1::Principal& caller,
      const ironorg::clusters::v1::ListUserClustersRequest& request);

  absl::StatusOr<ironorg::clusters::v1::ListClusterMembersResponse>
  ListClusterMembers(
      const ironorg::identity::v1::Principal& caller,
      const ironorg::clusters::v1::ListClusterMembersRequest& request);
  absl::StatusOr<ironorg::clusters::v1::SetUserClustersResponse>
  SetUserClusters(const ironorg::identity::v1::Principal& caller,
                  const ironorg::clusters::v1::SetUserClustersRequest& request);

  // RunnerService; none is built yet.
  absl::StatusOr<ironorg::clusters::v1::RegisterRunnerResponse> RegisterRunner(
      const ironorg::identity::v1::Principal& caller,
      const ironorg::clusters::v1::RegisterRunnerRequest& request);
  absl::StatusOr<ironorg::clusters::v1::Runner> Heartbeat(
      const ironorg::identity::v1::Principal& caller,
      const ironorg::clusters::v1::HeartbeatRequest& request);
  absl::StatusOr<ironorg::clusters::v1::ListRunnersResponse> ListRunners(
      const ironorg::identity::v1::Principal& caller,
      const ironorg::clusters::v1::ListRunnersRequest& request);

  // InternalClusterAuthService. Returns the cluster whose token is
  // `token`; UNAUTHENTICATED "invalid cluster token" for any other token.
  // Any verified caller may ask.
  absl::StatusOr<ironorg::clusters::v1::IntrospectClusterTokenResponse>
  IntrospectClusterToken(
      const ironorg::identity::v1::Principal& caller,
      const ironorg::clusters::v1::IntrospectClusterTokenRequest& request);

  // InternalClusterAccessService. Reports whether the cluster exists and
  // `user` has a grant on it. Any verified caller may ask.
  absl::StatusOr<ironorg::clusters::v1::CheckClusterAccessResponse>
  CheckClusterAccess(
      const ironorg::identity::v1::Principal& caller,
      const ironorg::clusters::v1::CheckClusterAccessRequest& request);

 private:
  ClusterStore* store_;
  access::GrantRules grants_;
  pagination::PageTokenCodec page_tokens_;
};

}  // namespace ironorg::clusters

#endif  // IRONORG_SERVICES_CLUSTERS_CLUSTER_SERVICE_H_

// The rules of the clusters service, free of gRPC: who may do what to
// which cluster, input checks, cluster tokens, runners, and pagination.
//
// Every method takes the verified caller and the request message and
// returns the response or a status from common/errors.h:
//   INVALID_ARGUMENT  a malformed name, display name, runner size, update
//                     mask, hostname, page size or page token; the message
//                     names the field.
//   PERMISSION_DENIED a user caller names a resource outside their own
//                     organization (checked before anything is looked up),
//                     their role does not allow the call, or a runner call
//                     does not carry the token of the cluster it names.
//   NOT_FOUND         the named cluster, runner or user does not exist.
//   ALREADY_EXISTS    the display name is taken in the organization.
//   ABORTED           a non-empty `etag` differs from the stored one.
//                     Nothing was changed.
//   UNAUTHENTICATED   an unknown cluster token.
//   UNAVAILABLE       storage is busy or identity cannot be reached; retry.
//
// Callers: user principals are limited to their organization and role.
// A KIND_SERVICE principal is a peer holding the internal credential and
// may act in any organization. RegisterRunner and Heartbeat accept only a
// KIND_CLUSTER_TOKEN principal of the cluster they name. The other public
// methods deny that kind and the operator.
//
// A cluster token is returned once, in the response of CreateCluster or
// RotateClusterToken, and never logged or audited. Only its SHA-256 hex is
// stored.
//
// A runner is STATE_ONLINE while its last heartbeat (or registration) is at
// most `runner_offline_after` old, and STATE_OFFLINE after that. The state
// and a cluster's `runners_online` are computed at read time from the
// stored `last_heartbeat_time`.
//
// Thread-safe if the store, the user directory and the clock are.
#ifndef IRONORG_SERVICES_CLUSTERS_CLUSTER_SERVICE_H_
#define IRONORG_SERVICES_CLUSTERS_CLUSTER_SERVICE_H_

#include <cstdint>
#include <functional>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/access_rules.h"
#include "common/pagination.h"
#include "common/time_util.h"
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

// The maximum length of a runner's hostname and of each label between its
// dots, in characters, as RFC 1123 sets them.
inline constexpr int kMaxHostnameChars = 253;
inline constexpr int kMaxHostnameLabelChars = 63;

// Settings of a ClusterService beyond its collaborators.
struct ClusterServiceOptions {
  // How long after its last heartbeat a runner turns STATE_OFFLINE. Must
  // be positive.
  absl::Duration runner_offline_after = absl::Seconds(60);
  // The clock, in microseconds since the Unix epoch. Tests pass a fake.
  std::function<int64_t()> now_micros = NowMicros;
};

class ClusterService final {
 public:
  // `store` and `users` must outlive the service. `page_tokens` seals the
  // page tokens of every list.
  ClusterService(ClusterStore* store, UserDirectory* users,
                 pagination::PageTokenCodec page_tokens,
                 ClusterServiceOptions options = {})
      : store_(store),
        grants_(access::GrantRulesConfig{"clusters", "cluster", "clusters"},
                store, users),
        page_tokens_(std::move(page_tokens)),
        options_(std::move(options)) {}

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

  // Admin only. Changes the fields that `update_mask` lists:
  // `display_name` (as at create, unique in the organization),
  // `memory_per_runner_mb` (128 to 65536) and `disk_per_runner_gb` (1 to
  // 1024). A listed size left unset takes its default. An empty mask or an
  // unknown path is INVALID_ARGUMENT naming `update_mask`; a stale
  // non-empty `cluster.etag` is ABORTED. Nothing changes on an error.
  absl::StatusOr<ironorg::clusters::v1::Cluster> UpdateCluster(
      const ironorg::identity::v1::Principal& caller,
      const ironorg::clusters::v1::UpdateClusterRequest& request);

  // Admin only. Deletes the cluster with its grants, runners and token in
  // one transaction, so the token is rejected from the next call on. A
  // stale non-empty `etag` is ABORTED and deletes nothing.
  absl::StatusOr<ironorg::clusters::v1::DeleteClusterResponse> DeleteCluster(
      const ironorg::identity::v1::Principal& caller,
      const ironorg::clusters::v1::DeleteClusterRequest& request);

  // Admin only. Gives the cluster a new token, returned only in this
  // response's `cluster_token`. The old token stops working at once.
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

  // Lists the users granted `cluster`, in user name order. Admin and
  // Admin read-only of the cluster's organization, or a peer service.
  // NOT_FOUND, after the permission check, if the cluster does not exist.
  absl::StatusOr<ironorg::clusters::v1::ListClusterMembersResponse>
  ListClusterMembers(
      const ironorg::identity::v1::Principal& caller,
      const ironorg::clusters::v1::ListClusterMembersRequest& request);

  // Admin only. Replaces the user's cluster grants in one transaction so
  // that `user` has grants on exactly `clusters` (at most 1000 names,
  // repeats count once), and returns those names sorted. Every cluster
  // must be in the user's organization and exist, and identity must have
  // the user unless the list is empty. On any error nothing changes.
  // Checks in the order GrantRules::SetUserGrants in common/access_rules.h
  // lists.
  absl::StatusOr<ironorg::clusters::v1::SetUserClustersResponse>
  SetUserClusters(const ironorg::identity::v1::Principal& caller,
                  const ironorg::clusters::v1::SetUserClustersRequest& request);

  // RunnerService. Only the token of `cluster` may call. Registers the
  // runner `hostname`, an RFC 1123 host name compared lower-cased: 1 to
  // 253 characters in dot-separated labels of 1 to 63 letters, digits and
  // hyphens, each starting and ending with a letter or digit. The same
  // hostname again returns the same runner and counts as a heartbeat. The
  // first runner moves the cluster to STATE_READY. Returns the runner and
  // the cluster's runner sizes.
  absl::StatusOr<ironorg::clusters::v1::RegisterRunnerResponse> RegisterRunner(
      const ironorg::identity::v1::Principal& caller,
      const ironorg::clusters::v1::RegisterRunnerRequest& request);

  // Only the token of the runner's cluster may call. Records a heartbeat
  // of the runner `name` and returns it. Not audited.
  absl::StatusOr<ironorg::clusters::v1::Runner> Heartbeat(
      const ironorg::identity::v1::Principal& caller,
      const ironorg::clusters::v1::HeartbeatRequest& request);

  // Lists the runners of the cluster `parent` in id order. Admin and Admin
  // read-only may list any cluster of their organization, and a Developer
  // only a granted one. Other callers get PERMISSION_DENIED whether or not
  // the cluster exists.
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
  // Returns OK if `caller` may read the cluster `cluster_id` of
  // `organization_id` (named `cluster_name`) in `method`: Admin and Admin
  // read-only always, a Developer with a grant. Returns PERMISSION_DENIED
  // otherwise, whether or not the cluster exists.
  absl::Status CheckClusterReader(
      const ironorg::identity::v1::Principal& caller, absl::string_view method,
      absl::string_view organization_id, absl::string_view cluster_id,
      absl::string_view cluster_name);

  // The oldest `last_heartbeat_time` that counts as online at `now_micros`.
  int64_t OnlineSinceMicros(int64_t now_micros) const;

  // Sets `runner.state` from its `last_heartbeat_time` at `now_micros`.
  void SetRunnerState(int64_t now_micros,
                      ironorg::clusters::v1::Runner& runner) const;

  ClusterStore* store_;
  access::GrantRules grants_;
  pagination::PageTokenCodec page_tokens_;
  ClusterServiceOptions options_;
};

}  // namespace ironorg::clusters

#endif  // IRONORG_SERVICES_CLUSTERS_CLUSTER_SERVICE_H_

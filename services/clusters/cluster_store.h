// Storage of clusters, their token hashes, runners and cluster grants in
// `<data_dir>/clusters.db`.
//
// Every change an Admin or a runner makes writes, in the same SQLite
// transaction, a row to `audit_events`. Creates, updates, deletes, token
// rotations and grant changes also write a row to `outbox`, the ordered
// change feed other services follow. An outbox row stores the event type,
// the resource name, the user of a grant change (empty for other events)
// and the organization. A `cluster.deleted` event also means that every
// grant on the cluster is gone.
// A create with a request id also records (caller, method, request id) ->
// resource name there, so a retry returns the first result.
//
// A heartbeat of a known runner writes only its `last_heartbeat_time`,
// without an audit or outbox row (see RecordHeartbeat).
//
// Cluster tokens are never stored, only their SHA-256 hex, and no method
// returns that hash.
//
// Methods that return clusters take `online_since_micros`, the oldest
// `last_heartbeat_time` that still counts as online, to count
// `runners_online`. Runners come back with `state` unset: the service sets
// it from `last_heartbeat_time` at read time.
//
// Thread-safe: every call runs in one transaction of sqlite::Database,
// which runs writes one at a time and reads in parallel. The store checks nothing about the caller; that is the service's
// job.
#ifndef IRONORG_SERVICES_CLUSTERS_CLUSTER_STORE_H_
#define IRONORG_SERVICES_CLUSTERS_CLUSTER_STORE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/audit_log.h"
#include "common/grant_store.h"
#include "common/grant_table.h"
#include "common/sqlite.h"
#include "common/store_records.h"
#include "ironorg/clusters/v1/cluster.pb.h"
#include "ironorg/clusters/v1/runner.pb.h"

namespace ironorg::clusters {

// The file name of the database inside the data folder.
inline constexpr char kDatabaseFileName[] = "clusters.db";

// The validated settings of a cluster to create.
struct NewCluster {
  std::string display_name;
  int32_t memory_per_runner_mb = 0;
  int32_t disk_per_runner_gb = 0;
  // The SHA-256 hex of the cluster token.
  std::string token_hash;
};

// The result of CreateCluster. `cluster.cluster_token` is always empty.
struct CreatedCluster {
  ironorg::clusters::v1::Cluster cluster;
  // True if the request id had been seen before, so nothing was created.
  bool replayed = false;
};

// The validated changes of an UpdateCluster call. A field left empty keeps
// its stored value.
struct ClusterChanges {
  std::optional<std::string> display_name;
  std::optional<int32_t> memory_per_runner_mb;
  std::optional<int32_t> disk_per_runner_gb;
};

// The result of RegisterRunner.
struct RegisteredRunner {
  // The runner, with `state` unset.
  ironorg::clusters::v1::Runner runner;
  // The runner sizes of its cluster, which the runner applies.
  int32_t memory_per_runner_mb = 0;
  int32_t disk_per_runner_gb = 0;
  // True if this call created the runner, and false if the hostname was
  // registered before, so the call counted as a heartbeat.
  bool created = false;
};

// One page of runners in id order.
struct RunnerPage {
  // The runners, with `state` unset.
  std::vector<ironorg::clusters::v1::Runner> runners;
  // The id of the last runner in `runners`, the key of the next page.
  std::string last_id;
  // True if more runners follow `last_id`.
  bool has_more = false;
};

// One page of clusters in id order.
struct ClusterPage {
  std::vector<ironorg::clusters::v1::Cluster> clusters;
  // The id of the last cluster in `clusters`, the key of the next page.
  std::string last_id;
  // True if more clusters follow `last_id`.
  bool has_more = false;
};

class ClusterStore final : public GrantStore {
 public:
  // Opens or creates `<data_dir>/clusters.db`, which must be in an
  // existing folder, and brings its schema up to date. Returns
  // UNAVAILABLE if the file cannot be opened, FAILED_PRECONDITION if it
  // was written by a newer binary.
  static absl::StatusOr<std::unique_ptr<ClusterStore>> Open(
      const std::string& data_dir);

  // Creates a cluster with a new random id in `organization_id`, revision
  // 1, state STATE_PROVISIONING. Returns ALREADY_EXISTS `a cluster named
  // "<display name>" already exists in organizations/<id>` if the name is
  // taken. When `mutation.request_id` is set and (actor, action, request
  // id) was stored before, returns the cluster created then with
  // `replayed` set, or NOT_FOUND if that cluster was deleted since.
  absl::StatusOr<CreatedCluster> CreateCluster(
      absl::string_view organization_id, const NewCluster& cluster,
      const Mutation& mutation, int64_t online_since_micros);

  // Returns the cluster, or NOT_FOUND `cluster "<name>" not found`.
  absl::StatusOr<ironorg::clusters::v1::Cluster> GetCluster(
      absl::string_view organization_id, absl::string_view cluster_id,
      int64_t online_since_micros);

  // Returns up to `page_size` clusters of the organization with ids
  // greater than `after_id` (empty for the first page).
  absl::StatusOr<ClusterPage> ListClusters(absl::string_view organization_id,
                                           absl::string_view after_id,
                                           int page_size,
                                           int64_t online_since_micros);

  // As ListClusters, limited to the clusters granted to `user_name`.
  absl::StatusOr<ClusterPage> ListGrantedClusters(
      absl::string_view organization_id, absl::string_view user_name,
      absl::string_view after_id, int page_size, int64_t online_since_micros);

  // Applies `changes` to the cluster, increments its revision and returns
  // it. Returns NOT_FOUND if the cluster does not exist, ABORTED if `etag`
  // is not empty and differs from the stored one, and ALREADY_EXISTS as
  // CreateCluster does if another cluster of the organization has the new
  // display name. On an error nothing is written.
  absl::StatusOr<ironorg::clusters::v1::Cluster> UpdateCluster(
      absl::string_view organization_id, absl::string_view cluster_id,
      const ClusterChanges& changes, absl::string_view etag,
      const Mutation& mutation, int64_t online_since_micros);

  // Deletes the cluster with its grants, its runners and its token hash in
  // one transaction. Returns NOT_FOUND if the cluster does not exist and
  // ABORTED if `etag` is not empty and differs from the stored one. Then
  // nothing is deleted.
  absl::Status DeleteCluster(absl::string_view organization_id,
                             absl::string_view cluster_id,
                             absl::string_view etag, const Mutation& mutation);

  // Replaces the cluster's token hash with `token_hash`, so that the old
  // token stops resolving at once, increments the revision and returns the
  // cluster. NOT_FOUND if the cluster does not exist.
  absl::StatusOr<ironorg::clusters::v1::Cluster> RotateClusterToken(
      absl::string_view organization_id, absl::string_view cluster_id,
      absl::string_view token_hash, const Mutation& mutation,
      int64_t online_since_micros);

  // Registers the runner `hostname` (already validated and lower-cased)
  // with the cluster at `mutation.time_micros`. A hostname the cluster
  // already has returns that runner with its `last_heartbeat_time` moved
  // to `mutation.time_micros`, and writes no audit event. A new runner gets
  // a random id and an audit event, and moves a STATE_PROVISIONING cluster
  // to STATE_READY (a new revision). NOT_FOUND if the cluster does not
  // exist.
  absl::StatusOr<RegisteredRunner> RegisterRunner(
      absl::string_view organization_id, absl::string_view cluster_id,
      absl::string_view hostname, const Mutation& mutation);

  // Sets the runner's `last_heartbeat_time` to `time_micros` and returns
  // the runner. Writes no audit or outbox row, because heartbeats are
  // frequent liveness signals from runners, not changes an Admin made, and
  // would bury those changes in the audit log. NOT_FOUND `runner "<name>"
  // not found` if the cluster of the organization has no such runner.
  absl::StatusOr<ironorg::clusters::v1::Runner> RecordHeartbeat(
      absl::string_view organization_id, absl::string_view cluster_id,
      absl::string_view runner_id, int64_t time_micros);

  // Returns up to `page_size` runners of the cluster with ids greater than
  // `after_id` (empty for the first page). NOT_FOUND if the cluster does
  // not exist.
  absl::StatusOr<RunnerPage> ListRunners(absl::string_view organization_id,
                                         absl::string_view cluster_id,
                                         absl::string_view after_id,
                                         int page_size);

  // Returns the name of the cluster whose token hashes to `token_hash`, or
  // NOT_FOUND.
  absl::StatusOr<std::string> FindClusterByTokenHash(
      absl::string_view token_hash);

  // Grants `user_name` access to the cluster. Returns true if the grant is
  // new, false if it existed (and then writes nothing); NOT_FOUND if the
  // cluster does not exist.
  absl::StatusOr<bool> GrantAccess(absl::string_view organization_id,
                                   absl::string_view cluster_id,
                                   absl::string_view user_name,
                                   const Mutation& mutation) override;

  // Removes the grant. Returns true if a grant was removed, false if there
  // was none (and then writes nothing); NOT_FOUND if the cluster does not
  // exist.
  absl::StatusOr<bool> RevokeAccess(absl::string_view organization_id,
                                    absl::string_view cluster_id,
                                    absl::string_view user_name,
                                    const Mutation& mutation) override;

  // Returns OK if the cluster exists, or NOT_FOUND
  // `cluster "<name>" not found`.
  absl::Status CheckResourceExists(absl::string_view organization_id,
                                   absl::string_view cluster_id) override;

  // Returns OK if every cluster exists, or NOT_FOUND naming the first
  // missing one.
  absl::Status CheckResourcesExist(
      absl::string_view organization_id,
      const std::vector<std::string>& cluster_ids) override;

  // Returns up to `page_size` users granted the cluster, in name order,
  // after `after_user`. NOT_FOUND if the cluster does not exist.
  absl::StatusOr<GrantMemberPage> ListMembers(absl::string_view organization_id,
                                              absl::string_view cluster_id,
                                              absl::string_view after_user,
                                              int page_size) override;

  // Replaces the cluster grants of `user_name` as GrantTable::SetUserGrants
  // describes: one transaction, one outbox event per changed grant, one
  // audit event on the user if anything changed, NOT_FOUND and no change
  // if a cluster does not exist.
  absl::StatusOr<GrantSetResult> SetUserGrants(
      absl::string_view organization_id, absl::string_view user_name,
      const std::vector<std::string>& cluster_ids,
      const Mutation& mutation) override;

  // Returns true if the cluster exists and `user_name` has a grant on it.
  absl::StatusOr<bool> HasAccess(absl::string_view organization_id,
                                 absl::string_view cluster_id,
                                 absl::string_view user_name) override;

  // Returns one page of the organization's audit events, newest first, as
  // common/audit_log.h SelectAuditEvents does. UNAVAILABLE when the
  // database is busy.
  absl::StatusOr<std::vector<audit_log::AuditRow>> ListAuditEvents(
      const audit_log::AuditQuery& query);

  // The database and the grant table, for the change feeds: the feed
  // served from `outbox` and the identity feed consumer, which removes a
  // deleted user's grants in its own transactions.
  sqlite::Database* database() { return database_.get(); }
  const GrantTable& grant_table() const { return grants_; }

 private:
  explicit ClusterStore(std::unique_ptr<sqlite::Database> database);

  std::unique_ptr<sqlite::Database> database_;
  GrantTable grants_;
};

}  // namespace ironorg::clusters

#endif  // IRONORG_SERVICES_CLUSTERS_CLUSTER_STORE_H_

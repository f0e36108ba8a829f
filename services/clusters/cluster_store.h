// Storage of clusters, their token hashes, runners and cluster grants in
// `<data_dir>/clusters.db`.
//
// Every mutation writes, in the same SQLite transaction as the change, a
// row to `audit_events` and, for creates, deletes and grant changes, a
// row to `outbox`, the ordered change feed other services will follow.
// An outbox row stores the event type, the resource name, the user of a
// grant change (empty for other events) and the organization.
// A create with a request id also records (caller, method, request id) ->
// resource name there, so a retry returns the first result.
//
// Cluster tokens are never stored, only their SHA-256 hex, and no method
// returns that hash.
//
// Thread-safe: every call runs in one transaction under the database's
// mutex. The store checks nothing about the caller; that is the service's
// job.
#ifndef IRONORG_SERVICES_CLUSTERS_CLUSTER_STORE_H_
#define IRONORG_SERVICES_CLUSTERS_CLUSTER_STORE_H_

#include <cstdint>
#include <memory>
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

namespace ironorg::clusters {

// The file name of the database inside the data folder.
inline constexpr char kDatabaseFileName[] = "clusters.db";

// A runner counts as online while its last heartbeat is at most this old.
// NOTE: chosen here without a product requirement; RunnerService, once
// built, should use the same window for Runner.state.
inline constexpr int64_t kRunnerOnlineWindowMicros = 60 * 1000 * 1000;

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
      const Mutation& mutation);

  // Returns the cluster, or NOT_FOUND `cluster "<name>" not found`.
  absl::StatusOr<ironorg::clusters::v1::Cluster> GetCluster(
      absl::string_view organization_id, absl::string_view cluster_id);

  // Returns up to `page_size` clusters of the organization with ids
  // greater than `after_id` (empty for the first page).
  absl::StatusOr<ClusterPage> ListClusters(absl::string_view organization_id,
                                           absl::string_view after_id,
                                           int page_size);

  // As ListClusters, limited to the clusters granted to `user_name`.
  absl::StatusOr<ClusterPage> ListGrantedClusters(
      absl::string_view organization_id, absl::string_view user_name,
      absl::string_view after_id, int page_size);

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

  // Returns true if the cluster exists and `user_name` has a grant on it.
  absl::StatusOr<bool> HasAccess(absl::string_view organization_id,
                                 absl::string_view cluster_id,
                                 absl::string_view user_name) override;

  // Returns one page of the organization's audit events, newest first, as
  // common/audit_log.h SelectAuditEvents does. UNAVAILABLE when the
  // database is busy.
  absl::StatusOr<std::vector<audit_log::AuditRow>> ListAuditEvents(
      const audit_log::AuditQuery& query);

 private:
  explicit ClusterStore(std::unique_ptr<sqlite::Database> database);

  std::unique_ptr<sqlite::Database> database_;
  GrantTable grants_;
};

}  // namespace ironorg::clusters

#endif  // IRONORG_SERVICES_CLUSTERS_CLUSTER_STORE_H_

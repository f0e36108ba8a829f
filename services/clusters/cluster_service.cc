#include "services/clusters/cluster_service.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/access_rules.h"
#include "common/audit_log.h"
#include "common/crypto.h"
#include "common/errors.h"
#include "common/log.h"
#include "common/names.h"
#include "common/status_macros.h"
#include "common/time_util.h"
#include "common/validation.h"

namespace ironorg::clusters {
namespace {

using ::ironorg::clusters::v1::CheckClusterAccessRequest;
using ::ironorg::clusters::v1::CheckClusterAccessResponse;
using ::ironorg::clusters::v1::Cluster;
using ::ironorg::clusters::v1::CreateClusterRequest;
using ::ironorg::clusters::v1::DeleteClusterRequest;
using ::ironorg::clusters::v1::DeleteClusterResponse;
using ::ironorg::clusters::v1::GetClusterRequest;
using ::ironorg::clusters::v1::GrantClusterAccessRequest;
using ::ironorg::clusters::v1::GrantClusterAccessResponse;
using ::ironorg::clusters::v1::HeartbeatRequest;
using ::ironorg::clusters::v1::IntrospectClusterTokenRequest;
using ::ironorg::clusters::v1::IntrospectClusterTokenResponse;
using ::ironorg::clusters::v1::ListAuditEventsRequest;
using ::ironorg::clusters::v1::ListAuditEventsResponse;
using ::ironorg::clusters::v1::ListClusterMembersRequest;
using ::ironorg::clusters::v1::ListClusterMembersResponse;
using ::ironorg::clusters::v1::ListClustersRequest;
using ::ironorg::clusters::v1::ListClustersResponse;
using ::ironorg::clusters::v1::ListRunnersRequest;
using ::ironorg::clusters::v1::ListRunnersResponse;
using ::ironorg::clusters::v1::ListUserClustersRequest;
using ::ironorg::clusters::v1::ListUserClustersResponse;
using ::ironorg::clusters::v1::RegisterRunnerRequest;
using ::ironorg::clusters::v1::RegisterRunnerResponse;
using ::ironorg::clusters::v1::RevokeClusterAccessRequest;
using ::ironorg::clusters::v1::RevokeClusterAccessResponse;
using ::ironorg::clusters::v1::RotateClusterTokenRequest;
using ::ironorg::clusters::v1::Runner;
using ::ironorg::clusters::v1::SetUserClustersRequest;
using ::ironorg::clusters::v1::SetUserClustersResponse;
using ::ironorg::clusters::v1::UpdateClusterRequest;
using ::ironorg::identity::v1::Principal;

constexpr absl::string_view kClusterPattern =
    "organizations/{organization}/clusters/{cluster}";
constexpr absl::string_view kRunnerPattern =
    "organizations/{organization}/clusters/{cluster}/runners/{runner}";

// The paths UpdateCluster accepts, as its error messages list them.
constexpr absl::string_view kUpdatePaths =
    "display_name, memory_per_runner_mb, disk_per_runner_gb";

// The service name in caller-check messages.
constexpr absl::string_view kServiceName = "clusters";

struct ClusterName {
  std::string organization_id;
  std::string cluster_id;
};

absl::StatusOr<ClusterName> ParseClusterName(absl::string_view name,
                                             absl::string_view field) {
  absl::StatusOr<std::vector<std::string>> ids =
      names::Parse(name, kClusterPattern, field);
  if (!ids.ok()) {
    return ids.status();
  }
  return ClusterName{(*ids)[0], (*ids)[1]};
}

// Lets a user act only inside their own organization and a peer service
// anywhere, before any lookup.
absl::Status CheckOrganization(const Principal& caller,
                               absl::string_view organization_id) {
  return access::CheckOrganization(caller, organization_id, kServiceName);
}

// Returns the last key sealed in `page_token`, or empty for the first page.
absl::StatusOr<std::string> DecodePageToken(
    const pagination::PageTokenCodec& codec, absl::string_view scope,
    absl::string_view page_token) {
  if (page_token.empty()) {
    return std::string();
  }
  return codec.Decode(scope, page_token);
}

// The scope a page token is sealed to: the method, the parent and the
// caller, so that a token works only for the request that produced it.
std::string PageScope(absl::string_view method, absl::string_view parent,
                      const Principal& caller) {
  return absl::StrCat(method, "\n", parent, "\n", access::AuditActor(caller));
}

// Returns `value` if `has_value`, else `default_value`. A set value outside
// [min_value, max_value] is INVALID_ARGUMENT naming `field`.
absl::StatusOr<int32_t> RunnerSize(bool has_value, int32_t value,
                                   int32_t default_value, int32_t min_value,
                                   int32_t max_value, absl::string_view field) {
  if (!has_value) {
    return default_value;
  }
  if (value < min_value || value > max_value) {
    return errors::InvalidArgument(
        field, absl::StrCat(field, " must be between ", min_value, " and ",
                            max_value, ", got ", value));
  }
  return value;
}

// Returns the settings of a cluster to create, without its token hash.
absl::StatusOr<NewCluster> ValidateNewCluster(const Cluster& cluster) {
  NewCluster result;
  absl::StatusOr<std::string> display_name = validation::NormalizeDisplayName(
      cluster.display_name(), "cluster.display_name");
  if (!display_name.ok()) {
    return display_name.status();
  }
  result.display_name = *std::move(display_name);

  absl::StatusOr<int32_t> memory = RunnerSize(
      cluster.has_memory_per_runner_mb(), cluster.memory_per_runner_mb(),
      kDefaultMemoryPerRunnerMb, kMinMemoryPerRunnerMb, kMaxMemoryPerRunnerMb,
      "cluster.memory_per_runner_mb");
  if (!memory.ok()) {
    return memory.status();
  }
  result.memory_per_runner_mb = *memory;

  absl::StatusOr<int32_t> disk =
      RunnerSize(cluster.has_disk_per_runner_gb(), cluster.disk_per_runner_gb(),
                 kDefaultDiskPerRunnerGb, kMinDiskPerRunnerGb,
                 kMaxDiskPerRunnerGb, "cluster.disk_per_runner_gb");
  if (!disk.ok()) {
    return disk.status();
  }
  result.disk_per_runner_gb = *disk;
  return result;
}

// Returns the changes that `update_mask` selects from `cluster`, each
// validated as at create. The whole mask is checked before any value, so
// an unknown path is reported as such whatever the values hold.
absl::StatusOr<ClusterChanges> ValidateClusterChanges(
    const Cluster& cluster, const google::protobuf::FieldMask& update_mask) {
  if (update_mask.paths().empty()) {
    return errors::InvalidArgument(
        "update_mask",
        absl::StrCat("update_mask must list at least one of ", kUpdatePaths));
  }
  bool display_name = false;
  bool memory = false;
  bool disk = false;
  for (const std::string& path : update_mask.paths()) {
    if (path == "display_name") {
      display_name = true;
    } else if (path == "memory_per_runner_mb") {
      memory = true;
    } else if (path == "disk_per_runner_gb") {
      disk = true;
    } else {
      return errors::InvalidArgument(
          "update_mask",
          absl::StrCat("update_mask path \"", path,
                       "\" cannot be updated; allowed paths: ", kUpdatePaths));
    }
  }

  ClusterChanges changes;
  if (display_name) {
    IRONORG_ASSIGN_OR_RETURN(
        changes.display_name,
        validation::NormalizeDisplayName(cluster.display_name(),
                                         "cluster.display_name"));
  }
  if (memory) {
    IRONORG_ASSIGN_OR_RETURN(
        changes.memory_per_runner_mb,
        RunnerSize(cluster.has_memory_per_runner_mb(),
                   cluster.memory_per_runner_mb(), kDefaultMemoryPerRunnerMb,
                   kMinMemoryPerRunnerMb, kMaxMemoryPerRunnerMb,
                   "cluster.memory_per_runner_mb"));
  }
  if (disk) {
    IRONORG_ASSIGN_OR_RETURN(
        changes.disk_per_runner_gb,
        RunnerSize(cluster.has_disk_per_runner_gb(),
                   cluster.disk_per_runner_gb(), kDefaultDiskPerRunnerGb,
                   kMinDiskPerRunnerGb, kMaxDiskPerRunnerGb,
                   "cluster.disk_per_runner_gb"));
  }
  return changes;
}

bool IsHostnameLabel(absl::string_view label) {
  if (label.empty() ||
      label.size() > static_cast<size_t>(kMaxHostnameLabelChars)) {
    return false;
  }
  for (char c : label) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-') {
      return false;
    }
  }
  return label.front() != '-' && label.back() != '-';
}

// Checks `hostname` against RFC 1123 and returns it lower-cased.
absl::StatusOr<std::string> NormalizeHostname(absl::string_view hostname) {
  if (hostname.empty()) {
    return errors::MissingField("hostname");
  }
  if (hostname.size() > static_cast<size_t>(kMaxHostnameChars)) {
    return errors::InvalidArgument(
        "hostname", absl::StrCat("hostname must be at most ", kMaxHostnameChars,
                                 " characters, got ", hostname.size()));
  }
  for (absl::string_view label : absl::StrSplit(hostname, '.')) {
    if (!IsHostnameLabel(label)) {
      return errors::InvalidArgument(
          "hostname",
          absl::StrCat("hostname \"", absl::CHexEscape(hostname),
                       "\" is not an RFC 1123 host name: each label between "
                       "dots must be 1 to ",
                       kMaxHostnameLabelChars,
                       " letters, digits and hyphens, starting and ending "
                       "with a letter or digit"));
    }
  }
  return absl::AsciiStrToLower(hostname);
}

// Lets only a runner holding the token of `cluster_name` act on it.
absl::Status CheckRunnerCaller(const Principal& caller,
                               absl::string_view method,
                               absl::string_view cluster_name) {
  if (caller.kind() != Principal::KIND_CLUSTER_TOKEN) {
    return errors::PermissionDenied(
        absl::StrCat(method, " needs the cluster token of \"", cluster_name,
                     "\"; user, operator and service credentials cannot "
                     "call it"));
  }
  if (caller.cluster() != cluster_name) {
    return errors::PermissionDenied(
        absl::StrCat(method, " needs the cluster token of \"", cluster_name,
                     "\"; the token presented belongs to another cluster"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Cluster> ClusterService::CreateCluster(
    const Principal& caller, const CreateClusterRequest& request) {
  absl::StatusOr<std::string> organization_id =
      names::ParseOrganization(request.parent(), "parent");
  if (!organization_id.ok()) {
    return organization_id.status();
  }
  absl::Status allowed = CheckOrganization(caller, *organization_id);
  if (allowed.ok()) {
    allowed = access::RequireAdmin(caller, "CreateCluster");
  }
  if (!allowed.ok()) {
    return allowed;
  }

  absl::Status request_id_valid =
      validation::ValidateRequestId(request.request_id());
  if (!request_id_valid.ok()) {
    return request_id_valid;
  }
  absl::StatusOr<NewCluster> cluster = ValidateNewCluster(request.cluster());
  if (!cluster.ok()) {
    return cluster.status();
  }
  const std::string token = crypto::NewToken(kClusterTokenPrefix);
  cluster->token_hash = crypto::Sha256Hex(token);

  const int64_t now = options_.now_micros();
  const Mutation mutation{access::AuditActor(caller), "CreateCluster",
                          request.request_id(), now};
  absl::StatusOr<CreatedCluster> created = store_->CreateCluster(
      *organization_id, *cluster, mutation, OnlineSinceMicros(now));
  if (!created.ok()) {
    return created.status();
  }
  // A replay leaves the token empty: the first response carried it, and
  // the stored hash cannot give it back.
  if (!created->replayed) {
    created->cluster.set_cluster_token(token);
  }
  return std::move(created->cluster);
}

absl::StatusOr<Cluster> ClusterService::GetCluster(
    const Principal& caller, const GetClusterRequest& request) {
  absl::StatusOr<ClusterName> name = ParseClusterName(request.name(), "name");
  if (!name.ok()) {
    return name.status();
  }
  absl::Status allowed =
      CheckClusterReader(caller, "GetCluster", name->organization_id,
                         name->cluster_id, request.name());
  if (!allowed.ok()) {
    return allowed;
  }
  return store_->GetCluster(name->organization_id, name->cluster_id,
                            OnlineSinceMicros(options_.now_micros()));
}

absl::StatusOr<ListClustersResponse> ClusterService::ListClusters(
    const Principal& caller, const ListClustersRequest& request) {
  absl::StatusOr<std::string> organization_id =
      names::ParseOrganization(request.parent(), "parent");
  if (!organization_id.ok()) {
    return organization_id.status();
  }
  absl::Status allowed = CheckOrganization(caller, *organization_id);
  if (!allowed.ok()) {
    return allowed;
  }
  const bool sees_all = access::SeesWholeOrganization(caller);
  if (!sees_all && caller.role() != identity::v1::ROLE_DEVELOPER) {
    return errors::PermissionDenied(
        "ListClusters needs the ROLE_ADMIN, ROLE_ADMIN_READ_ONLY or "
        "ROLE_DEVELOPER role");
  }

  absl::StatusOr<int> page_size =
      pagination::NormalizePageSize(request.page_size());
  if (!page_size.ok()) {
    return page_size.status();
  }
  const std::string scope = PageScope("ListClusters", request.parent(), caller);
  absl::StatusOr<std::string> after_id =
      DecodePageToken(page_tokens_, scope, request.page_token());
  if (!after_id.ok()) {
    return after_id.status();
  }

  const int64_t online_since = OnlineSinceMicros(options_.now_micros());
  absl::StatusOr<ClusterPage> page =
      sees_all
          ? store_->ListClusters(*organization_id, *after_id, *page_size,
                                 online_since)
          : store_->ListGrantedClusters(*organization_id, caller.user(),
                                        *after_id, *page_size, online_since);
  if (!page.ok()) {
    return page.status();
  }
  ListClustersResponse response;
  for (Cluster& cluster : page->clusters) {
    *response.add_clusters() = std::move(cluster);
  }
  if (page->has_more) {
    response.set_next_page_token(page_tokens_.Encode(scope, page->last_id));
  }
  return response;
}

absl::StatusOr<Cluster> ClusterService::UpdateCluster(
    const Principal& caller, const UpdateClusterRequest& request) {
  IRONORG_ASSIGN_OR_RETURN(
      const ClusterName name,
      ParseClusterName(request.cluster().name(), "cluster.name"));
  IRONORG_RETURN_IF_ERROR(CheckOrganization(caller, name.organization_id));
  IRONORG_RETURN_IF_ERROR(access::RequireAdmin(caller, "UpdateCluster"));

  IRONORG_ASSIGN_OR_RETURN(
      const ClusterChanges changes,
      ValidateClusterChanges(request.cluster(), request.update_mask()));

  const int64_t now = options_.now_micros();
  const Mutation mutation{access::AuditActor(caller), "UpdateCluster", "", now};
  return store_->UpdateCluster(name.organization_id, name.cluster_id, changes,
                               request.cluster().etag(), mutation,
                               OnlineSinceMicros(now));
}

absl::StatusOr<DeleteClusterResponse> ClusterService::DeleteCluster(
    const Principal& caller, const DeleteClusterRequest& request) {
  IRONORG_ASSIGN_OR_RETURN(const ClusterName name,
                           ParseClusterName(request.name(), "name"));
  IRONORG_RETURN_IF_ERROR(CheckOrganization(caller, name.organization_id));
  IRONORG_RETURN_IF_ERROR(access::RequireAdmin(caller, "DeleteCluster"));

  const Mutation mutation{access::AuditActor(caller), "DeleteCluster", "",
                          options_.now_micros()};
  IRONORG_RETURN_IF_ERROR(store_->DeleteCluster(
      name.organization_id, name.cluster_id, request.etag(), mutation));
  IRONORG_LOG(INFO) << "deleted " << request.name()
                    << " with its runners, grants and token";
  return DeleteClusterResponse();
}

absl::StatusOr<Cluster> ClusterService::RotateClusterToken(
    const Principal& caller, const RotateClusterTokenRequest& request) {
  IRONORG_ASSIGN_OR_RETURN(const ClusterName name,
                           ParseClusterName(request.name(), "name"));
  IRONORG_RETURN_IF_ERROR(CheckOrganization(caller, name.organization_id));
  IRONORG_RETURN_IF_ERROR(access::RequireAdmin(caller, "RotateClusterToken"));

  const std::string token = crypto::NewToken(kClusterTokenPrefix);
  const int64_t now = options_.now_micros();
  const Mutation mutation{access::AuditActor(caller), "RotateClusterToken", "",
                          now};
  IRONORG_ASSIGN_OR_RETURN(
      Cluster cluster,
      store_->RotateClusterToken(name.organization_id, name.cluster_id,
                                 crypto::Sha256Hex(token), mutation,
                                 OnlineSinceMicros(now)));
  IRONORG_LOG(INFO) << "rotated the token of " << request.name();
  cluster.set_cluster_token(token);
  return cluster;
}

absl::StatusOr<ListAuditEventsResponse> ClusterService::ListAuditEvents(
    const Principal& caller, const ListAuditEventsRequest& request) {
  const audit_log::ListRules rules{
      "ironorg.clusters.v1.ClusterService/ListAuditEvents",
      std::string(kServiceName),
      {identity::v1::ROLE_ADMIN, identity::v1::ROLE_ADMIN_READ_ONLY}};
  absl::StatusOr<audit_log::ListPage> page = audit_log::ListAuditEvents(
      caller, audit_log::ToListRequest(request), rules, page_tokens_,
      [this](const audit_log::AuditQuery& query) {
        return store_->ListAuditEvents(query);
      });
  if (!page.ok()) {
    return page.status();
  }
  return audit_log::ToResponse<ListAuditEventsResponse>(*std::move(page));
}

absl::StatusOr<GrantClusterAccessResponse> ClusterService::GrantClusterAccess(
    const Principal& caller, const GrantClusterAccessRequest& request) {
  absl::StatusOr<ClusterName> cluster =
      ParseClusterName(request.cluster(), "cluster");
  if (!cluster.ok()) {
    return cluster.status();
  }
  absl::Status granted =
      grants_.Grant(caller, "GrantClusterAccess", cluster->organization_id,
                    cluster->cluster_id, request.user());
  if (!granted.ok()) {
    return granted;
  }
  return GrantClusterAccessResponse();
}

absl::StatusOr<RevokeClusterAccessResponse> ClusterService::RevokeClusterAccess(
    const Principal& caller, const RevokeClusterAccessRequest& request) {
  absl::StatusOr<ClusterName> cluster =
      ParseClusterName(request.cluster(), "cluster");
  if (!cluster.ok()) {
    return cluster.status();
  }
  absl::Status revoked =
      grants_.Revoke(caller, "RevokeClusterAccess", cluster->organization_id,
                     cluster->cluster_id, request.user());
  if (!revoked.ok()) {
    return revoked;
  }
  return RevokeClusterAccessResponse();
}

absl::StatusOr<ListUserClustersResponse> ClusterService::ListUserClusters(
    const Principal& caller, const ListUserClustersRequest& request) {
  absl::StatusOr<std::string> organization_id =
      grants_.AuthorizeUserListing(caller, "ListUserClusters", request.user());
  if (!organization_id.ok()) {
    return organization_id.status();
  }

  absl::StatusOr<int> page_size =
      pagination::NormalizePageSize(request.page_size());
  if (!page_size.ok()) {
    return page_size.status();
  }
  const std::string scope =
      PageScope("ListUserClusters", request.user(), caller);
  absl::StatusOr<std::string> after_id =
      DecodePageToken(page_tokens_, scope, request.page_token());
  if (!after_id.ok()) {
    return after_id.status();
  }

  absl::StatusOr<ClusterPage> page = store_->ListGrantedClusters(
      *organization_id, request.user(), *after_id, *page_size,
      OnlineSinceMicros(options_.now_micros()));
  if (!page.ok()) {
    return page.status();
  }
  ListUserClustersResponse response;
  for (Cluster& cluster : page->clusters) {
    *response.add_clusters() = std::move(cluster);
  }
  if (page->has_more) {
    response.set_next_page_token(page_tokens_.Encode(scope, page->last_id));
  }
  return response;
}

absl::StatusOr<ListClusterMembersResponse> ClusterService::ListClusterMembers(
    const Principal& caller, const ListClusterMembersRequest& request) {
  IRONORG_ASSIGN_OR_RETURN(
      access::MemberListing listing,
      grants_.ListMembers(caller, "ListClusterMembers", request.cluster(),
                          request.page_size(), request.page_token(),
                          page_tokens_));
  ListClusterMembersResponse response;
  for (std::string& user_name : listing.user_names) {
    response.add_users(std::move(user_name));
  }
  response.set_next_page_token(std::move(listing.next_page_token));
  return response;
}

absl::StatusOr<SetUserClustersResponse> ClusterService::SetUserClusters(
    const Principal& caller, const SetUserClustersRequest& request) {
  const std::vector<std::string> cluster_names(request.clusters().begin(),
                                               request.clusters().end());
  IRONORG_ASSIGN_OR_RETURN(
      std::vector<std::string> granted,
      grants_.SetUserGrants(caller, "SetUserClusters", request.user(),
                            cluster_names));
  SetUserClustersResponse response;
  for (std::string& cluster_name : granted) {
    response.add_clusters(std::move(cluster_name));
  }
  return response;
}

absl::StatusOr<RegisterRunnerResponse> ClusterService::RegisterRunner(
    const Principal& caller, const RegisterRunnerRequest& request) {
  IRONORG_ASSIGN_OR_RETURN(const ClusterName cluster,
                           ParseClusterName(request.cluster(), "cluster"));
  IRONORG_RETURN_IF_ERROR(
      CheckRunnerCaller(caller, "RegisterRunner", request.cluster()));
  IRONORG_ASSIGN_OR_RETURN(const std::string hostname,
                           NormalizeHostname(request.hostname()));

  // The cluster is the audit actor, because its token is the runner's only
  // credential.
  const int64_t now = options_.now_micros();
  const Mutation mutation{request.cluster(), "RegisterRunner", "", now};
  IRONORG_ASSIGN_OR_RETURN(
      RegisteredRunner registered,
      store_->RegisterRunner(cluster.organization_id, cluster.cluster_id,
                             hostname, mutation));
  if (registered.created) {
    IRONORG_LOG(INFO) << "registered runner " << registered.runner.name()
                      << " for host " << hostname;
  }

  RegisterRunnerResponse response;
  SetRunnerState(now, registered.runner);
  *response.mutable_runner() = std::move(registered.runner);
  response.set_memory_per_runner_mb(registered.memory_per_runner_mb);
  response.set_disk_per_runner_gb(registered.disk_per_runner_gb);
  return response;
}

absl::StatusOr<Runner> ClusterService::Heartbeat(
    const Principal& caller, const HeartbeatRequest& request) {
  IRONORG_ASSIGN_OR_RETURN(
      const std::vector<std::string> ids,
      names::Parse(request.name(), kRunnerPattern, "name"));
  IRONORG_RETURN_IF_ERROR(CheckRunnerCaller(
      caller, "Heartbeat", names::Child(ids[0], "clusters", ids[1])));

  const int64_t now = options_.now_micros();
  IRONORG_ASSIGN_OR_RETURN(
      Runner runner, store_->RecordHeartbeat(ids[0], ids[1], ids[2], now));
  SetRunnerState(now, runner);
  return runner;
}

absl::StatusOr<ListRunnersResponse> ClusterService::ListRunners(
    const Principal& caller, const ListRunnersRequest& request) {
  IRONORG_ASSIGN_OR_RETURN(const ClusterName cluster,
                           ParseClusterName(request.parent(), "parent"));
  IRONORG_RETURN_IF_ERROR(
      CheckClusterReader(caller, "ListRunners", cluster.organization_id,
                         cluster.cluster_id, request.parent()));

  IRONORG_ASSIGN_OR_RETURN(const int page_size,
                           pagination::NormalizePageSize(request.page_size()));
  const std::string scope = PageScope("ListRunners", request.parent(), caller);
  IRONORG_ASSIGN_OR_RETURN(
      const std::string after_id,
      DecodePageToken(page_tokens_, scope, request.page_token()));

  IRONORG_ASSIGN_OR_RETURN(
      RunnerPage page,
      store_->ListRunners(cluster.organization_id, cluster.cluster_id, after_id,
                          page_size));
  const int64_t now = options_.now_micros();
  ListRunnersResponse response;
  for (Runner& runner : page.runners) {
    SetRunnerState(now, runner);
    *response.add_runners() = std::move(runner);
  }
  if (page.has_more) {
    response.set_next_page_token(page_tokens_.Encode(scope, page.last_id));
  }
  return response;
}

absl::StatusOr<IntrospectClusterTokenResponse>
ClusterService::IntrospectClusterToken(
    const Principal& /*caller*/, const IntrospectClusterTokenRequest& request) {
  // Every failure returns the same status, so a caller learns nothing
  // about near misses.
  const absl::Status invalid = errors::Unauthenticated("invalid cluster token");
  if (!absl::StartsWith(request.token(), kClusterTokenPrefix)) {
    return invalid;
  }
  absl::StatusOr<std::string> cluster =
      store_->FindClusterByTokenHash(crypto::Sha256Hex(request.token()));
  if (absl::IsNotFound(cluster.status())) {
    return invalid;
  }
  if (!cluster.ok()) {
    return cluster.status();
  }
  IntrospectClusterTokenResponse response;
  response.set_cluster(*std::move(cluster));
  return response;
}

absl::StatusOr<CheckClusterAccessResponse> ClusterService::CheckClusterAccess(
    const Principal& /*caller*/, const CheckClusterAccessRequest& request) {
  absl::StatusOr<ClusterName> cluster =
      ParseClusterName(request.cluster(), "cluster");
  if (!cluster.ok()) {
    return cluster.status();
  }
  absl::StatusOr<std::string> user_organization_id =
      access::ParseUserOrganization(request.user(), "user");
  if (!user_organization_id.ok()) {
    return user_organization_id.status();
  }

  CheckClusterAccessResponse response;
  if (*user_organization_id != cluster->organization_id) {
    return response;
  }
  absl::StatusOr<bool> granted = store_->HasAccess(
      cluster->organization_id, cluster->cluster_id, request.user());
  if (!granted.ok()) {
    return granted.status();
  }
  response.set_granted(*granted);
  return response;
}

absl::Status ClusterService::CheckClusterReader(
    const Principal& caller, absl::string_view method,
    absl::string_view organization_id, absl::string_view cluster_id,
    absl::string_view cluster_name) {
  IRONORG_RETURN_IF_ERROR(CheckOrganization(caller, organization_id));
  if (access::SeesWholeOrganization(caller)) {
    return absl::OkStatus();
  }
  if (caller.role() != identity::v1::ROLE_DEVELOPER) {
    return errors::PermissionDenied(absl::StrCat(
        method,
        " needs the ROLE_ADMIN, ROLE_ADMIN_READ_ONLY or ROLE_DEVELOPER role"));
  }
  // A grant exists only for an existing cluster, so a Developer without
  // one learns nothing about whether the cluster exists.
  IRONORG_ASSIGN_OR_RETURN(
      const bool granted,
      store_->HasAccess(organization_id, cluster_id, caller.user()));
  if (!granted) {
    return errors::PermissionDenied(absl::StrCat(
        "\"", caller.user(), "\" holds no grant on \"", cluster_name, "\""));
  }
  return absl::OkStatus();
}

int64_t ClusterService::OnlineSinceMicros(int64_t now_micros) const {
  return now_micros - absl::ToInt64Microseconds(options_.runner_offline_after);
}

void ClusterService::SetRunnerState(int64_t now_micros, Runner& runner) const {
  const bool online = FromTimestamp(runner.last_heartbeat_time()) >=
                      OnlineSinceMicros(now_micros);
  runner.set_state(online ? Runner::STATE_ONLINE : Runner::STATE_OFFLINE);
}

}  // namespace ironorg::clusters

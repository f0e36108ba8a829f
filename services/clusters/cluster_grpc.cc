#include "services/clusters/cluster_grpc.h"

#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "common/grpc_status.h"
#include "common/log.h"

namespace ironorg::clusters {
namespace {

namespace v1 = ::ironorg::clusters::v1;
using ::ironorg::identity::v1::Principal;

template <typename Request, typename Response>
using Handler = absl::StatusOr<Response> (ClusterService::*)(const Principal&,
                                                             const Request&);

std::string CallerForLog(const absl::StatusOr<Principal>& caller) {
  if (!caller.ok()) {
    return "an unverified caller";
  }
  if (!caller->user().empty()) {
    return caller->user();
  }
  return absl::StrCat("a caller of kind ",
                      Principal::Kind_Name(caller->kind()));
}

// Verifies the call's signature for `method` of `service_name`, runs
// `handler` and converts its status.
template <typename Request, typename Response>
grpc::Status Serve(const InternalCredential& credential,
                   absl::string_view service_name, absl::string_view method,
                   const grpc::ServerContext& context, const Request& request,
                   Response* response, ClusterService& service,
                   Handler<Request, Response> handler) {
  const std::string path = MethodPath(service_name, method);
  absl::StatusOr<Principal> caller = credential.Verify(path, context);
  absl::Status status = caller.status();
  if (caller.ok()) {
    absl::StatusOr<Response> result = (service.*handler)(*caller, request);
    if (result.ok()) {
      *response = *std::move(result);
      return grpc::Status::OK;
    }
    status = result.status();
  }

  IRONORG_LOG(WARNING) << path << " failed with "
                       << absl::StatusCodeToString(status.code()) << " for "
                       << CallerForLog(caller) << ": " << status.message();
  return ToGrpcStatus(status);
}

}  // namespace

grpc::Status ClusterGrpcService::CreateCluster(
    grpc::ServerContext* context, const v1::CreateClusterRequest* request,
    v1::Cluster* response) {
  return Serve(*credential_, v1::ClusterService::service_full_name(),
               "CreateCluster", *context, *request, response, *service_,
               &ClusterService::CreateCluster);
}

grpc::Status ClusterGrpcService::GetCluster(
    grpc::ServerContext* context, const v1::GetClusterRequest* request,
    v1::Cluster* response) {
  return Serve(*credential_, v1::ClusterService::service_full_name(),
               "GetCluster", *context, *request, response, *service_,
               &ClusterService::GetCluster);
}

grpc::Status ClusterGrpcService::ListClusters(
    grpc::ServerContext* context, const v1::ListClustersRequest* request,
    v1::ListClustersResponse* response) {
  return Serve(*credential_, v1::ClusterService::service_full_name(),
               "ListClusters", *context, *request, response, *service_,
               &ClusterService::ListClusters);
}

grpc::Status ClusterGrpcService::UpdateCluster(
    grpc::ServerContext* context, const v1::UpdateClusterRequest* request,
    v1::Cluster* response) {
  return Serve(*credential_, v1::ClusterService::service_full_name(),
               "UpdateCluster", *context, *request, response, *service_,
               &ClusterService::UpdateCluster);
}

grpc::Status ClusterGrpcService::DeleteCluster(
    grpc::ServerContext* context, const v1::DeleteClusterRequest* request,
    v1::DeleteClusterResponse* response) {
  return Serve(*credential_, v1::ClusterService::service_full_name(),
               "DeleteCluster", *context, *request, response, *service_,
               &ClusterService::DeleteCluster);
}

grpc::Status ClusterGrpcService::RotateClusterToken(
    grpc::ServerContext* context, const v1::RotateClusterTokenRequest* request,
    v1::Cluster* response) {
  return Serve(*credential_, v1::ClusterService::service_full_name(),
               "RotateClusterToken", *context, *request, response, *service_,
               &ClusterService::RotateClusterToken);
}

grpc::Status ClusterGrpcService::ListAuditEvents(
    grpc::ServerContext* context, const v1::ListAuditEventsRequest* request,
    v1::ListAuditEventsResponse* response) {
  return Serve(*credential_, v1::ClusterService::service_full_name(),
               "ListAuditEvents", *context, *request, response, *service_,
               &ClusterService::ListAuditEvents);
}

grpc::Status ClusterAccessGrpcService::GrantClusterAccess(
    grpc::ServerContext* context, const v1::GrantClusterAccessRequest* request,
    v1::GrantClusterAccessResponse* response) {
  return Serve(*credential_, v1::ClusterAccessService::service_full_name(),
               "GrantClusterAccess", *context, *request, response, *service_,
               &ClusterService::GrantClusterAccess);
}

grpc::Status ClusterAccessGrpcService::RevokeClusterAccess(
    grpc::ServerContext* context, const v1::RevokeClusterAccessRequest* request,
    v1::RevokeClusterAccessResponse* response) {
  return Serve(*credential_, v1::ClusterAccessService::service_full_name(),
               "RevokeClusterAccess", *context, *request, response, *service_,
               &ClusterService::RevokeClusterAccess);
}

grpc::Status ClusterAccessGrpcService::ListClusterMembers(
    grpc::ServerContext* context, const v1::ListClusterMembersRequest* request,
    v1::ListClusterMembersResponse* response) {
  return Serve(*credential_, v1::ClusterAccessService::service_full_name(),
               "ListClusterMembers", *context, *request, response, *service_,
               &ClusterService::ListClusterMembers);
}

grpc::Status ClusterAccessGrpcService::ListUserClusters(
    grpc::ServerContext* context, const v1::ListUserClustersRequest* request,
    v1::ListUserClustersResponse* response) {
  return Serve(*credential_, v1::ClusterAccessService::service_full_name(),
               "ListUserClusters", *context, *request, response, *service_,
               &ClusterService::ListUserClusters);
}

grpc::Status ClusterAccessGrpcService::SetUserClusters(
    grpc::ServerContext* context, const v1::SetUserClustersRequest* request,
    v1::SetUserClustersResponse* response) {
  return Serve(*credential_, v1::ClusterAccessService::service_full_name(),
               "SetUserClusters", *context, *request, response, *service_,
               &ClusterService::SetUserClusters);
}

grpc::Status InternalClusterAccessGrpcService::CheckClusterAccess(
    grpc::ServerContext* context, const v1::CheckClusterAccessRequest* request,
    v1::CheckClusterAccessResponse* response) {
  return Serve(*credential_,
               v1::InternalClusterAccessService::service_full_name(),
               "CheckClusterAccess", *context, *request, response, *service_,
               &ClusterService::CheckClusterAccess);
}

grpc::Status InternalClusterAuthGrpcService::IntrospectClusterToken(
    grpc::ServerContext* context,
    const v1::IntrospectClusterTokenRequest* request,
    v1::IntrospectClusterTokenResponse* response) {
  return Serve(*credential_,
               v1::InternalClusterAuthService::service_full_name(),
               "IntrospectClusterToken", *context, *request, response,
               *service_, &ClusterService::IntrospectClusterToken);
}

grpc::Status RunnerGrpcService::RegisterRunner(
    grpc::ServerContext* context, const v1::RegisterRunnerRequest* request,
    v1::RegisterRunnerResponse* response) {
  return Serve(*credential_, v1::RunnerService::service_full_name(),
               "RegisterRunner", *context, *request, response, *service_,
               &ClusterService::RegisterRunner);
}

grpc::Status RunnerGrpcService::Heartbeat(grpc::ServerContext* context,
                                          const v1::HeartbeatRequest* request,
                                          v1::Runner* response) {
  return Serve(*credential_, v1::RunnerService::service_full_name(),
               "Heartbeat", *context, *request, response, *service_,
               &ClusterService::Heartbeat);
}

grpc::Status RunnerGrpcService::ListRunners(
    grpc::ServerContext* context, const v1::ListRunnersRequest* request,
    v1::ListRunnersResponse* response) {
  return Serve(*credential_, v1::RunnerService::service_full_name(),
               "ListRunners", *context, *request, response, *service_,
               &ClusterService::ListRunners);
}

}  // namespace ironorg::clusters

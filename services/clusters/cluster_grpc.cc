#include "services/clusters/cluster_grpc.h"

#include "common/grpc_handler.h"

namespace ironorg::clusters {
namespace {

namespace v1 = ::ironorg::clusters::v1;

}  // namespace

grpc::Status ClusterGrpcService::CreateCluster(
    grpc::ServerContext* context, const v1::CreateClusterRequest* request,
    v1::Cluster* response) {
  return HandleVerifiedCall(
      *credential_, v1::ClusterService::service_full_name(), "CreateCluster",
      *context, *request, response, *service_, &ClusterService::CreateCluster);
}

grpc::Status ClusterGrpcService::GetCluster(
    grpc::ServerContext* context, const v1::GetClusterRequest* request,
    v1::Cluster* response) {
  return HandleVerifiedCall(
      *credential_, v1::ClusterService::service_full_name(), "GetCluster",
      *context, *request, response, *service_, &ClusterService::GetCluster);
}

grpc::Status ClusterGrpcService::ListClusters(
    grpc::ServerContext* context, const v1::ListClustersRequest* request,
    v1::ListClustersResponse* response) {
  return HandleVerifiedCall(
      *credential_, v1::ClusterService::service_full_name(), "ListClusters",
      *context, *request, response, *service_, &ClusterService::ListClusters);
}

grpc::Status ClusterGrpcService::UpdateCluster(
    grpc::ServerContext* context, const v1::UpdateClusterRequest* request,
    v1::Cluster* response) {
  return HandleVerifiedCall(
      *credential_, v1::ClusterService::service_full_name(), "UpdateCluster",
      *context, *request, response, *service_, &ClusterService::UpdateCluster);
}

grpc::Status ClusterGrpcService::DeleteCluster(
    grpc::ServerContext* context, const v1::DeleteClusterRequest* request,
    v1::DeleteClusterResponse* response) {
  return HandleVerifiedCall(
      *credential_, v1::ClusterService::service_full_name(), "DeleteCluster",
      *context, *request, response, *service_, &ClusterService::DeleteCluster);
}

grpc::Status ClusterGrpcService::RotateClusterToken(
    grpc::ServerContext* context, const v1::RotateClusterTokenRequest* request,
    v1::Cluster* response) {
  return HandleVerifiedCall(*credential_,
                            v1::ClusterService::service_full_name(),
                            "RotateClusterToken", *context, *request, response,
                            *service_, &ClusterService::RotateClusterToken);
}

grpc::Status ClusterGrpcService::ListAuditEvents(
    grpc::ServerContext* context, const v1::ListAuditEventsRequest* request,
    v1::ListAuditEventsResponse* response) {
  return HandleVerifiedCall(*credential_,
                            v1::ClusterService::service_full_name(),
                            "ListAuditEvents", *context, *request, response,
                            *service_, &ClusterService::ListAuditEvents);
}

grpc::Status ClusterAccessGrpcService::GrantClusterAccess(
    grpc::ServerContext* context, const v1::GrantClusterAccessRequest* request,
    v1::GrantClusterAccessResponse* response) {
  return HandleVerifiedCall(*credential_,
                            v1::ClusterAccessService::service_full_name(),
                            "GrantClusterAccess", *context, *request, response,
                            *service_, &ClusterService::GrantClusterAccess);
}

grpc::Status ClusterAccessGrpcService::RevokeClusterAccess(
    grpc::ServerContext* context, const v1::RevokeClusterAccessRequest* request,
    v1::RevokeClusterAccessResponse* response) {
  return HandleVerifiedCall(*credential_,
                            v1::ClusterAccessService::service_full_name(),
                            "RevokeClusterAccess", *context, *request, response,
                            *service_, &ClusterService::RevokeClusterAccess);
}

grpc::Status ClusterAccessGrpcService::ListClusterMembers(
    grpc::ServerContext* context, const v1::ListClusterMembersRequest* request,
    v1::ListClusterMembersResponse* response) {
  return HandleVerifiedCall(*credential_,
                            v1::ClusterAccessService::service_full_name(),
                            "ListClusterMembers", *context, *request, response,
                            *service_, &ClusterService::ListClusterMembers);
}

grpc::Status ClusterAccessGrpcService::ListUserClusters(
    grpc::ServerContext* context, const v1::ListUserClustersRequest* request,
    v1::ListUserClustersResponse* response) {
  return HandleVerifiedCall(*credential_,
                            v1::ClusterAccessService::service_full_name(),
                            "ListUserClusters", *context, *request, response,
                            *service_, &ClusterService::ListUserClusters);
}

grpc::Status ClusterAccessGrpcService::SetUserClusters(
    grpc::ServerContext* context, const v1::SetUserClustersRequest* request,
    v1::SetUserClustersResponse* response) {
  return HandleVerifiedCall(*credential_,
                            v1::ClusterAccessService::service_full_name(),
                            "SetUserClusters", *context, *request, response,
                            *service_, &ClusterService::SetUserClusters);
}

grpc::Status InternalClusterAccessGrpcService::CheckClusterAccess(
    grpc::ServerContext* context, const v1::CheckClusterAccessRequest* request,
    v1::CheckClusterAccessResponse* response) {
  return HandleVerifiedCall(
      *credential_, v1::InternalClusterAccessService::service_full_name(),
      "CheckClusterAccess", *context, *request, response, *service_,
      &ClusterService::CheckClusterAccess);
}

grpc::Status InternalClusterAuthGrpcService::IntrospectClusterToken(
    grpc::ServerContext* context,
    const v1::IntrospectClusterTokenRequest* request,
    v1::IntrospectClusterTokenResponse* response) {
  return HandleVerifiedCall(
      *credential_, v1::InternalClusterAuthService::service_full_name(),
      "IntrospectClusterToken", *context, *request, response, *service_,
      &ClusterService::IntrospectClusterToken);
}

grpc::Status RunnerGrpcService::RegisterRunner(
    grpc::ServerContext* context, const v1::RegisterRunnerRequest* request,
    v1::RegisterRunnerResponse* response) {
  return HandleVerifiedCall(
      *credential_, v1::RunnerService::service_full_name(), "RegisterRunner",
      *context, *request, response, *service_, &ClusterService::RegisterRunner);
}

grpc::Status RunnerGrpcService::Heartbeat(grpc::ServerContext* context,
                                          const v1::HeartbeatRequest* request,
                                          v1::Runner* response) {
  return HandleVerifiedCall(
      *credential_, v1::RunnerService::service_full_name(), "Heartbeat",
      *context, *request, response, *service_, &ClusterService::Heartbeat);
}

grpc::Status RunnerGrpcService::ListRunners(
    grpc::ServerContext* context, const v1::ListRunnersRequest* request,
    v1::ListRunnersResponse* response) {
  return HandleVerifiedCall(
      *credential_, v1::RunnerService::service_full_name(), "ListRunners",
      *context, *request, response, *service_, &ClusterService::ListRunners);
}

}  // namespace ironorg::clusters

// The gRPC adapters of the clusters service: each handler verifies the
// internal signature of the call, passes the verified Principal and the
// request to ClusterService, and converts the resulting status. A failed
// call logs one WARNING line with the method and the status code.
//
// Thread-safe: handlers keep no state of their own.
#ifndef IRONORG_SERVICES_CLUSTERS_CLUSTER_GRPC_H_
#define IRONORG_SERVICES_CLUSTERS_CLUSTER_GRPC_H_

#include "common/internal_auth.h"
#include "ironorg/clusters/v1/cluster.grpc.pb.h"
#include "ironorg/clusters/v1/cluster_access.grpc.pb.h"
#include "ironorg/clusters/v1/internal.grpc.pb.h"
#include "ironorg/clusters/v1/runner.grpc.pb.h"
#include "services/clusters/cluster_service.h"

namespace ironorg::clusters {

// ironorg.clusters.v1.ClusterService.
class ClusterGrpcService final
    : public ironorg::clusters::v1::ClusterService::Service {
 public:
  // `credential` and `service` must outlive this object.
  ClusterGrpcService(const InternalCredential* credential,
                     ClusterService* service)
      : credential_(credential), service_(service) {}

  grpc::Status CreateCluster(
      grpc::ServerContext* context,
      const ironorg::clusters::v1::CreateClusterRequest* request,
      ironorg::clusters::v1::Cluster* response) override;
  grpc::Status GetCluster(
      grpc::ServerContext* context,
      const ironorg::clusters::v1::GetClusterRequest* request,
      ironorg::clusters::v1::Cluster* response) override;
  grpc::Status ListClusters(
      grpc::ServerContext* context,
      const ironorg::clusters::v1::ListClustersRequest* request,
      ironorg::clusters::v1::ListClustersResponse* response) override;
  grpc::Status UpdateCluster(
      grpc::ServerContext* context,
      const ironorg::clusters::v1::UpdateClusterRequest* request,
      ironorg::clusters::v1::Cluster* response) override;
  grpc::Status DeleteCluster(
      grpc::ServerContext* context,
      const ironorg::clusters::v1::DeleteClusterRequest* request,
      ironorg::clusters::v1::DeleteClusterResponse* response) override;
  grpc::Status RotateClusterToken(
      grpc::ServerContext* context,
      const ironorg::clusters::v1::RotateClusterTokenRequest* request,
      ironorg::clusters::v1::Cluster* response) override;
  grpc::Status ListAuditEvents(
      grpc::ServerContext* context,
      const ironorg::clusters::v1::ListAuditEventsRequest* request,
      ironorg::clusters::v1::ListAuditEventsResponse* response) override;

 private:
  const InternalCredential* credential_;
  ClusterService* service_;
};

// ironorg.clusters.v1.ClusterAccessService.
class ClusterAccessGrpcService final
    : public ironorg::clusters::v1::ClusterAccessService::Service {
 public:
  // `credential` and `service` must outlive this object.
  ClusterAccessGrpcService(const InternalCredential* credential,
                           ClusterService* service)
      : credential_(credential), service_(service) {}

  grpc::Status GrantClusterAccess(
      grpc::ServerContext* context,
      const ironorg::clusters::v1::GrantClusterAccessRequest* request,
      ironorg::clusters::v1::GrantClusterAccessResponse* response) override;
  grpc::Status RevokeClusterAccess(
      grpc::ServerContext* context,
      const ironorg::clusters::v1::RevokeClusterAccessRequest* request,
      ironorg::clusters::v1::RevokeClusterAccessResponse* response) override;
  grpc::Status ListClusterMembers(
      grpc::ServerContext* context,
      const ironorg::clusters::v1::ListClusterMembersRequest* request,
      ironorg::clusters::v1::ListClusterMembersResponse* response) override;
  grpc::Status ListUserClusters(
      grpc::ServerContext* context,
      const ironorg::clusters::v1::ListUserClustersRequest* request,
      ironorg::clusters::v1::ListUserClustersResponse* response) override;
  grpc::Status SetUserClusters(
      grpc::ServerContext* context,
      const ironorg::clusters::v1::SetUserClustersRequest* request,
      ironorg::clusters::v1::SetUserClustersResponse* response) override;

 private:
  const InternalCredential* credential_;
  ClusterService* service_;
};

// ironorg.clusters.v1.InternalClusterAccessService.
class InternalClusterAccessGrpcService final
    : public ironorg::clusters::v1::InternalClusterAccessService::Service {
 public:
  // `credential` and `service` must outlive this object.
  InternalClusterAccessGrpcService(const InternalCredential* credential,
                                   ClusterService* service)
      : credential_(credential), service_(service) {}

  grpc::Status CheckClusterAccess(
      grpc::ServerContext* context,
      const ironorg::clusters::v1::CheckClusterAccessRequest* request,
      ironorg::clusters::v1::CheckClusterAccessResponse* response) override;

 private:
  const InternalCredential* credential_;
  ClusterService* service_;
};

// ironorg.clusters.v1.InternalClusterAuthService.
class InternalClusterAuthGrpcService final
    : public ironorg::clusters::v1::InternalClusterAuthService::Service {
 public:
  // `credential` and `service` must outlive this object.
  InternalClusterAuthGrpcService(const InternalCredential* credential,
                                 ClusterService* service)
      : credential_(credential), service_(service) {}

  grpc::Status IntrospectClusterToken(
      grpc::ServerContext* context,
      const ironorg::clusters::v1::IntrospectClusterTokenRequest* request,
      ironorg::clusters::v1::IntrospectClusterTokenResponse* response) override;

 private:
  const InternalCredential* credential_;
  ClusterService* service_;
};

// ironorg.clusters.v1.RunnerService.
class RunnerGrpcService final
    : public ironorg::clusters::v1::RunnerService::Service {
 public:
  // `credential` and `service` must outlive this object.
  RunnerGrpcService(const InternalCredential* credential,
                    ClusterService* service)
      : credential_(credential), service_(service) {}

  grpc::Status RegisterRunner(
      grpc::ServerContext* context,
      const ironorg::clusters::v1::RegisterRunnerRequest* request,
      ironorg::clusters::v1::RegisterRunnerResponse* response) override;
  grpc::Status Heartbeat(grpc::ServerContext* context,
                         const ironorg::clusters::v1::HeartbeatRequest* request,
                         ironorg::clusters::v1::Runner* response) override;
  grpc::Status ListRunners(
      grpc::ServerContext* context,
      const ironorg::clusters::v1::ListRunnersRequest* request,
      ironorg::clusters::v1::ListRunnersResponse* response) override;

 private:
  const InternalCredential* credential_;
  ClusterService* service_;
};

}  // namespace ironorg::clusters

#endif  // IRONORG_SERVICES_CLUSTERS_CLUSTER_GRPC_H_

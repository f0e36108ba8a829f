#include "services/gateway/backends.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/channel_arguments.h>

#include <utility>

namespace ironorg::gateway {
namespace {

// Reconnect backoff. gRPC's defaults grow to two minutes, which would keep
// a restarted service unreachable long after it is back.
constexpr int kInitialReconnectBackoffMs = 100;
constexpr int kMaxReconnectBackoffMs = 1000;

std::shared_ptr<grpc::Channel> NewChannel(const std::string& address,
                                          int max_message_bytes) {
  grpc::ChannelArguments arguments;
  arguments.SetMaxReceiveMessageSize(max_message_bytes);
  arguments.SetMaxSendMessageSize(max_message_bytes);
  arguments.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS,
                   kInitialReconnectBackoffMs);
  arguments.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS,
                   kInitialReconnectBackoffMs);
  arguments.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, kMaxReconnectBackoffMs);
  return grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(),
                                   arguments);
}

}  // namespace

absl::string_view BackendName(Backend backend) {
  switch (backend) {
    case Backend::kIdentity:
      return "identity";
    case Backend::kProjects:
      return "projects";
    case Backend::kClusters:
      return "clusters";
    case Backend::kBilling:
      return "billing";
  }
  return "unknown";
}

Backends::Backends(const BackendAddresses& addresses,
                   InternalCredential credential, int max_message_bytes)
    : credential_(std::move(credential)),
      identity_channel_(NewChannel(addresses.identity, max_message_bytes)),
      projects_channel_(NewChannel(addresses.projects, max_message_bytes)),
      clusters_channel_(NewChannel(addresses.clusters, max_message_bytes)),
      billing_channel_(NewChannel(addresses.billing, max_message_bytes)),
      identity_generic_(std::make_unique<grpc::GenericStub>(identity_channel_)),
      projects_generic_(std::make_unique<grpc::GenericStub>(projects_channel_)),
      clusters_generic_(std::make_unique<grpc::GenericStub>(clusters_channel_)),
      billing_generic_(std::make_unique<grpc::GenericStub>(billing_channel_)),
      identity_auth_(
          identity::v1::InternalAuthService::NewStub(identity_channel_)),
      identity_users_(
          identity::v1::InternalUserService::NewStub(identity_channel_)),
      cluster_auth_(
          clusters::v1::InternalClusterAuthService::NewStub(clusters_channel_)),
      cluster_access_(clusters::v1::InternalClusterAccessService::NewStub(
          clusters_channel_)),
      project_access_(projects::v1::InternalProjectAccessService::NewStub(
          projects_channel_)) {}

grpc::GenericStub& Backends::generic(Backend backend) {
  switch (backend) {
    case Backend::kIdentity:
      return *identity_generic_;
    case Backend::kProjects:
      return *projects_generic_;
    case Backend::kClusters:
      return *clusters_generic_;
    case Backend::kBilling:
      return *billing_generic_;
  }
  return *identity_generic_;
}

}  // namespace ironorg::gateway

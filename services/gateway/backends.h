// The gateway's connections to the four services behind it.
//
// One channel per service, shared by every call: a generic stub forwards
// public calls as raw bytes, and typed stubs make the internal calls that
// resolve tokens and grants. Channels reconnect after at most one second
// of backoff, so a restarted service is reached again quickly, and calls
// do not wait for a service that is down: they fail with UNAVAILABLE. A
// message larger than the configured maximum, in either direction, fails
// its call with RESOURCE_EXHAUSTED.
//
// Thread-safe: stubs and channels are safe for concurrent calls.
#ifndef IRONORG_SERVICES_GATEWAY_BACKENDS_H_
#define IRONORG_SERVICES_GATEWAY_BACKENDS_H_

#include <grpcpp/channel.h>
#include <grpcpp/generic/generic_stub.h>

#include <memory>
#include <string>

#include "absl/strings/string_view.h"
#include "common/internal_auth.h"
#include "ironorg/clusters/v1/internal.grpc.pb.h"
#include "ironorg/identity/v1/internal.grpc.pb.h"
#include "ironorg/projects/v1/internal.grpc.pb.h"

namespace ironorg::gateway {

// A service behind the gateway.
enum class Backend { kIdentity, kProjects, kClusters, kBilling };

// Returns the short name of a backend, such as "identity".
absl::string_view BackendName(Backend backend);

// The host:port of each service.
struct BackendAddresses {
  std::string identity = "127.0.0.1:50061";
  std::string projects = "127.0.0.1:50062";
  std::string clusters = "127.0.0.1:50063";
  std::string billing = "127.0.0.1:50064";
};

class Backends final {
 public:
  // Creates the channels, which send and receive messages of at most
  // `max_message_bytes` bytes. Connections are made on first use.
  // REQUIRES: max_message_bytes > 0.
  Backends(const BackendAddresses& addresses, InternalCredential credential,
           int max_message_bytes);

  Backends(const Backends&) = delete;
  Backends& operator=(const Backends&) = delete;

  // The generic stub that forwards calls to `backend`.
  grpc::GenericStub& generic(Backend backend);

  ironorg::identity::v1::InternalAuthService::Stub& identity_auth() {
    return *identity_auth_;
  }
  ironorg::identity::v1::InternalUserService::Stub& identity_users() {
    return *identity_users_;
  }
  ironorg::clusters::v1::InternalClusterAuthService::Stub& cluster_auth() {
    return *cluster_auth_;
  }
  ironorg::clusters::v1::InternalClusterAccessService::Stub& cluster_access() {
    return *cluster_access_;
  }
  ironorg::projects::v1::InternalProjectAccessService::Stub& project_access() {
    return *project_access_;
  }

  // Signs every call the gateway makes.
  const InternalCredential& credential() const { return credential_; }

 private:
  InternalCredential credential_;
  std::shared_ptr<grpc::Channel> identity_channel_;
  std::shared_ptr<grpc::Channel> projects_channel_;
  std::shared_ptr<grpc::Channel> clusters_channel_;
  std::shared_ptr<grpc::Channel> billing_channel_;
  std::unique_ptr<grpc::GenericStub> identity_generic_;
  std::unique_ptr<grpc::GenericStub> projects_generic_;
  std::unique_ptr<grpc::GenericStub> clusters_generic_;
  std::unique_ptr<grpc::GenericStub> billing_generic_;
  std::unique_ptr<ironorg::identity::v1::InternalAuthService::Stub>
      identity_auth_;
  std::unique_ptr<ironorg::identity::v1::InternalUserService::Stub>
      identity_users_;
  std::unique_ptr<ironorg::clusters::v1::InternalClusterAuthService::Stub>
      cluster_auth_;
  std::unique_ptr<ironorg::clusters::v1::InternalClusterAccessService::Stub>
      cluster_access_;
  std::unique_ptr<ironorg::projects::v1::InternalProjectAccessService::Stub>
      project_access_;
};

}  // namespace ironorg::gateway

#endif  // IRONORG_SERVICES_GATEWAY_BACKENDS_H_

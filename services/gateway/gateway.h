// The gateway: the one public entry point of ironorg.
//
// It serves every public service of identity, projects, clusters and
// billing under its own name, built at run time from the generated
// descriptors: each method takes the request as raw bytes, authenticates
// the caller, applies the permission table and forwards the bytes to the
// owning service (see gateway_call.h). Internal services (names starting
// with "Internal") are never registered, so they are neither forwarded nor
// listed by reflection. The gateway's own ironorg.gateway.v1.AccessService
// is served here too.
#ifndef IRONORG_SERVICES_GATEWAY_GATEWAY_H_
#define IRONORG_SERVICES_GATEWAY_GATEWAY_H_

#include <grpcpp/impl/service_type.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "common/internal_auth.h"
#include "google/protobuf/descriptor.h"
#include "services/gateway/access_cache.h"
#include "services/gateway/backends.h"
#include "services/gateway/change_feed_follower.h"
#include "services/gateway/gateway_call.h"

namespace ironorg::gateway {

// A public service and the backend that owns it.
struct PublicService {
  const google::protobuf::ServiceDescriptor* descriptor;
  Backend backend;
};

// Returns the eleven public services the gateway forwards.
const std::vector<PublicService>& PublicServices();

// The default maximum message size: 4 MiB, gRPC's own default for
// received messages.
inline constexpr int kDefaultMaxMessageBytes = 4 * 1024 * 1024;

struct GatewayOptions {
  BackendAddresses addresses;

  // The operator token; empty disables the operator, so
  // CreateOrganization is denied to everyone.
  std::string operator_token;

  // The maximum deadline of a call through the gateway.
  absl::Duration max_call_timeout = absl::Seconds(30);

  // The maximum size in bytes of one message on the channels to the
  // services, in both directions. The server's own limit is set apart, in
  // ServerConfig::max_message_bytes. REQUIRES: greater than 0.
  int max_message_bytes = kDefaultMaxMessageBytes;

  // The token and grant cache; max_entries 0 disables it, and then no
  // change feed is followed.
  AccessCacheOptions cache;
};

class Gateway final {
 public:
  // Creates the channels and, when the cache is enabled, starts following
  // the change feeds of identity, projects and clusters.
  Gateway(GatewayOptions options, InternalCredential credential);

  // Stops the followers.
  ~Gateway();

  Gateway(const Gateway&) = delete;
  Gateway& operator=(const Gateway&) = delete;

  // The services to register on the server. They stay owned by the
  // Gateway, which must outlive the server.
  std::vector<grpc::Service*> services() const;

  // The cache of token introspections and grant checks.
  AccessCache& cache() { return *cache_; }

 private:
  // Starts a follower of `feed` at `address` that drops what its changes
  // make stale.
  void FollowFeed(const std::string& feed, const std::string& address,
                  absl::Duration max_wait, const InternalCredential& credential);

  std::unique_ptr<Backends> backends_;
  std::unique_ptr<AccessCache> cache_;
  std::vector<std::unique_ptr<ChangeFeedFollower>> followers_;
  CallEnvironment environment_;
  std::vector<std::unique_ptr<grpc::Service>> services_;
};

}  // namespace ironorg::gateway

#endif  // IRONORG_SERVICES_GATEWAY_GATEWAY_H_

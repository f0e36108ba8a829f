// One call through the gateway, on gRPC's callback API.
//
// Each call runs these steps, each started from the previous one's
// completion so that no callback thread ever blocks:
//   1. authenticate: read `authorization` metadata and resolve the token
//      (operator token, the cache, or an internal call to clusters or
//      identity);
//   2. authorize: apply the permission table (policy.h), asking the cache
//      or else projects or clusters for a grant when the rule needs one;
//   3. serve: forward the request bytes unchanged to the owning service
//      and return its response bytes and status unchanged (error details
//      included), or run the gateway's own handler. After a call that may
//      change a role, a token or a grant, whatever its status, the entries
//      it makes stale are dropped before the response is sent
//      (cache_invalidation.h);
//   4. write one access-log line: method, caller, organization, status
//      code and latency; never a token.
//
// Every internal and forwarded call carries a fresh ClientContext signed
// with the caller's Principal for that exact method path, and the call's
// deadline: the caller's deadline capped by the configured maximum. A
// cancelled call cancels the internal call in flight.
#ifndef IRONORG_SERVICES_GATEWAY_GATEWAY_CALL_H_
#define IRONORG_SERVICES_GATEWAY_GATEWAY_CALL_H_

#include <grpcpp/server_context.h>
#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/server_callback.h>

#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "ironorg/identity/v1/principal.pb.h"
#include "ironorg/identity/v1/user.pb.h"
#include "services/gateway/access_cache.h"
#include "services/gateway/backends.h"
#include "services/gateway/policy.h"

namespace ironorg::gateway {

// Settings shared by every call of one gateway. Immutable while serving.
struct CallEnvironment {
  // The services behind the gateway. Not owned.
  Backends* backends = nullptr;

  // The operator token; empty when none is configured, and then no caller
  // is the operator.
  std::string operator_token;

  // The maximum deadline the gateway gives a call, whatever the caller
  // requested.
  absl::Duration max_call_timeout = absl::Seconds(30);

  // The token and grant cache. Not owned; nullptr disables caching.
  AccessCache* cache = nullptr;
};

// One public method the gateway serves.
struct MethodInfo {
  // "<package>.<Service>/<Method>".
  std::string full_name;

  // "/<package>.<Service>/<Method>", the path on the wire.
  std::string path;

  // The request message type.
  const google::protobuf::Descriptor* input_type = nullptr;

  // The service that owns the method, for forwarded calls.
  Backend backend = Backend::kIdentity;

  // The method's permission rule; nullptr denies every call.
  const MethodRule* rule = nullptr;
};

// Starts a call that is forwarded to `method.backend`. `request` and
// `response` belong to gRPC and live until the returned reactor finishes.
grpc::ServerUnaryReactor* StartForwardedCall(
    const CallEnvironment& environment, const MethodInfo& method,
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    grpc::ByteBuffer* response);

// The lookups a call that the gateway serves itself may make. Each calls
// `done` exactly once, possibly on another thread, and runs one lookup at
// a time per call.
class LocalCallTools {
 public:
  virtual ~LocalCallTools() = default;

  // Reads a user from identity: NOT_FOUND when there is none, UNAVAILABLE
  // when identity cannot be reached.
  virtual void LookupUser(
      const std::string& name,
      std::function<void(absl::StatusOr<ironorg::identity::v1::User>)>
          done) = 0;

  // Looks up grants in projects or clusters.
  virtual GrantChecker& grants() = 0;
};

// Serves a call that the gateway handles itself, once the caller passed
// the permission check. Runs on a gRPC callback thread and must not block:
// it calls `done` exactly once with the call's status when it finishes.
using LocalHandler = std::function<void(
    const ironorg::identity::v1::Principal& caller, LocalCallTools& tools,
    std::function<void(grpc::Status)> done)>;

// Starts a call that `handler` serves after authentication and the
// permission check. `request` belongs to gRPC and lives until the returned
// reactor finishes.
grpc::ServerUnaryReactor* StartLocalCall(
    const CallEnvironment& environment, const MethodInfo& method,
    grpc::CallbackServerContext* context,
    const google::protobuf::Message* request, LocalHandler handler);

}  // namespace ironorg::gateway

#endif  // IRONORG_SERVICES_GATEWAY_GATEWAY_CALL_H_

// One call through the gateway, on gRPC's callback API.
//
// Each call runs these steps, each started from the previous one's
// completion so that no callback thread ever blocks:
//   1. authenticate: read `authorization` metadata and resolve the token
//      (operator token, or an internal call to clusters or identity);
//   2. authorize: apply the permission table (policy.h), asking projects
//      or clusters for a grant when the rule needs one;
//   3. serve: forward the request bytes unchanged to the owning service
//      and return its response bytes and status unchanged (error details
//      included), or run the gateway's own handler;
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

#include "absl/time/time.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "ironorg/identity/v1/principal.pb.h"
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

// Serves a call that the gateway handles itself, once the caller passed
// the permission check. Runs on a gRPC callback thread and must not block.
using LocalHandler =
    std::function<grpc::Status(const ironorg::identity::v1::Principal&)>;

// Starts a call that `handler` serves after authentication and the
// permission check. `request` belongs to gRPC and lives until the returned
// reactor finishes.
grpc::ServerUnaryReactor* StartLocalCall(
    const CallEnvironment& environment, const MethodInfo& method,
    grpc::CallbackServerContext* context,
    const google::protobuf::Message* request, LocalHandler handler);

}  // namespace ironorg::gateway

#endif  // IRONORG_SERVICES_GATEWAY_GATEWAY_CALL_H_

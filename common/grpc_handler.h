// The shared body of a gRPC adapter method: verify the internal signature
// of the call, pass the verified Principal and the request to a gRPC-free
// handler, and convert its absl::Status with common/grpc_status.h.
//
// A failed call, whether the signature or the handler failed, logs one
// WARNING line with the method path, the status code, the caller (a user
// name or a principal kind, never a token) and the message.
//
// Thread-safe: the helpers keep no state, so they are as thread-safe as
// the handler they run.
#ifndef IRONORG_COMMON_GRPC_HANDLER_H_
#define IRONORG_COMMON_GRPC_HANDLER_H_

#include <grpcpp/server_context.h>
#include <grpcpp/support/status.h>

#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/internal_auth.h"
#include "ironorg/identity/v1/principal.pb.h"

namespace ironorg {

// Logs the WARNING line of a failed call of `path` by `caller` and returns
// `status` converted for the wire.
grpc::Status FailCall(absl::string_view path,
                      const absl::StatusOr<identity::v1::Principal>& caller,
                      const absl::Status& status);

// Verifies the call's signature for `path` (such as
// "/ironorg.projects.v1.ProjectService/GetProject"), runs `call` with the
// verified principal and stores its result in `response`. `call` takes a
// `const Principal&` and returns absl::StatusOr<Response>. Returns
// UNAUTHENTICATED without running `call` if the signature is missing,
// wrong or expired, and otherwise the status of `call`.
template <typename Response, typename Call>
grpc::Status HandleVerifiedCall(const InternalCredential& credential,
                                absl::string_view path,
                                const grpc::ServerContextBase& context,
                                Response* response, Call call) {
  const absl::StatusOr<identity::v1::Principal> caller =
      credential.Verify(path, context);
  if (!caller.ok()) {
    return FailCall(path, caller, caller.status());
  }

  absl::StatusOr<Response> result = call(*caller);
  if (!result.ok()) {
    return FailCall(path, caller, result.status());
  }
  *response = *std::move(result);
  return grpc::Status::OK;
}

// As above, for the method `method` of the gRPC service
// `service_full_name`, served by the member function `handler` of
// `service`.
template <typename Service, typename Request, typename Response>
grpc::Status HandleVerifiedCall(
    const InternalCredential& credential, absl::string_view service_full_name,
    absl::string_view method, const grpc::ServerContextBase& context,
    const Request& request, Response* response, Service& service,
    absl::StatusOr<Response> (Service::*handler)(const identity::v1::Principal&,
                                                 const Request&)) {
  return HandleVerifiedCall(credential, MethodPath(service_full_name, method),
                            context, response,
                            [&](const identity::v1::Principal& caller) {
                              return (service.*handler)(caller, request);
                            });
}

}  // namespace ironorg

#endif  // IRONORG_COMMON_GRPC_HANDLER_H_

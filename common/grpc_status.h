// Conversion between absl::Status, which handlers return, and grpc::Status,
// which crosses the wire. This is the one place where that happens.
#ifndef IRONORG_COMMON_GRPC_STATUS_H_
#define IRONORG_COMMON_GRPC_STATUS_H_

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace ironorg {

// Converts `status` to a grpc::Status with the same code and message. Its
// payloads (google.rpc.BadRequest, google.rpc.RetryInfo) travel as the
// details of a google.rpc.Status in the `grpc-status-details-bin` trailer.
grpc::Status ToGrpcStatus(const absl::Status& status);

// Converts a status received from another ironorg process back, keeping
// its code, message and details, so the gateway can pass it on unchanged.
absl::Status FromGrpcStatus(const grpc::Status& status);

}  // namespace ironorg

#endif  // IRONORG_COMMON_GRPC_STATUS_H_

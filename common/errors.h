// Named factories for every error a caller can see.
//
// Handlers return absl::Status built here, so that one kind of failure
// always reads the same, names the value involved and tells the caller
// what to do next.
// Codes follow absl/status/status.h: INVALID_ARGUMENT for bad input (fix
// the request), FAILED_PRECONDITION for a state that must change first,
// ABORTED for a lost race (reread and retry), UNAVAILABLE for a transient
// failure (retry the call).
//
// Invalid-argument errors carry a google.rpc.BadRequest payload naming the
// field; ToGrpcStatus in common/grpc_status.h sends it as a status detail.
#ifndef IRONORG_COMMON_ERRORS_H_
#define IRONORG_COMMON_ERRORS_H_

#include "absl/strings/string_view.h"

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace ironorg::errors {

// The type URLs of the payloads attached by these factories.
inline constexpr absl::string_view kBadRequestTypeUrl =
    "type.googleapis.com/google.rpc.BadRequest";
inline constexpr absl::string_view kRetryInfoTypeUrl =
    "type.googleapis.com/google.rpc.RetryInfo";

// INVALID_ARGUMENT with `description` as message and a BadRequest field
// violation for `field`. The description should name the field, the value
// and the allowed values.
absl::Status InvalidArgument(absl::string_view field,
                             absl::string_view description);

// INVALID_ARGUMENT: "<field> is required".
absl::Status MissingField(absl::string_view field);

// NOT_FOUND: "<kind> "<name>" not found".
absl::Status NotFound(absl::string_view kind, absl::string_view name);

// ALREADY_EXISTS with the given message.
absl::Status AlreadyExists(absl::string_view message);

// UNAUTHENTICATED with the given message.
absl::Status Unauthenticated(absl::string_view message);

// PERMISSION_DENIED: "permission denied: <reason>". Out-of-scope names get
// this before any existence check, so a name in another organization reads
// the same as one that does not exist.
absl::Status PermissionDenied(absl::string_view reason);

// ABORTED: the etag sent does not match the stored resource.
absl::Status StaleEtag(absl::string_view name, absl::string_view sent_etag);

// FAILED_PRECONDITION with the given message.
absl::Status FailedPrecondition(absl::string_view message);

// RESOURCE_EXHAUSTED with a google.rpc.RetryInfo payload of `retry_delay`.
absl::Status Throttled(absl::string_view message, absl::Duration retry_delay);

// UNIMPLEMENTED: "<method> is not implemented yet".
absl::Status Unimplemented(absl::string_view method);

// INTERNAL with a message that hides details; log the cause separately.
absl::Status Internal();

}  // namespace ironorg::errors

#endif  // IRONORG_COMMON_ERRORS_H_

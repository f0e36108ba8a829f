#include "common/errors.h"

#include <string>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "google/rpc/error_details.pb.h"

namespace ironorg::errors {

absl::Status InvalidArgument(absl::string_view field,
                             absl::string_view description) {
  google::rpc::BadRequest bad_request;
  auto* violation = bad_request.add_field_violations();
  violation->set_field(std::string(field));
  violation->set_description(std::string(description));

  absl::Status status = absl::InvalidArgumentError(description);
  status.SetPayload(kBadRequestTypeUrl,
                    absl::Cord(bad_request.SerializeAsString()));
  return status;
}

absl::Status MissingField(absl::string_view field) {
  return InvalidArgument(field, absl::StrCat(field, " is required"));
}

absl::Status NotFound(absl::string_view kind, absl::string_view name) {
  return absl::NotFoundError(absl::StrCat(kind, " \"", name, "\" not found"));
}

absl::Status AlreadyExists(absl::string_view message) {
  return absl::AlreadyExistsError(message);
}

absl::Status Unauthenticated(absl::string_view message) {
  return absl::UnauthenticatedError(message);
}

absl::Status PermissionDenied(absl::string_view reason) {
  return absl::PermissionDeniedError(
      absl::StrCat("permission denied: ", reason));
}

absl::Status StaleEtag(absl::string_view name, absl::string_view sent_etag) {
  return absl::AbortedError(absl::StrCat(
      "etag \"", sent_etag, "\" does not match the current version of \"",
      name, "\"; read it again and retry, or send an empty etag"));
}

absl::Status FailedPrecondition(absl::string_view message) {
  return absl::FailedPreconditionError(message);
}

absl::Status Throttled(absl::string_view message, absl::Duration retry_delay) {
  google::rpc::RetryInfo retry_info;
  const int64_t nanos = absl::ToInt64Nanoseconds(retry_delay);
  retry_info.mutable_retry_delay()->set_seconds(nanos / 1000000000);
  retry_info.mutable_retry_delay()->set_nanos(
      static_cast<int32_t>(nanos % 1000000000));

  absl::Status status = absl::ResourceExhaustedError(message);
  status.SetPayload(kRetryInfoTypeUrl,
                    absl::Cord(retry_info.SerializeAsString()));
  return status;
}

absl::Status Unimplemented(absl::string_view method) {
  return absl::UnimplementedError(
      absl::StrCat(method, " is not implemented yet"));
}

absl::Status Internal() {
  return absl::InternalError("internal error; the server log has the cause");
}

}  // namespace ironorg::errors

#include "common/grpc_handler.h"

#include "absl/strings/str_cat.h"
#include "common/grpc_status.h"
#include "common/log.h"

namespace ironorg {
namespace {

using ::ironorg::identity::v1::Principal;

std::string DescribeCaller(const absl::StatusOr<Principal>& caller) {
  if (!caller.ok()) {
    return "an unverified caller";
  }
  if (!caller->user().empty()) {
    return caller->user();
  }
  return absl::StrCat("a caller of kind ",
                      Principal::Kind_Name(caller->kind()));
}

}  // namespace

grpc::Status FailCall(absl::string_view path,
                      const absl::StatusOr<Principal>& caller,
                      const absl::Status& status) {
  IRONORG_LOG(WARNING) << path << " failed with "
                       << absl::StatusCodeToString(status.code()) << " for "
                       << DescribeCaller(caller) << ": " << status.message();
  return ToGrpcStatus(status);
}

}  // namespace ironorg

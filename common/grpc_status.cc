#include "common/grpc_status.h"

#include <string>

#include "absl/strings/cord.h"
#include "google/protobuf/any.pb.h"
#include "google/rpc/status.pb.h"

namespace ironorg {

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) {
    return grpc::Status::OK;
  }

  google::rpc::Status rpc_status;
  rpc_status.set_code(static_cast<int>(status.code()));
  rpc_status.set_message(std::string(status.message()));
  status.ForEachPayload(
      [&rpc_status](absl::string_view type_url, const absl::Cord& payload) {
        google::protobuf::Any* detail = rpc_status.add_details();
        detail->set_type_url(std::string(type_url));
        detail->set_value(std::string(payload));
      });

  std::string details;
  if (rpc_status.details_size() > 0) {
    details = rpc_status.SerializeAsString();
  }
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()),
                      std::string(status.message()), details);
}

absl::Status FromGrpcStatus(const grpc::Status& status) {
  if (status.ok()) {
    return absl::OkStatus();
  }

  absl::Status result(static_cast<absl::StatusCode>(status.error_code()),
                      status.error_message());
  google::rpc::Status rpc_status;
  if (!status.error_details().empty() &&
      rpc_status.ParseFromString(status.error_details())) {
    for (const google::protobuf::Any& detail : rpc_status.details()) {
      result.SetPayload(detail.type_url(), absl::Cord(detail.value()));
    }
  }
  return result;
}

}  // namespace ironorg

// UserDirectory over gRPC, which calls identity's
// ironorg.identity.v1.InternalUserService/LookupUser.
#ifndef IRONORG_COMMON_GRPC_USER_DIRECTORY_H_
#define IRONORG_COMMON_GRPC_USER_DIRECTORY_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/internal_auth.h"
#include "common/user_directory.h"
#include "ironorg/identity/v1/internal.grpc.pb.h"

namespace ironorg {

// Thread-safe: the stub and the credential are safe to share.
class GrpcUserDirectory final : public UserDirectory {
 public:
  // Opens a plaintext channel to identity at `identity_address` (host:port).
  // Every lookup is signed with `credential` as a KIND_SERVICE principal
  // and gives up after `timeout`.
  GrpcUserDirectory(const std::string& identity_address,
                    InternalCredential credential,
                    absl::Duration timeout = absl::Seconds(5));

  // Returns OK if identity has the user; NOT_FOUND `user "<name>" not
  // found` if identity returns NOT_FOUND; UNAVAILABLE if identity cannot
  // be reached in time; INTERNAL for any other status. The log gets
  // identity's address and the cause of every failure but NOT_FOUND.
  absl::Status CheckUserExists(absl::string_view user_name) override;

 private:
  std::string identity_address_;
  InternalCredential credential_;
  absl::Duration timeout_;
  std::unique_ptr<ironorg::identity::v1::InternalUserService::Stub> stub_;
};

}  // namespace ironorg

#endif  // IRONORG_COMMON_GRPC_USER_DIRECTORY_H_

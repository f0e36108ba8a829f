#include "common/grpc_user_directory.h"

#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/errors.h"
#include "common/log.h"

namespace ironorg {

using ::ironorg::identity::v1::InternalUserService;
using ::ironorg::identity::v1::LookupUserRequest;
using ::ironorg::identity::v1::Principal;
using ::ironorg::identity::v1::User;

GrpcUserDirectory::GrpcUserDirectory(const std::string& identity_address,
                                     InternalCredential credential,
                                     absl::Duration timeout)
    : identity_address_(identity_address),
      credential_(std::move(credential)),
      timeout_(timeout),
      stub_(InternalUserService::NewStub(grpc::CreateChannel(
          identity_address, grpc::InsecureChannelCredentials()))) {}

absl::Status GrpcUserDirectory::CheckUserExists(absl::string_view user_name) {
  const std::string method =
      MethodPath(InternalUserService::service_full_name(), "LookupUser");
  Principal principal;
  principal.set_kind(Principal::KIND_SERVICE);

  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + timeout_));
  credential_.Sign(method, principal, &context);

  LookupUserRequest request;
  request.set_name(std::string(user_name));
  User user;
  const grpc::Status status = stub_->LookupUser(&context, request, &user);

  switch (status.error_code()) {
    case grpc::StatusCode::OK:
      return absl::OkStatus();
    case grpc::StatusCode::NOT_FOUND:
      return errors::NotFound("user", user_name);
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      IRONORG_LOG(WARNING) << "identity at " << identity_address_
                           << " did not answer LookupUser for " << user_name
                           << ": " << status.error_message();
      return absl::UnavailableError(absl::StrCat(
          "cannot check that user \"", user_name,
          "\" exists: the identity service is unavailable; retry the call"));
    default:
      // Typically a different internal secret on identity's side, which
      // the operator must fix; the client learns nothing useful from it.
      IRONORG_LOG(ERROR) << "identity at " << identity_address_
                         << " failed LookupUser for " << user_name
                         << " with code " << status.error_code() << ": "
                         << status.error_message();
      return errors::Internal();
  }
}

}  // namespace ironorg

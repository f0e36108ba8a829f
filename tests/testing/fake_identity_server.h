// An in-process stand-in for identity's InternalUserService on a free
// loopback port: it checks the internal signature as identity does and
// stores a fixed set of users.
#ifndef IRONORG_TESTS_TESTING_FAKE_IDENTITY_SERVER_H_
#define IRONORG_TESTS_TESTING_FAKE_IDENTITY_SERVER_H_

#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>

#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/internal_auth.h"
#include "ironorg/identity/v1/internal.grpc.pb.h"

namespace ironorg::test {

class FakeIdentityServer final
    : public ironorg::identity::v1::InternalUserService::Service {
 public:
  explicit FakeIdentityServer(InternalCredential credential)
      : credential_(std::move(credential)) {}

  // Starts serving on 127.0.0.1 with a free port; returns false on failure.
  bool Start() {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                             &port_);
    builder.RegisterService(this);
    server_ = builder.BuildAndStart();
    return server_ != nullptr && port_ != 0;
  }

  void Stop() {
    if (server_ != nullptr) {
      server_->Shutdown();
      server_->Wait();
      server_.reset();
    }
  }

  ~FakeIdentityServer() override { Stop(); }

  std::string address() const { return absl::StrCat("127.0.0.1:", port_); }

  void AddUser(const std::string& name) {
    std::lock_guard<std::mutex> lock(mutex_);
    users_.insert(name);
  }

  // The kind of the principal of the last verified call.
  ironorg::identity::v1::Principal::Kind last_caller_kind() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return last_caller_kind_;
  }

  grpc::Status LookupUser(
      grpc::ServerContext* context,
      const ironorg::identity::v1::LookupUserRequest* request,
      ironorg::identity::v1::User* response) override {
    absl::StatusOr<ironorg::identity::v1::Principal> caller =
        credential_.Verify(
            MethodPath(
                ironorg::identity::v1::InternalUserService::service_full_name(),
                "LookupUser"),
            *context);
    if (!caller.ok()) {
      return grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                          std::string(caller.status().message()));
    }
    std::lock_guard<std::mutex> lock(mutex_);
    last_caller_kind_ = caller->kind();
    if (users_.count(request->name()) == 0) {
      return grpc::Status(grpc::StatusCode::NOT_FOUND, "no such user");
    }
    response->set_name(request->name());
    return grpc::Status::OK;
  }

 private:
  InternalCredential credential_;
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
  mutable std::mutex mutex_;
  std::set<std::string> users_;
  ironorg::identity::v1::Principal::Kind last_caller_kind_ =
      ironorg::identity::v1::Principal::KIND_UNSPECIFIED;
};

}  // namespace ironorg::test

#endif  // IRONORG_TESTS_TESTING_FAKE_IDENTITY_SERVER_H_

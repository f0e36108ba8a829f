// ironorg-identity: serves organizations, users, logins, API tokens, audit
// events and token introspection over gRPC, keeping its data in <data_dir>/identity.db.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/time/time.h"
#include "common/change_feed.h"
#include "common/flags.h"
#include "common/internal_auth.h"
#include "common/log.h"
#include "common/server.h"
#include "services/identity/identity_grpc.h"
#include "services/identity/identity_service.h"
#include "services/identity/identity_store.h"

ABSL_FLAG(std::string, listen_address, "127.0.0.1:50061",
          "host:port to serve on; port 0 picks a free port");
ABSL_FLAG(std::string, data_dir, "./var",
          "folder holding identity.db; created if missing");
ABSL_FLAG(std::string, ready_file, "",
          "file to write the bound address to once serving");
ABSL_FLAG(std::string, internal_secret_file, "",
          "file holding the internal secret shared by all ironorg "
          "processes (at least 32 bytes); without it, "
          "IRONORG_INTERNAL_SECRET holds the secret");
ABSL_FLAG(absl::Duration, access_token_lifetime, absl::Hours(12),
          "how long an access token from Login stays valid, such as 12h or "
          "30m");
ABSL_FLAG(int32_t, login_max_failures, 5,
          "failed logins for one email, within --login_failure_window, "
          "after which logins for that email are rejected for "
          "--login_lockout; a wrong current password at ChangePassword "
          "counts too; at least 1");
ABSL_FLAG(absl::Duration, login_failure_window, absl::Minutes(15),
          "the period in which --login_max_failures failed logins lock an "
          "email, counted from the first failure, such as 15m");
ABSL_FLAG(absl::Duration, login_lockout, absl::Minutes(1),
          "how long logins for an email are rejected with "
          "RESOURCE_EXHAUSTED once it is locked, such as 1m");

namespace ironorg::identity {
namespace {

int Run() {
  absl::StatusOr<InternalCredential> credential =
      LoadInternalCredential(absl::GetFlag(FLAGS_internal_secret_file));
  if (!credential.ok()) {
    IRONORG_LOG(ERROR) << credential.status();
    return 1;
  }

  const absl::Duration lifetime = absl::GetFlag(FLAGS_access_token_lifetime);
  if (lifetime <= absl::ZeroDuration()) {
    IRONORG_LOG(ERROR) << "--access_token_lifetime must be positive, got "
                       << absl::FormatDuration(lifetime);
    return 1;
  }

  const std::filesystem::path data_dir = absl::GetFlag(FLAGS_data_dir);
  std::error_code error;
  std::filesystem::create_directories(data_dir, error);
  if (error) {
    IRONORG_LOG(ERROR) << "cannot create --data_dir \"" << data_dir.string()
                       << "\": " << error.message();
    return 1;
  }
  const std::string database_path = (data_dir / kDatabaseFileName).string();
  absl::StatusOr<std::unique_ptr<IdentityStore>> store =
      IdentityStore::Open(database_path);
  if (!store.ok()) {
    IRONORG_LOG(ERROR) << "cannot open \"" << database_path
                       << "\": " << store.status();
    return 1;
  }

  IdentityServiceOptions options;
  options.access_token_lifetime = lifetime;
  options.login_max_failures = absl::GetFlag(FLAGS_login_max_failures);
  options.login_failure_window = absl::GetFlag(FLAGS_login_failure_window);
  options.login_lockout = absl::GetFlag(FLAGS_login_lockout);
  options.page_token_key = credential->DeriveKey("page-token");
  absl::StatusOr<std::unique_ptr<IdentityService>> service =
      IdentityService::Create(store->get(), std::move(options));
  if (!service.ok()) {
    IRONORG_LOG(ERROR) << "cannot start the identity service: "
                       << service.status();
    return 1;
  }

  OrganizationGrpcService organizations(service->get(), &*credential);
  UserGrpcService users(service->get(), &*credential);
  AuthGrpcService auth(service->get(), &*credential);
  InternalAuthGrpcService internal_auth(service->get(), &*credential);
  InternalUserGrpcService internal_users(service->get(), &*credential);
  change_feed::OutboxFeed feed((*store)->database());
  change_feed::ChangeFeedGrpcService feed_service(&feed, &*credential);
  ServerConfig config;
  config.listen_address = absl::GetFlag(FLAGS_listen_address);
  config.ready_file = absl::GetFlag(FLAGS_ready_file);
  absl::StatusOr<std::unique_ptr<RunningServer>> server = RunningServer::Start(
      config, {&organizations, &users, &auth, &internal_auth, &internal_users,
               &feed_service});
  if (!server.ok()) {
    IRONORG_LOG(ERROR) << server.status();
    return 1;
  }
  IRONORG_LOG(INFO) << "identity started on " << (*server)->address()
                    << " with data in \"" << database_path << "\"";

  const std::string signal = WaitForTerminationSignal();
  IRONORG_LOG(INFO) << "received " << signal << ", shutting down";
  (*server)->Shutdown();
  IRONORG_LOG(INFO) << "ironorg-identity stopped";
  return 0;
}

}  // namespace
}  // namespace ironorg::identity

int main(int argc, char** argv) {
  // Blocked before any thread starts, so that every gRPC thread inherits
  // the mask and only WaitForTerminationSignal receives the signals.
  ironorg::BlockTerminationSignals();
  ironorg::SetLogProcessName("identity");
  ironorg::ParseFlags(argc, argv,
                      "organizations, users, logins and tokens of ironorg");
  return ironorg::identity::Run();
}

// ironorg-projects: serves ironorg.projects.v1 (ProjectService,
// ProjectAccessService and InternalProjectAccessService) over gRPC.
#include <filesystem>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "absl/flags/flag.h"
#include "common/change_feed.h"
#include "common/change_feed_consumer.h"
#include "common/flags.h"
#include "common/grpc_user_directory.h"
#include "common/identity_feed.h"
#include "common/internal_auth.h"
#include "common/log.h"
#include "common/pagination.h"
#include "common/server.h"
#include "services/projects/project_grpc.h"
#include "services/projects/project_service.h"
#include "services/projects/project_store.h"

ABSL_FLAG(std::string, listen_address, "127.0.0.1:50062",
          "host:port to serve on; port 0 picks a free port");
ABSL_FLAG(std::string, data_dir, "./var",
          "folder holding projects.db; created if missing");
ABSL_FLAG(std::string, ready_file, "",
          "file to write the bound address to once serving; empty for none");
ABSL_FLAG(std::string, internal_secret_file, "",
          "file holding the internal secret shared by all ironorg processes "
          "(at least 32 bytes); when empty, IRONORG_INTERNAL_SECRET holds "
          "the secret");
ABSL_FLAG(std::string, identity_address, "127.0.0.1:50061",
          "host:port of ironorg-identity, asked whether a user exists before "
          "a grant is stored, and whose change feed removes the grants of "
          "deleted users");

int main(int argc, char** argv) {
  // Before gRPC starts any thread, so that every thread inherits the mask.
  ironorg::BlockTerminationSignals();
  ironorg::SetLogProcessName("projects");
  ironorg::ParseFlags(argc, argv,
                      "the projects service of ironorg");

  absl::StatusOr<ironorg::InternalCredential> credential =
      ironorg::LoadInternalCredential(
          absl::GetFlag(FLAGS_internal_secret_file));
  if (!credential.ok()) {
    IRONORG_LOG(ERROR) << "cannot start: " << credential.status().message();
    return 1;
  }

  const std::string data_dir = absl::GetFlag(FLAGS_data_dir);
  std::error_code error;
  std::filesystem::create_directories(data_dir, error);
  if (error) {
    IRONORG_LOG(ERROR) << "cannot start: cannot create data folder \""
                       << data_dir << "\": " << error.message();
    return 1;
  }
  absl::StatusOr<std::unique_ptr<ironorg::projects::ProjectStore>> store =
      ironorg::projects::ProjectStore::Open(data_dir);
  if (!store.ok()) {
    IRONORG_LOG(ERROR) << "cannot start: " << store.status().message();
    return 1;
  }

  ironorg::GrpcUserDirectory users(absl::GetFlag(FLAGS_identity_address),
                                   *credential);
  ironorg::projects::ProjectService service(
      store->get(), &users,
      ironorg::pagination::PageTokenCodec(credential->DeriveKey("page-token")));
  ironorg::projects::ProjectGrpcService project_grpc(&*credential, &service);
  ironorg::projects::ProjectAccessGrpcService access_grpc(&*credential,
                                                          &service);
  ironorg::projects::InternalProjectAccessGrpcService internal_grpc(
      &*credential, &service);

  ironorg::change_feed::OutboxFeed feed((*store)->database());
  ironorg::change_feed::ChangeFeedGrpcService feed_grpc(&feed, &*credential);

  ironorg::ServerConfig config;
  config.listen_address = absl::GetFlag(FLAGS_listen_address);
  config.ready_file = absl::GetFlag(FLAGS_ready_file);
  absl::StatusOr<std::unique_ptr<ironorg::RunningServer>> server =
      ironorg::RunningServer::Start(
          config, {&project_grpc, &access_grpc, &internal_grpc, &feed_grpc});
  if (!server.ok()) {
    IRONORG_LOG(ERROR) << "cannot start: " << server.status().message();
    return 1;
  }
  IRONORG_LOG(INFO) << "ironorg-projects started on " << (*server)->address()
                    << " with data folder \"" << data_dir
                    << "\" and identity at "
                    << absl::GetFlag(FLAGS_identity_address);

  ironorg::change_feed::ConsumerOptions feed_options;
  feed_options.feed = ironorg::identity_feed::kFeedName;
  feed_options.address = absl::GetFlag(FLAGS_identity_address);
  ironorg::change_feed::ChangeFeedConsumer identity_feed(
      feed_options, *credential, (*store)->database(),
      ironorg::identity_feed::MakeUserDeletionApplier(
          &(*store)->grant_table()));
  identity_feed.Start();

  const std::string signal = ironorg::WaitForTerminationSignal();
  IRONORG_LOG(INFO) << "received " << signal << "; stopping";
  identity_feed.Stop();
  (*server)->Shutdown();
  IRONORG_LOG(INFO) << "ironorg-projects stopped";
  return 0;
}

// ironorg-clusters: serves ironorg.clusters.v1 (ClusterService,
// ClusterAccessService, RunnerService, InternalClusterAuthService and
// InternalClusterAccessService) over gRPC.
#include <filesystem>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/time/time.h"
#include "common/change_feed.h"
#include "common/change_feed_consumer.h"
#include "common/flags.h"
#include "common/grpc_user_directory.h"
#include "common/identity_feed.h"
#include "common/internal_auth.h"
#include "common/log.h"
#include "common/pagination.h"
#include "common/server.h"
#include "services/clusters/cluster_grpc.h"
#include "services/clusters/cluster_service.h"
#include "services/clusters/cluster_store.h"

ABSL_FLAG(std::string, listen_address, "127.0.0.1:50063",
          "host:port to serve on; port 0 picks a free port");
ABSL_FLAG(std::string, data_dir, "./var",
          "folder holding clusters.db; created if missing");
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
ABSL_FLAG(absl::Duration, runner_offline_after, absl::Seconds(60),
          "how long after its last heartbeat a runner counts as "
          "STATE_OFFLINE, such as 60s or 5m; must be positive");

int main(int argc, char** argv) {
  // Before gRPC starts any thread, so that every thread inherits the mask.
  ironorg::BlockTerminationSignals();
  ironorg::SetLogProcessName("clusters");
  ironorg::ParseFlags(argc, argv,
                      "the clusters service of ironorg");

  absl::StatusOr<ironorg::InternalCredential> credential =
      ironorg::LoadInternalCredential(
          absl::GetFlag(FLAGS_internal_secret_file));
  if (!credential.ok()) {
    IRONORG_LOG(ERROR) << "cannot start: " << credential.status().message();
    return 1;
  }

  ironorg::clusters::ClusterServiceOptions options;
  options.runner_offline_after = absl::GetFlag(FLAGS_runner_offline_after);
  if (options.runner_offline_after <= absl::ZeroDuration()) {
    IRONORG_LOG(ERROR) << "cannot start: --runner_offline_after must be "
                          "positive, got "
                       << absl::FormatDuration(options.runner_offline_after);
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
  absl::StatusOr<std::unique_ptr<ironorg::clusters::ClusterStore>> store =
      ironorg::clusters::ClusterStore::Open(data_dir);
  if (!store.ok()) {
    IRONORG_LOG(ERROR) << "cannot start: " << store.status().message();
    return 1;
  }

  ironorg::GrpcUserDirectory users(absl::GetFlag(FLAGS_identity_address),
                                   *credential);
  ironorg::clusters::ClusterService service(
      store->get(), &users,
      ironorg::pagination::PageTokenCodec(credential->DeriveKey("page-token")),
      options);
  ironorg::clusters::ClusterGrpcService cluster_grpc(&*credential, &service);
  ironorg::clusters::ClusterAccessGrpcService access_grpc(&*credential,
                                                          &service);
  ironorg::clusters::RunnerGrpcService runner_grpc(&*credential, &service);
  ironorg::clusters::InternalClusterAuthGrpcService internal_auth_grpc(
      &*credential, &service);
  ironorg::clusters::InternalClusterAccessGrpcService internal_access_grpc(
      &*credential, &service);

  ironorg::change_feed::OutboxFeed feed((*store)->database());
  ironorg::change_feed::ChangeFeedGrpcService feed_grpc(&feed, &*credential);

  ironorg::ServerConfig config;
  config.listen_address = absl::GetFlag(FLAGS_listen_address);
  config.ready_file = absl::GetFlag(FLAGS_ready_file);
  absl::StatusOr<std::unique_ptr<ironorg::RunningServer>> server =
      ironorg::RunningServer::Start(
          config, {&cluster_grpc, &access_grpc, &runner_grpc,
                   &internal_auth_grpc, &internal_access_grpc, &feed_grpc});
  if (!server.ok()) {
    IRONORG_LOG(ERROR) << "cannot start: " << server.status().message();
    return 1;
  }
  IRONORG_LOG(INFO) << "ironorg-clusters started on " << (*server)->address()
                    << " with data folder \"" << data_dir << "\", identity at "
                    << absl::GetFlag(FLAGS_identity_address)
                    << " and runners offline after "
                    << absl::FormatDuration(options.runner_offline_after);

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
  IRONORG_LOG(INFO) << "ironorg-clusters stopped";
  return 0;
}

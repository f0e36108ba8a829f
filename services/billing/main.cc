// ironorg-billing: serves the plan catalog, each organization's
// subscriptions and its billing account.
#include <filesystem>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/status/statusor.h"
#include "common/flags.h"
#include "common/internal_auth.h"
#include "common/log.h"
#include "common/pagination.h"
#include "common/server.h"
#include "common/time_util.h"
#include "services/billing/billing_grpc.h"
#include "services/billing/billing_service.h"
#include "services/billing/billing_store.h"
#include "services/billing/plan_catalog.h"

ABSL_FLAG(std::string, listen_address, "127.0.0.1:50064",
          "host:port to serve on; port 0 picks a free port");
ABSL_FLAG(std::string, data_dir, "./var",
          "folder holding billing.db; created if missing");
ABSL_FLAG(std::string, ready_file, "",
          "file to write the bound host:port to once serving");
ABSL_FLAG(std::string, internal_secret_file, "",
          "file holding the internal secret shared by all ironorg processes "
          "(at least 32 bytes); without it, IRONORG_INTERNAL_SECRET holds "
          "the secret");
ABSL_FLAG(std::string, plan_catalog_file, "",
          "text-format ironorg.billing.v1.PlanCatalog to serve; empty serves "
          "the built-in catalog");

namespace {

absl::StatusOr<ironorg::billing::PlanCatalog> LoadCatalog(
    const std::string& path) {
  if (path.empty()) {
    return ironorg::billing::PlanCatalog::Default();
  }
  return ironorg::billing::PlanCatalog::FromFile(path);
}

// Builds the service and serves until SIGINT or SIGTERM. Returns the exit
// code.
int Run() {
  absl::StatusOr<ironorg::InternalCredential> credential =
      ironorg::LoadInternalCredential(
          absl::GetFlag(FLAGS_internal_secret_file));
  if (!credential.ok()) {
    IRONORG_LOG(ERROR) << "cannot start: " << credential.status().message();
    return 1;
  }

  const std::string catalog_file = absl::GetFlag(FLAGS_plan_catalog_file);
  absl::StatusOr<ironorg::billing::PlanCatalog> catalog =
      LoadCatalog(catalog_file);
  if (!catalog.ok()) {
    IRONORG_LOG(ERROR) << "cannot start: " << catalog.status().message();
    return 1;
  }

  const std::string data_dir = absl::GetFlag(FLAGS_data_dir);
  std::error_code error;
  std::filesystem::create_directories(data_dir, error);
  if (error) {
    IRONORG_LOG(ERROR) << "cannot start: cannot create --data_dir \""
                       << data_dir << "\": " << error.message();
    return 1;
  }
  absl::StatusOr<std::unique_ptr<ironorg::billing::BillingStore>> store =
      ironorg::billing::BillingStore::Open(data_dir);
  if (!store.ok()) {
    IRONORG_LOG(ERROR) << "cannot start: " << store.status().message();
    return 1;
  }

  ironorg::billing::BillingService service(
      store->get(), &*catalog, &ironorg::NowMicros,
      ironorg::pagination::PageTokenCodec(credential->DeriveKey("page-token")));
  ironorg::billing::PlanGrpcService plans(&service, &*credential);
  ironorg::billing::SubscriptionGrpcService subscriptions(&service,
                                                          &*credential);
  ironorg::billing::BillingAccountGrpcService accounts(&service, &*credential);

  ironorg::ServerConfig config;
  config.listen_address = absl::GetFlag(FLAGS_listen_address);
  config.ready_file = absl::GetFlag(FLAGS_ready_file);
  absl::StatusOr<std::unique_ptr<ironorg::RunningServer>> server =
      ironorg::RunningServer::Start(config,
                                    {&plans, &subscriptions, &accounts});
  if (!server.ok()) {
    IRONORG_LOG(ERROR) << "cannot start: " << server.status().message();
    return 1;
  }
  IRONORG_LOG(INFO) << "ironorg-billing started on " << (*server)->address()
                    << " with data in \"" << data_dir << "\" and plan catalog "
                    << catalog->version() << " ("
                    << (catalog_file.empty() ? "built-in" : catalog_file)
                    << ", " << catalog->plans().size() << " plans)";

  const std::string signal = ironorg::WaitForTerminationSignal();
  IRONORG_LOG(INFO) << "received " << signal << "; shutting down";
  (*server)->Shutdown();
  IRONORG_LOG(INFO) << "ironorg-billing stopped";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // Before anything starts a thread, so that every thread inherits the
  // blocked signals and WaitForTerminationSignal receives them.
  ironorg::BlockTerminationSignals();
  ironorg::ParseFlags(argc, argv,
                      "plans, subscriptions and billing accounts of ironorg.\n"
                      "Usage: ironorg-billing [--flag=value ...]");
  ironorg::SetLogProcessName("billing");
  return Run();
}

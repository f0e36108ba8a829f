#include "common/server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/security/server_credentials.h>
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "grpc/health/v1/health.pb.h"

namespace ironorg {
namespace {

sigset_t TerminationSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  return signals;
}

absl::Status WriteReadyFile(const std::string& path,
                            const std::string& address) {
  // Written to a temporary file and renamed, so a reader polling for the
  // file never sees it half-written.
  const std::string temporary = absl::StrCat(path, ".tmp");
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << address << "\n";
    if (!out) {
      return absl::UnavailableError(
          absl::StrCat("cannot write ready file \"", temporary, "\""));
    }
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot rename ready file to \"", path, "\""));
  }
  return absl::OkStatus();
}

}  // namespace

void BlockTerminationSignals() {
  sigset_t signals = TerminationSignals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
}

std::string WaitForTerminationSignal() {
  sigset_t signals = TerminationSignals();
  int signal_number = 0;
  sigwait(&signals, &signal_number);
  return signal_number == SIGINT ? "SIGINT" : "SIGTERM";
}

absl::StatusOr<std::unique_ptr<RunningServer>> RunningServer::Start(
    const ServerConfig& config, const std::vector<grpc::Service*>& services,
    const std::function<void(grpc::ServerBuilder&)>& configure) {
  // The health proto's descriptor must be in the generated pool for
  // reflection to describe grpc.health.v1.Health; naming it here keeps the
  // linker from dropping it.
  (void)grpc::health::v1::HealthCheckRequest::descriptor();
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();

  grpc::ServerBuilder builder;
  int bound_port = 0;
  builder.AddListeningPort(config.listen_address,
                           grpc::InsecureServerCredentials(), &bound_port);
  for (grpc::Service* service : services) {
    builder.RegisterService(service);
  }
  if (configure) {
    configure(builder);
  }

  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || bound_port == 0) {
    return absl::UnavailableError(absl::StrCat(
        "cannot listen on \"", config.listen_address,
        "\"; is the address valid and the port free?"));
  }

  const size_t colon = config.listen_address.rfind(':');
  std::string address =
      absl::StrCat(config.listen_address.substr(0, colon), ":", bound_port);
  server->GetHealthCheckService()->SetServingStatus(true);

  if (!config.ready_file.empty()) {
    absl::Status written = WriteReadyFile(config.ready_file, address);
    if (!written.ok()) {
      server->Shutdown();
      return written;
    }
  }
  IRONORG_LOG(INFO) << "serving on " << address;
  return std::unique_ptr<RunningServer>(
      new RunningServer(std::move(server), std::move(address)));
}

void RunningServer::Shutdown() {
  server_->GetHealthCheckService()->SetServingStatus(false);
  server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
  IRONORG_LOG(INFO) << "stopped serving on " << address_;
}

}  // namespace ironorg

// ironorg-bench-echo: the baseline server of the benchmarks. It returns an
// empty response to ironorg.bench.v1.EchoService/Echo and serves
// health and reflection through common/server.h, so it has the same gRPC
// version, build flags, threading model (the synchronous server) and
// start-up as the ironorg binaries, and none of their work.
#include <memory>
#include <string>

#include "absl/flags/flag.h"
#include "common/flags.h"
#include "common/log.h"
#include "common/server.h"
#include "ironorg/bench/v1/echo.grpc.pb.h"

ABSL_FLAG(std::string, listen_address, "127.0.0.1:0",
          "host:port to serve on, loopback only; port 0 picks a free port");
ABSL_FLAG(std::string, ready_file, "",
          "file to write the bound address to once serving");

namespace {

class EchoGrpcService final : public ironorg::bench::v1::EchoService::Service {
 public:
  grpc::Status Echo(grpc::ServerContext* /*context*/,
                    const ironorg::bench::v1::EchoRequest* /*request*/,
                    ironorg::bench::v1::EchoResponse* /*response*/) override {
    return grpc::Status::OK;
  }
};

}  // namespace

int main(int argc, char** argv) {
  ironorg::BlockTerminationSignals();
  ironorg::ParseFlags(argc, argv,
                      "Serves the empty Echo call that benchmarks compare "
                      "the ironorg services with.");

  ironorg::ServerConfig config;
  config.listen_address = absl::GetFlag(FLAGS_listen_address);
  config.ready_file = absl::GetFlag(FLAGS_ready_file);
  // The baseline has no authentication, so it must not be reachable from
  // another host.
  if (!ironorg::IsLoopbackAddress(config.listen_address)) {
    IRONORG_LOG(ERROR) << "--listen_address must be a loopback address, got \""
                       << config.listen_address << "\"";
    return 1;
  }

  EchoGrpcService echo;
  absl::StatusOr<std::unique_ptr<ironorg::RunningServer>> server =
      ironorg::RunningServer::Start(config, {&echo});
  if (!server.ok()) {
    IRONORG_LOG(ERROR) << "cannot start the echo server: " << server.status();
    return 1;
  }
  IRONORG_LOG(INFO) << "ironorg-bench-echo serving on " << (*server)->address();

  const std::string signal = ironorg::WaitForTerminationSignal();
  IRONORG_LOG(INFO) << "received " << signal << ", stopping";
  (*server)->Shutdown();
  return 0;
}

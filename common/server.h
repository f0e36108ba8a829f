// Start-up and shutdown shared by every ironorg binary: a gRPC server with
// the standard health service and server reflection, bound to the
// configured address, stopped cleanly on SIGINT or SIGTERM.
#ifndef IRONORG_COMMON_SERVER_H_
#define IRONORG_COMMON_SERVER_H_

#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace ironorg {

struct ServerConfig {
  // The host:port to listen on; port 0 picks a free port.
  std::string listen_address;

  // When set, the bound address (such as 127.0.0.1:43117) is written to
  // this file once the server is serving, so that a test or script that
  // asked for port 0 can learn the port.
  std::string ready_file;
};

// Blocks SIGINT and SIGTERM in the calling thread and every thread it
// starts later. Call it first in main, before gRPC starts any thread, so
// that WaitForTerminationSignal receives them.
void BlockTerminationSignals();

// Waits for SIGINT or SIGTERM and returns its name.
std::string WaitForTerminationSignal();

// A started server.
class RunningServer final {
 public:
  // Builds and starts a server on `config.listen_address` serving
  // `services`, the health service (reporting SERVING) and reflection.
  // `configure`, when set, may adjust the builder before start.
  // Returns UNAVAILABLE if the address cannot be bound.
  static absl::StatusOr<std::unique_ptr<RunningServer>> Start(
      const ServerConfig& config, const std::vector<grpc::Service*>& services,
      const std::function<void(grpc::ServerBuilder&)>& configure = {});

  // The address actually bound, with the chosen port.
  const std::string& address() const { return address_; }

  grpc::Server* server() { return server_.get(); }

  // Reports NOT_SERVING, lets calls in flight finish for up to 5 seconds,
  // then stops.
  void Shutdown();

 private:
  RunningServer(std::unique_ptr<grpc::Server> server, std::string address)
      : server_(std::move(server)), address_(std::move(address)) {}

  std::unique_ptr<grpc::Server> server_;
  std::string address_;
};

}  // namespace ironorg

#endif  // IRONORG_COMMON_SERVER_H_

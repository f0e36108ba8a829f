// Start-up and shutdown shared by every ironorg binary: a gRPC server with
// the standard health service and server reflection, bound to the
// configured address over plaintext or TLS, stopped cleanly on SIGINT or
// SIGTERM.
#ifndef IRONORG_COMMON_SERVER_H_
#define IRONORG_COMMON_SERVER_H_

#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace ironorg {

struct ServerConfig {
  // The host:port to listen on; port 0 picks a free port.
  std::string listen_address;

  // When set, the bound address (such as 127.0.0.1:43117) is written to
  // this file once the server is serving, so that a test or script that
  // asked for port 0 can learn the port.
  std::string ready_file;

  // PEM files holding the server's certificate chain and its private key.
  // With both set the server serves TLS, and with neither it serves
  // plaintext. The files are read once, at start.
  std::string tls_cert_file;
  std::string tls_key_file;

  // The maximum size in bytes of one message received or sent. A larger
  // message fails its call with RESOURCE_EXHAUSTED. 0 keeps gRPC's
  // defaults, which are 4 MiB received and no limit on sent messages.
  int max_message_bytes = 0;
};

// Returns true if the host part of `address` ("host:port") is a loopback
// address: an IPv4 address in 127.0.0.0/8, [::1], or "localhost" in any
// letter case. Every other host, including the wildcards 0.0.0.0 and [::],
// an empty host and names that need a resolver, is treated as not loopback.
bool IsLoopbackAddress(absl::string_view address);

// Returns the credentials to listen with: TLS from the config's
// certificate and key files when both are set, plaintext when neither is.
// Returns INVALID_ARGUMENT when only one of the two is set, and
// FAILED_PRECONDITION when a file cannot be read or is empty. Messages
// name the two fields as the flags --tls_cert_file and --tls_key_file.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> ListeningCredentials(
    const ServerConfig& config);

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
  // `services`, the health service (reporting SERVING) and reflection,
  // with the credentials of ListeningCredentials(config) and its message
  // size limit. `configure`, when set, may adjust the builder before start.
  // Returns the errors of ListeningCredentials before binding anything,
  // and UNAVAILABLE if the address cannot be bound or, with TLS, the
  // certificate and key are not a valid pair.
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

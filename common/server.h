// Start-up and shutdown shared by every ironorg binary: a gRPC server with
// the standard health service and server reflection, bound to the
// configured address over plaintext or TLS, with call metrics and an admin
// HTTP port (common/admin_http.h), stopped cleanly on SIGINT or SIGTERM.
#ifndef IRONORG_COMMON_SERVER_H_
#define IRONORG_COMMON_SERVER_H_

#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/admin_http.h"

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

  // The admin HTTP server's host:port, "off" for none, or empty for the
  // default of ResolveAdminAddress: loopback on the gRPC port + 1000, or a
  // free port when the gRPC port is 0. Unset takes the --admin_address
  // flag, so that every binary has the flag without wiring it.
  std::optional<std::string> admin_address;
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
  // size limit. Every call is counted in metrics::Registry::Default()
  // (common/grpc_metrics.h). Then starts the admin HTTP server, which
  // serves that registry, unless the admin address is "off". `configure`,
  // when set, may adjust the builder before start, but must not replace
  // its interceptor creators.
  //
  // With a ready file, writes the admin server's bound address (or "off")
  // to `<ready_file>.admin` before the ready file itself, so a reader that
  // sees the ready file finds both.
  //
  // Returns the errors of ListeningCredentials and ResolveAdminAddress
  // before binding anything. Returns UNAVAILABLE if the address cannot be
  // bound or, with TLS, the certificate and key are not a valid pair.
  // Returns UNAVAILABLE naming --admin_address if the admin address cannot
  // be bound, after stopping the gRPC server again.
  static absl::StatusOr<std::unique_ptr<RunningServer>> Start(
      const ServerConfig& config, const std::vector<grpc::Service*>& services,
      const std::function<void(grpc::ServerBuilder&)>& configure = {});

  // The address actually bound, with the chosen port.
  const std::string& address() const { return address_; }

  // The admin HTTP server's bound address, or an empty string when it is
  // off.
  std::string admin_address() const {
    return admin_ == nullptr ? std::string() : admin_->address();
  }

  grpc::Server* server() { return server_.get(); }

  // Reports NOT_SERVING on the health service and 503 on /healthz, lets
  // calls in flight finish for up to 5 seconds, then stops the gRPC server
  // and the admin server.
  void Shutdown();

 private:
  RunningServer(std::unique_ptr<grpc::Server> server, std::string address,
                std::unique_ptr<AdminHttpServer> admin)
      : server_(std::move(server)),
        address_(std::move(address)),
        admin_(std::move(admin)) {}

  std::unique_ptr<grpc::Server> server_;
  std::string address_;
  // Null when the admin port is off.
  std::unique_ptr<AdminHttpServer> admin_;
};

}  // namespace ironorg

#endif  // IRONORG_COMMON_SERVER_H_

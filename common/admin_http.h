// The admin HTTP port of every ironorg process, served with cpp-httplib.
//
//   GET /metrics  the metrics registry in the Prometheus text format 0.0.4
//   GET /healthz  200 "ok" while the process serves, 503 once it stops
//
// The port serves plaintext HTTP without authentication. So by default it
// listens on loopback only (see ResolveAdminAddress).
#ifndef IRONORG_COMMON_ADMIN_HTTP_H_
#define IRONORG_COMMON_ADMIN_HTTP_H_

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/metrics.h"

namespace httplib {
class Server;
}  // namespace httplib

namespace ironorg {

// The value of an admin address that turns the admin port off.
inline constexpr absl::string_view kAdminAddressOff = "off";

// Returns the host:port the admin server of a gRPC server should bind, or
// an empty string when `admin_address` is "off". `grpc_listen_address`
// is the address the gRPC server was asked to listen on, before binding.
// - An empty `admin_address` picks the default: the gRPC host when it is a
//   loopback address and 127.0.0.1 otherwise, on the gRPC port + 1000
//   (127.0.0.1:51051 for 127.0.0.1:50051), or port 0 (a free port) when
//   the gRPC port is 0.
// - Otherwise `admin_address` must be host:port with a port from 0 to
//   65535, and its host a loopback address unless the gRPC host is not
//   one: a process whose gRPC port is reachable only from its own machine
//   keeps its unauthenticated admin port there too, while one that
//   listens on all interfaces, as in a container, may expose both.
// Returns INVALID_ARGUMENT naming --admin_address when the address does
// not parse, is not loopback when it must be, or when the default port
// would exceed 65535.
absl::StatusOr<std::string> ResolveAdminAddress(
    absl::string_view admin_address, absl::string_view grpc_listen_address);

// A running admin HTTP server.
//
// Thread-safe: SetServing may be called from any thread while requests
// are served.
class AdminHttpServer final {
 public:
  // Binds `address` (host:port; port 0 picks a free port), serves
  // /metrics from `registry` and /healthz on a background thread. Returns
  // once the socket listens, so connections made after it are served.
  // /healthz starts as serving.
  // Returns INVALID_ARGUMENT when `address` has no port, and UNAVAILABLE
  // naming the address when it cannot be bound, as when another process
  // listens on it.
  // REQUIRES: `registry` outlives the server.
  static absl::StatusOr<std::unique_ptr<AdminHttpServer>> Start(
      const std::string& address, const metrics::Registry* registry);

  // Stops the server if Stop was not called.
  ~AdminHttpServer();

  AdminHttpServer(const AdminHttpServer&) = delete;
  AdminHttpServer& operator=(const AdminHttpServer&) = delete;

  // The bound address, with the chosen port, such as 127.0.0.1:43117.
  const std::string& address() const { return address_; }

  // Selects the /healthz response: 200 "ok" when true, 503 when false.
  void SetServing(bool serving) { serving_ = serving; }

  // Closes the listening socket, finishes the requests in flight and
  // joins the threads. Safe to call more than once.
  void Stop();

 private:
  AdminHttpServer(std::unique_ptr<httplib::Server> server, std::string address);

  std::unique_ptr<httplib::Server> server_;
  std::string address_;
  std::atomic<bool> serving_{true};
  // Set by the thread once cpp-httplib's listening loop has returned.
  std::atomic<bool> listen_returned_{false};
  std::thread thread_;
};

}  // namespace ironorg

#endif  // IRONORG_COMMON_ADMIN_HTTP_H_

#include "common/admin_http.h"

#include <httplib.h>
#include <sys/socket.h>

#include <chrono>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/server.h"

namespace ironorg {
namespace {

// The default admin port is the gRPC port plus this offset.
constexpr int kDefaultAdminPortOffset = 1000;

// Worker threads per admin server. A scrape takes milliseconds, and a
// keep-alive connection occupies its worker for at most 5 seconds of idle
// time (cpp-httplib's default), so a few suffice.
constexpr size_t kAdminThreads = 4;

// "host:port" or "[v6 host]:port", split. The host keeps its brackets.
struct HostPort {
  std::string host;
  int port = 0;
};

absl::StatusOr<HostPort> SplitHostPort(absl::string_view address,
                                       absl::string_view flag) {
  const size_t colon = address.rfind(':');
  const bool bracketed = absl::StartsWith(address, "[");
  int port = -1;
  if (colon == absl::string_view::npos ||
      (bracketed && address[colon - 1] != ']') ||
      !absl::SimpleAtoi(address.substr(colon + 1), &port) || port < 0 ||
      port > 65535 || colon == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid --", flag, " \"", address,
                     "\": use host:port with a port from 0 to 65535, such as "
                     "127.0.0.1:51051, or ",
                     kAdminAddressOff, " to serve no admin port"));
  }
  return HostPort{std::string(address.substr(0, colon)), port};
}

// Returns `host` without the brackets of an IPv6 literal, as
// getaddrinfo expects it.
std::string BareHost(const std::string& host) {
  if (absl::StartsWith(host, "[") && absl::EndsWith(host, "]")) {
    return host.substr(1, host.size() - 2);
  }
  return host;
}

// cpp-httplib 0.11 sets SO_REUSEPORT on its listening socket, which would
// let a second process bind the same admin port and take part of its
// connections. SO_REUSEADDR alone still allows a quick restart.
void SetListeningSocketOptions(int socket) {
  int yes = 1;
  setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
}

}  // namespace

absl::StatusOr<std::string> ResolveAdminAddress(
    absl::string_view admin_address, absl::string_view grpc_listen_address) {
  if (admin_address == kAdminAddressOff) {
    return std::string();
  }

  absl::StatusOr<HostPort> grpc =
      SplitHostPort(grpc_listen_address, "listen_address");
  if (!grpc.ok()) {
    return grpc.status();
  }
  const bool grpc_on_loopback = IsLoopbackAddress(grpc_listen_address);

  if (admin_address.empty()) {
    const std::string host = grpc_on_loopback ? grpc->host : "127.0.0.1";
    if (grpc->port == 0) {
      return absl::StrCat(host, ":0");
    }
    const int port = grpc->port + kDefaultAdminPortOffset;
    if (port > 65535) {
      return absl::InvalidArgumentError(absl::StrCat(
          "the default --admin_address would use port ", port,
          " (the gRPC port ", grpc->port, " + ", kDefaultAdminPortOffset,
          "), above 65535; set --admin_address to a host:port, or ",
          kAdminAddressOff));
    }
    return absl::StrCat(host, ":", port);
  }

  absl::StatusOr<HostPort> admin =
      SplitHostPort(admin_address, "admin_address");
  if (!admin.ok()) {
    return admin.status();
  }
  if (grpc_on_loopback && !IsLoopbackAddress(admin_address)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--admin_address \"", admin_address,
        "\" is not a loopback address, but the gRPC server listens on "
        "loopback (\"",
        grpc_listen_address,
        "\"); the admin port has no authentication, so it may leave the "
        "machine only when the gRPC port does. Use a loopback address such "
        "as 127.0.0.1:",
        admin->port, ", or ", kAdminAddressOff));
  }
  return std::string(admin_address);
}

AdminHttpServer::AdminHttpServer(std::unique_ptr<httplib::Server> server,
                                 std::string address)
    : server_(std::move(server)), address_(std::move(address)) {}

AdminHttpServer::~AdminHttpServer() { Stop(); }

absl::StatusOr<std::unique_ptr<AdminHttpServer>> AdminHttpServer::Start(
    const std::string& address, const metrics::Registry* registry) {
  absl::StatusOr<HostPort> host_port = SplitHostPort(address, "admin_address");
  if (!host_port.ok()) {
    return host_port.status();
  }

  std::unique_ptr<AdminHttpServer> admin(
      new AdminHttpServer(std::make_unique<httplib::Server>(), address));
  httplib::Server& server = *admin->server_;
  server.new_task_queue = [] { return new httplib::ThreadPool(kAdminThreads); };
  server.set_socket_options(SetListeningSocketOptions);

  server.Get("/metrics", [registry](const httplib::Request&,
                                    httplib::Response& response) {
    response.set_content(registry->Render(), metrics::kTextContentType);
  });
  AdminHttpServer* const self = admin.get();
  server.Get(
      "/healthz", [self](const httplib::Request&, httplib::Response& response) {
        if (self->serving_) {
          response.set_content("ok\n", "text/plain; charset=utf-8");
        } else {
          response.status = 503;
          response.set_content("shutting down\n", "text/plain; charset=utf-8");
        }
      });

  const std::string bind_host = BareHost(host_port->host);
  int port = host_port->port;
  if (port == 0) {
    port = server.bind_to_any_port(bind_host);
  } else if (!server.bind_to_port(bind_host, port)) {
    port = -1;
  }
  if (port <= 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on admin address \"", address,
                     "\"; is the host a local address and the port free?"));
  }
  admin->address_ = absl::StrCat(host_port->host, ":", port);

  // The socket already listens, so connections queue from here on, even
  // before the thread starts accepting them.
  admin->thread_ = std::thread([self, &server] {
    server.listen_after_bind();
    self->listen_returned_ = true;
  });
  return admin;
}

void AdminHttpServer::Stop() {
  serving_ = false;
  if (!thread_.joinable()) {
    return;
  }
  // cpp-httplib 0.11's stop() does nothing until the listening loop has
  // started, so it is repeated until the loop has returned.
  while (!listen_returned_) {
    server_->stop();
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  thread_.join();
}

}  // namespace ironorg

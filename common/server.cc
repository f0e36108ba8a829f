#include "common/server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/security/server_credentials.h>
#include <arpa/inet.h>
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "absl/flags/flag.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/grpc_metrics.h"
#include "common/log.h"
#include "common/metrics.h"
#include "grpc/health/v1/health.pb.h"

ABSL_FLAG(std::string, admin_address, "",
          "host:port of the admin HTTP server, which serves Prometheus "
          "metrics on /metrics and liveness on /healthz; empty for loopback "
          "on the gRPC port + 1000 (a free port when the gRPC port is 0), "
          "off for none. It must be a loopback address unless "
          "--listen_address is not one");

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
  // file never reads it half-written.
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

// Reads a whole PEM file named by the flag `flag`. Its contents are never
// logged: one of them is a private key.
absl::StatusOr<std::string> ReadPemFile(absl::string_view flag,
                                        const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    return absl::FailedPreconditionError(absl::StrCat(
        "cannot read --", flag, " \"", path, "\"; it must name a PEM file"));
  }
  std::stringstream contents;
  contents << in.rdbuf();
  if (contents.str().empty()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "--", flag, " \"", path, "\" is empty; it must name a PEM file"));
  }
  return contents.str();
}

// Returns the host of "host:port", "[host]:port" or a bare host.
absl::string_view HostOf(absl::string_view address) {
  if (absl::StartsWith(address, "[")) {
    const size_t end = address.find(']');
    return end == absl::string_view::npos ? absl::string_view()
                                          : address.substr(1, end - 1);
  }
  const size_t colon = address.rfind(':');
  return colon == absl::string_view::npos ? address
                                          : address.substr(0, colon);
}

}  // namespace

bool IsLoopbackAddress(absl::string_view address) {
  const std::string host(HostOf(address));
  if (absl::EqualsIgnoreCase(host, "localhost")) {
    return true;
  }
  in_addr ipv4{};
  if (inet_pton(AF_INET, host.c_str(), &ipv4) == 1) {
    return (ntohl(ipv4.s_addr) >> 24) == 127;
  }
  in6_addr ipv6{};
  if (inet_pton(AF_INET6, host.c_str(), &ipv6) == 1) {
    return IN6_IS_ADDR_LOOPBACK(&ipv6);
  }
  return false;
}

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> ListeningCredentials(
    const ServerConfig& config) {
  const bool has_cert = !config.tls_cert_file.empty();
  const bool has_key = !config.tls_key_file.empty();
  if (!has_cert && !has_key) {
    return grpc::InsecureServerCredentials();
  }
  if (has_cert != has_key) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--tls_cert_file and --tls_key_file must be set together, got only ",
        has_cert ? "--tls_cert_file" : "--tls_key_file",
        "; set both to serve TLS, or neither to serve plaintext"));
  }

  absl::StatusOr<std::string> cert =
      ReadPemFile("tls_cert_file", config.tls_cert_file);
  if (!cert.ok()) {
    return cert.status();
  }
  absl::StatusOr<std::string> key =
      ReadPemFile("tls_key_file", config.tls_key_file);
  if (!key.ok()) {
    return key.status();
  }
  grpc::SslServerCredentialsOptions options;
  options.pem_key_cert_pairs.push_back({*std::move(key), *std::move(cert)});
  return grpc::SslServerCredentials(options);
}

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

  absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> credentials =
      ListeningCredentials(config);
  if (!credentials.ok()) {
    return credentials.status();
  }
  const bool tls = !config.tls_cert_file.empty();
  absl::StatusOr<std::string> admin_address = ResolveAdminAddress(
      config.admin_address.value_or(absl::GetFlag(FLAGS_admin_address)),
      config.listen_address);
  if (!admin_address.ok()) {
    return admin_address.status();
  }

  grpc::ServerBuilder builder;
  int bound_port = 0;
  builder.AddListeningPort(config.listen_address, *credentials, &bound_port);
  // gRPC sets SO_REUSEPORT on Linux by default, which would let a second
  // process bind the same port and take part of its connections.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  if (config.max_message_bytes > 0) {
    builder.SetMaxReceiveMessageSize(config.max_message_bytes);
    builder.SetMaxSendMessageSize(config.max_message_bytes);
  }
  for (grpc::Service* service : services) {
    builder.RegisterService(service);
  }
  std::vector<
      std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
      interceptors;
  interceptors.push_back(
      NewCallMetricsInterceptorFactory(&metrics::Registry::Default()));
  builder.experimental().SetInterceptorCreators(std::move(interceptors));
  if (configure) {
    configure(builder);
  }

  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || bound_port == 0) {
    return absl::UnavailableError(absl::StrCat(
        "cannot listen on \"", config.listen_address,
        "\"; is the address valid and the port free?",
        tls ? " Are --tls_cert_file and --tls_key_file a matching PEM "
              "certificate and private key?"
            : ""));
  }

  const size_t colon = config.listen_address.rfind(':');
  std::string address =
      absl::StrCat(config.listen_address.substr(0, colon), ":", bound_port);

  std::unique_ptr<AdminHttpServer> admin;
  if (!admin_address->empty()) {
    absl::StatusOr<std::unique_ptr<AdminHttpServer>> started =
        AdminHttpServer::Start(*admin_address, &metrics::Registry::Default());
    if (!started.ok()) {
      server->Shutdown();
      return absl::UnavailableError(absl::StrCat(
          started.status().message(),
          " Set --admin_address (IRONORG_ADMIN_ADDRESS) to a free "
          "host:port, or off."));
    }
    admin = *std::move(started);
  }
  server->GetHealthCheckService()->SetServingStatus(true);

  if (!config.ready_file.empty()) {
    // The admin file comes first, so that a reader that sees the ready
    // file also finds the admin file.
    absl::Status written = WriteReadyFile(
        absl::StrCat(config.ready_file, ".admin"),
        admin == nullptr ? std::string(kAdminAddressOff) : admin->address());
    if (written.ok()) {
      written = WriteReadyFile(config.ready_file, address);
    }
    if (!written.ok()) {
      server->Shutdown();
      return written;
    }
  }
  IRONORG_LOG(INFO) << "serving on " << address
                    << (tls ? " with TLS" : " in plaintext");
  if (admin != nullptr) {
    IRONORG_LOG(INFO) << "serving /metrics and /healthz on http://"
                      << admin->address();
  } else {
    IRONORG_LOG(INFO) << "admin HTTP server is off";
  }
  return std::unique_ptr<RunningServer>(new RunningServer(
      std::move(server), std::move(address), std::move(admin)));
}

void RunningServer::Shutdown() {
  if (admin_ != nullptr) {
    admin_->SetServing(false);
  }
  server_->GetHealthCheckService()->SetServingStatus(false);
  server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
  if (admin_ != nullptr) {
    admin_->Stop();
  }
  IRONORG_LOG(INFO) << "stopped serving on " << address_;
}

}  // namespace ironorg

// ironorg-gateway: authenticates callers, applies the permission table and
// forwards each call to the service that owns it.
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "absl/flags/flag.h"
#include "absl/strings/ascii.h"
#include "absl/time/time.h"
#include "common/flags.h"
#include "common/log.h"
#include "common/server.h"
#include "services/gateway/gateway.h"
#include "services/gateway/listen_security.h"

ABSL_FLAG(std::string, listen_address, "127.0.0.1:50051",
          "host:port to serve on; port 0 picks a free port");
ABSL_FLAG(std::string, ready_file, "",
          "file to write the bound address to once serving");
ABSL_FLAG(std::string, data_dir, "",
          "accepted for symmetry with the other binaries; the gateway "
          "stores no data");
ABSL_FLAG(std::string, internal_secret_file, "",
          "file holding the internal secret shared by all ironorg processes "
          "(at least 32 bytes); without it, IRONORG_INTERNAL_SECRET holds "
          "the secret");
ABSL_FLAG(std::string, identity_address, "127.0.0.1:50061",
          "host:port of ironorg-identity");
ABSL_FLAG(std::string, projects_address, "127.0.0.1:50062",
          "host:port of ironorg-projects");
ABSL_FLAG(std::string, clusters_address, "127.0.0.1:50063",
          "host:port of ironorg-clusters");
ABSL_FLAG(std::string, billing_address, "127.0.0.1:50064",
          "host:port of ironorg-billing");
ABSL_FLAG(std::string, operator_token_file, "",
          "file holding the platform operator's token; without it, "
          "IRONORG_OPERATOR_TOKEN holds the token");
ABSL_FLAG(std::string, tls_cert_file, "",
          "PEM file holding the certificate chain the public port serves "
          "TLS with; set together with --tls_key_file. Without both, the "
          "port serves plaintext");
ABSL_FLAG(std::string, tls_key_file, "",
          "PEM file holding the private key of --tls_cert_file");
ABSL_FLAG(bool, allow_plaintext_on_non_loopback, false,
          "serve plaintext on a --listen_address that is not loopback, as "
          "behind a proxy that terminates TLS; without TLS and without this "
          "flag, the gateway serves only on 127.0.0.0/8, [::1] or localhost");
ABSL_FLAG(int, max_message_bytes, ironorg::gateway::kDefaultMaxMessageBytes,
          "maximum size in bytes of one request or response, on the public "
          "port and on the channels to the services; a larger message fails "
          "its call with RESOURCE_EXHAUSTED");
ABSL_FLAG(absl::Duration, max_call_timeout, absl::Seconds(30),
          "the longest deadline a call through the gateway gets, such as "
          "30s; a caller's shorter deadline is kept");
ABSL_FLAG(int, cache_max_entries, 10000,
          "maximum number of cached token introspections, and separately of "
          "cached grant checks, each table evicting its least recently used "
          "entry; 0 disables the cache and the following of change feeds");
ABSL_FLAG(absl::Duration, cache_ttl, absl::Seconds(60),
          "the longest time a cached token or grant check is used, such as "
          "60s; a token's own earlier expiry is kept");
ABSL_FLAG(absl::Duration, cache_staleness_bound, absl::Seconds(1),
          "how long after a change committed in identity, projects or "
          "clusters this gateway may still use an entry it makes stale, such "
          "as 1s; a change feed not read within this time makes every call "
          "bypass the cache");

namespace {

// Reads the operator token from `path`, or from IRONORG_OPERATOR_TOKEN when
// `path` is empty. Returns false when the file cannot be read.
bool LoadOperatorToken(const std::string& path, std::string* token) {
  if (path.empty()) {
    const char* value = std::getenv("IRONORG_OPERATOR_TOKEN");
    *token = value == nullptr ? "" : value;
    return true;
  }
  std::ifstream in(path);
  if (!in) {
    return false;
  }
  std::stringstream contents;
  contents << in.rdbuf();
  *token = std::string(absl::StripAsciiWhitespace(contents.str()));
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  ironorg::BlockTerminationSignals();
  ironorg::SetLogProcessName("gateway");
  ironorg::ParseFlags(argc, argv,
                      "the public entry point of ironorg");

  ironorg::ServerConfig config;
  config.listen_address = absl::GetFlag(FLAGS_listen_address);
  config.ready_file = absl::GetFlag(FLAGS_ready_file);
  config.tls_cert_file = absl::GetFlag(FLAGS_tls_cert_file);
  config.tls_key_file = absl::GetFlag(FLAGS_tls_key_file);
  config.max_message_bytes = absl::GetFlag(FLAGS_max_message_bytes);
  if (config.max_message_bytes <= 0) {
    IRONORG_LOG(ERROR) << "--max_message_bytes must be positive, got "
                       << config.max_message_bytes;
    return 1;
  }
  absl::Status listen_security = ironorg::gateway::CheckListenSecurity(
      config, absl::GetFlag(FLAGS_allow_plaintext_on_non_loopback));
  if (!listen_security.ok()) {
    IRONORG_LOG(ERROR) << listen_security.message();
    return 1;
  }

  absl::StatusOr<ironorg::InternalCredential> credential =
      ironorg::LoadInternalCredential(
          absl::GetFlag(FLAGS_internal_secret_file));
  if (!credential.ok()) {
    IRONORG_LOG(ERROR) << credential.status().message();
    return 1;
  }

  ironorg::gateway::GatewayOptions options;
  options.addresses.identity = absl::GetFlag(FLAGS_identity_address);
  options.addresses.projects = absl::GetFlag(FLAGS_projects_address);
  options.addresses.clusters = absl::GetFlag(FLAGS_clusters_address);
  options.addresses.billing = absl::GetFlag(FLAGS_billing_address);
  options.max_call_timeout = absl::GetFlag(FLAGS_max_call_timeout);
  options.max_message_bytes = config.max_message_bytes;
  if (options.max_call_timeout <= absl::ZeroDuration()) {
    IRONORG_LOG(ERROR) << "--max_call_timeout must be positive, got "
                       << absl::FormatDuration(options.max_call_timeout);
    return 1;
  }
  options.cache.max_entries = absl::GetFlag(FLAGS_cache_max_entries);
  options.cache.ttl = absl::GetFlag(FLAGS_cache_ttl);
  options.cache.staleness_bound = absl::GetFlag(FLAGS_cache_staleness_bound);
  if (options.cache.max_entries < 0) {
    IRONORG_LOG(ERROR) << "--cache_max_entries must be 0 or more, got "
                       << options.cache.max_entries;
    return 1;
  }
  if (options.cache.ttl <= absl::ZeroDuration()) {
    IRONORG_LOG(ERROR) << "--cache_ttl must be positive, got "
                       << absl::FormatDuration(options.cache.ttl);
    return 1;
  }
  if (options.cache.staleness_bound <= absl::ZeroDuration()) {
    IRONORG_LOG(ERROR) << "--cache_staleness_bound must be positive, got "
                       << absl::FormatDuration(options.cache.staleness_bound);
    return 1;
  }
  const std::string operator_token_file =
      absl::GetFlag(FLAGS_operator_token_file);
  if (!LoadOperatorToken(operator_token_file, &options.operator_token)) {
    IRONORG_LOG(ERROR) << "cannot read the operator token file \""
                       << operator_token_file << "\"";
    return 1;
  }
  if (options.operator_token.empty()) {
    IRONORG_LOG(WARNING)
        << "no operator token configured (--operator_token_file or "
           "IRONORG_OPERATOR_TOKEN), so CreateOrganization is unavailable: "
           "such calls get PERMISSION_DENIED";
  }

  ironorg::gateway::Gateway gateway(std::move(options), *std::move(credential));

  absl::StatusOr<std::unique_ptr<ironorg::RunningServer>> server =
      ironorg::RunningServer::Start(config, gateway.services());
  if (!server.ok()) {
    IRONORG_LOG(ERROR) << server.status().message();
    return 1;
  }

  const std::string signal = ironorg::WaitForTerminationSignal();
  IRONORG_LOG(INFO) << "received " << signal << ", shutting down";
  (*server)->Shutdown();
  IRONORG_LOG(INFO) << "ironorg-gateway stopped";
  return 0;
}

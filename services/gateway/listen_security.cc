#include "services/gateway/listen_security.h"

#include "absl/strings/str_cat.h"
#include "common/log.h"

namespace ironorg::gateway {

absl::Status CheckListenSecurity(const ServerConfig& config,
                                 bool allow_plaintext_on_non_loopback) {
  if (!config.tls_cert_file.empty() || !config.tls_key_file.empty()) {
    return absl::OkStatus();
  }
  if (IsLoopbackAddress(config.listen_address)) {
    return absl::OkStatus();
  }

  // Callers send bearer tokens and passwords to this port, so plaintext
  // beyond loopback needs the operator's explicit choice.
  if (allow_plaintext_on_non_loopback) {
    IRONORG_LOG(WARNING) << "serving plaintext on the non-loopback address \""
                         << config.listen_address
                         << "\" because --allow_plaintext_on_non_loopback "
                            "is set; tokens and passwords cross the network "
                            "unencrypted unless a proxy in front adds TLS";
    return absl::OkStatus();
  }
  return absl::FailedPreconditionError(absl::StrCat(
      "the gateway does not serve plaintext on the non-loopback address \"",
      config.listen_address,
      "\". Set --tls_cert_file and --tls_key_file to serve TLS, or set "
      "--allow_plaintext_on_non_loopback when a proxy in front of the "
      "gateway terminates TLS"));
}

}  // namespace ironorg::gateway

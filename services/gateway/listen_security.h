// The gateway's rule for plaintext on its public port: without TLS it
// serves only on a loopback address, unless the operator allows plaintext
// elsewhere, as when a proxy in front of the gateway terminates TLS.
#ifndef IRONORG_SERVICES_GATEWAY_LISTEN_SECURITY_H_
#define IRONORG_SERVICES_GATEWAY_LISTEN_SECURITY_H_

#include "absl/status/status.h"
#include "common/server.h"

namespace ironorg::gateway {

// Checks that `config` may be served. A config that sets either TLS file
// passes, because RunningServer::Start then serves TLS or rejects a file
// set without the other. A plaintext config passes on a loopback address
// (IsLoopbackAddress). On any other address it fails with
// FAILED_PRECONDITION naming both ways out, unless
// `allow_plaintext_on_non_loopback` is true, which logs a WARNING instead.
absl::Status CheckListenSecurity(const ServerConfig& config,
                                 bool allow_plaintext_on_non_loopback);

}  // namespace ironorg::gateway

#endif  // IRONORG_SERVICES_GATEWAY_LISTEN_SECURITY_H_

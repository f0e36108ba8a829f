// Command-line flags with environment fallbacks, and the settings every
// binary shares.
#ifndef IRONORG_COMMON_FLAGS_H_
#define IRONORG_COMMON_FLAGS_H_

#include <string>
#include "absl/strings/string_view.h"

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/internal_auth.h"

namespace ironorg {

// Parses the command line. Before that, every flag `--name` that the
// command line does not set takes its value from the environment variable
// IRONORG_NAME (upper case), when present. So the command line wins over
// the environment, and the environment over the built-in default.
// Exits with status 2 and a message naming the variable or flag if an
// environment value or --log_format does not parse.
//
// Then applies the flags that every binary shares:
// - --log_format=text|json selects the log line format (common/log.h).
// - --health_probe=HOST:PORT turns the run into a health check: it calls
//   grpc.health.v1.Health/Check on that address in plaintext, prints the
//   result to standard output and exits 0 when the server reports SERVING,
//   1 otherwise, without starting a server. Container health checks and
//   operators use it, because the images ship no grpc_health_probe.
void ParseFlags(int argc, char** argv, absl::string_view usage);

// Calls grpc.health.v1.Health/Check for the whole server (the empty
// service name) at `address` over a plaintext channel, waiting at most
// `timeout`. Returns the serving status the server reports, by its name in
// the health proto ("SERVING", "NOT_SERVING"). Returns the gRPC error of
// the call when it fails, such as UNAVAILABLE when nothing listens or
// DEADLINE_EXCEEDED when the server does not respond in time.
absl::StatusOr<std::string> CheckHealth(const std::string& address,
                                        absl::Duration timeout);

// Loads the internal secret shared by all ironorg processes: the contents
// of `secret_file` when set (trailing whitespace dropped), otherwise the
// IRONORG_INTERNAL_SECRET environment variable. Returns
// FAILED_PRECONDITION naming both when neither is set.
absl::StatusOr<InternalCredential> LoadInternalCredential(
    const std::string& secret_file);

}  // namespace ironorg

#endif  // IRONORG_COMMON_FLAGS_H_

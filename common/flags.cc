#include "common/flags.h"

#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/reflection.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/grpc_status.h"
#include "common/log.h"
#include "grpc/health/v1/health.grpc.pb.h"

ABSL_FLAG(std::string, log_format, "text",
          "log line format on standard error: text (one readable line per "
          "message) or json (one JSON object per line with time, level, "
          "process, source file:line and message)");
ABSL_FLAG(std::string, health_probe, "",
          "host:port of a running ironorg server; when set, call its "
          "grpc.health.v1.Health/Check in plaintext, print the result, and "
          "exit 0 if it is SERVING and 1 otherwise, without starting a "
          "server");
ABSL_FLAG(absl::Duration, health_probe_timeout, absl::Seconds(2),
          "how long --health_probe waits for the response, such as 2s or "
          "500ms");

namespace ironorg {
namespace {

// Applies --log_format, exiting with status 2 on an unknown value.
void ApplyLogFormat() {
  const std::string format = absl::GetFlag(FLAGS_log_format);
  if (format == "text") {
    SetLogFormat(LogFormat::kText);
  } else if (format == "json") {
    SetLogFormat(LogFormat::kJson);
  } else {
    std::cerr << "invalid --log_format \"" << format
              << "\": use text or json\n";
    std::exit(2);
  }
}

// Runs --health_probe and exits. Exit status 1 covers every status but
// SERVING and every failed call, as container health checks expect.
[[noreturn]] void RunHealthProbe(const std::string& address) {
  const absl::Duration timeout = absl::GetFlag(FLAGS_health_probe_timeout);
  if (timeout <= absl::ZeroDuration()) {
    std::cerr << "invalid --health_probe_timeout "
              << absl::FormatDuration(timeout) << ": must be positive\n";
    std::exit(2);
  }
  absl::StatusOr<std::string> result = CheckHealth(address, timeout);
  if (!result.ok()) {
    std::cout << "health check of " << address
              << " failed: " << result.status() << "\n";
    std::exit(1);
  }
  std::cout << *result << "\n";
  std::exit(*result == "SERVING" ? 0 : 1);
}

}  // namespace

void ParseFlags(int argc, char** argv, absl::string_view usage) {
  // Debian's Abseil 20220623 is built without NDEBUG, so absl::Mutex
  // checks for lock-order cycles on every lock. Under callgrind that was
  // about 9% of the instructions of a call through the gateway. The
  // checks find bugs in tests, not in production, so they are off.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);

  // Every binary gets the same line about environment variables, unless
  // its own usage text already states it.
  std::string full_usage(usage);
  if (!absl::StrContains(usage, "IRONORG_")) {
    absl::StrAppend(&full_usage,
                    "\nEvery flag --name may also be set as the environment "
                    "variable IRONORG_NAME (upper case); the command line "
                    "wins over the environment.");
  }
  absl::SetProgramUsageMessage(full_usage);

  // --help lists this project's flags, not Abseil's or gRPC's own.
  absl::FlagsUsageConfig usage_config;
  usage_config.contains_help_flags = [](absl::string_view filename) {
    return absl::StrContains(filename, "services/") ||
           absl::StrContains(filename, "common/");
  };
  usage_config.contains_helpshort_flags = usage_config.contains_help_flags;
  absl::SetFlagsUsageConfig(usage_config);

  for (const auto& [name, flag] : absl::GetAllFlags()) {
    const std::string variable =
        absl::StrCat("IRONORG_", absl::AsciiStrToUpper(name));
    const char* value = std::getenv(variable.c_str());
    if (value == nullptr) {
      continue;
    }
    std::string error;
    if (!flag->ParseFrom(value, &error)) {
      std::cerr << "invalid value in environment variable " << variable
                << ": " << error << "\n";
      std::exit(2);
    }
  }
  absl::ParseCommandLine(argc, argv);

  ApplyLogFormat();
  const std::string probe_address = absl::GetFlag(FLAGS_health_probe);
  if (!probe_address.empty()) {
    RunHealthProbe(probe_address);
  }
}

absl::StatusOr<std::string> CheckHealth(const std::string& address,
                                        absl::Duration timeout) {
  auto stub = grpc::health::v1::Health::NewStub(
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       absl::ToChronoMilliseconds(timeout));
  grpc::health::v1::HealthCheckRequest request;
  grpc::health::v1::HealthCheckResponse response;
  const grpc::Status status = stub->Check(&context, request, &response);
  if (!status.ok()) {
    return FromGrpcStatus(status);
  }
  return grpc::health::v1::HealthCheckResponse::ServingStatus_Name(
      response.status());
}

absl::StatusOr<InternalCredential> LoadInternalCredential(
    const std::string& secret_file) {
  std::string secret;
  if (!secret_file.empty()) {
    std::ifstream in(secret_file);
    if (!in) {
      return absl::FailedPreconditionError(absl::StrCat(
          "cannot read the internal secret file \"", secret_file, "\""));
    }
    std::stringstream contents;
    contents << in.rdbuf();
    secret = std::string(absl::StripTrailingAsciiWhitespace(contents.str()));
  } else if (const char* value = std::getenv("IRONORG_INTERNAL_SECRET")) {
    secret = value;
  } else {
    return absl::FailedPreconditionError(
        "no internal secret: set --internal_secret_file (or "
        "IRONORG_INTERNAL_SECRET_FILE) to a file holding at least 32 random "
        "bytes, or IRONORG_INTERNAL_SECRET to the secret itself");
  }
  return InternalCredential::Create(std::move(secret));
}

}  // namespace ironorg

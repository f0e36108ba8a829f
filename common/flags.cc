#include "common/flags.h"

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>

#include "absl/flags/parse.h"
#include "absl/flags/reflection.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace ironorg {

void ParseFlags(int argc, char** argv, absl::string_view usage) {
  absl::SetProgramUsageMessage(usage);

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

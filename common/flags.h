// Command-line flags with environment fallbacks, and the settings every
// binary shares.
#ifndef IRONORG_COMMON_FLAGS_H_
#define IRONORG_COMMON_FLAGS_H_

#include <string>
#include "absl/strings/string_view.h"

#include "absl/status/statusor.h"
#include "common/internal_auth.h"

namespace ironorg {

// Parses the command line. Before that, every flag `--name` that the
// command line does not set takes its value from the environment variable
// IRONORG_NAME (upper case), when present. So the command line wins over
// the environment, and the environment over the built-in default.
// Exits with a message naming the variable if an environment value does
// not parse.
void ParseFlags(int argc, char** argv, absl::string_view usage);

// Loads the internal secret shared by all ironorg processes: the contents
// of `secret_file` when set (trailing whitespace dropped), otherwise the
// IRONORG_INTERNAL_SECRET environment variable. Returns
// FAILED_PRECONDITION naming both when neither is set.
absl::StatusOr<InternalCredential> LoadInternalCredential(
    const std::string& secret_file);

}  // namespace ironorg

#endif  // IRONORG_COMMON_FLAGS_H_

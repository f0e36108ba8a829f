// Input checks shared by the services. Each returns INVALID_ARGUMENT whose
// message names the field, the value or its length, and the allowed range.
#ifndef IRONORG_COMMON_VALIDATION_H_
#define IRONORG_COMMON_VALIDATION_H_

#include <string>
#include "absl/strings/string_view.h"

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace ironorg::validation {

inline constexpr int kMaxDisplayNameChars = 200;
inline constexpr int kMinPasswordBytes = 12;
inline constexpr int kMaxPasswordBytes = 1024;
inline constexpr int kMaxRequestIdBytes = 128;

// Trims ASCII whitespace and checks for valid UTF-8 of 1 to 200 characters
// without control characters. Returns the trimmed name.
absl::StatusOr<std::string> NormalizeDisplayName(absl::string_view value,
                                                 absl::string_view field);

// Trims and lower-cases an email address and checks its shape
// (local@domain.tld, at most 254 bytes). Returns the normalized address.
absl::StatusOr<std::string> NormalizeEmail(absl::string_view value,
                                           absl::string_view field);

// Checks that a password is 12 to 1024 bytes. Never echoes the password.
absl::Status ValidatePassword(absl::string_view value, absl::string_view field);

// Checks an optional request id: at most 128 printable ASCII characters.
absl::Status ValidateRequestId(absl::string_view value);

// Returns true if `value` is valid UTF-8.
bool IsValidUtf8(absl::string_view value);

}  // namespace ironorg::validation

#endif  // IRONORG_COMMON_VALIDATION_H_

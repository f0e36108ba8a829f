#include "services/gateway/authentication.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "common/crypto.h"
#include "common/errors.h"

namespace ironorg::gateway {

absl::StatusOr<std::string> ParseAuthorization(absl::string_view value) {
  const absl::string_view trimmed = absl::StripAsciiWhitespace(value);
  const size_t space = trimmed.find(' ');
  const absl::string_view scheme = trimmed.substr(0, space);
  const absl::string_view token =
      space == absl::string_view::npos
          ? absl::string_view()
          : absl::StripLeadingAsciiWhitespace(trimmed.substr(space + 1));

  const bool known_scheme = absl::EqualsIgnoreCase(scheme, "Bearer") ||
                            absl::EqualsIgnoreCase(scheme, "OAuth");
  if (!known_scheme || token.empty() || token.find(' ') != token.npos) {
    return errors::Unauthenticated(
        "malformed authorization metadata; send authorization: Bearer "
        "<token>");
  }
  return std::string(token);
}

TokenIssuer ClassifyToken(absl::string_view token,
                          absl::string_view operator_token) {
  if (!operator_token.empty() &&
      crypto::ConstantTimeEquals(token, operator_token)) {
    return TokenIssuer::kOperator;
  }
  if (absl::StartsWith(token, kClusterTokenPrefix)) {
    return TokenIssuer::kClusters;
  }
  return TokenIssuer::kIdentity;
}

}  // namespace ironorg::gateway

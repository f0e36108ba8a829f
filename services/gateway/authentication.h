// Reading the caller's credential from request metadata.
//
// Callers send `authorization: Bearer <token>`; the `OAuth <token>` scheme
// that Iron.io clients send is accepted too, and the scheme is
// case-insensitive. The token decides who resolves it: the operator token
// configured on the gateway, a cluster token (prefix "ioc_") that the
// clusters service resolves, or any other token, which identity resolves.
//
// Thread-safe: free functions without state.
#ifndef IRONORG_SERVICES_GATEWAY_AUTHENTICATION_H_
#define IRONORG_SERVICES_GATEWAY_AUTHENTICATION_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace ironorg::gateway {

// The metadata key callers send their token in.
inline constexpr char kAuthorizationMetadataKey[] = "authorization";

// The prefix of cluster tokens.
inline constexpr absl::string_view kClusterTokenPrefix = "ioc_";

// Returns the token of one `authorization` metadata value, or
// UNAUTHENTICATED when the value is not "Bearer <token>" or
// "OAuth <token>".
absl::StatusOr<std::string> ParseAuthorization(absl::string_view value);

// The service that resolves a token.
enum class TokenIssuer { kOperator, kClusters, kIdentity };

// Classifies `token`. `operator_token` is the configured operator token;
// when it is empty, no token is the operator's. Tokens of its length are
// compared in constant time.
TokenIssuer ClassifyToken(absl::string_view token,
                          absl::string_view operator_token);

}  // namespace ironorg::gateway

#endif  // IRONORG_SERVICES_GATEWAY_AUTHENTICATION_H_

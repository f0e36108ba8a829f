// Random ids and tokens, hashes, and password hashing, all on libsodium.
//
// Thread-safe. libsodium is initialized on first use.
#ifndef IRONORG_COMMON_CRYPTO_H_
#define IRONORG_COMMON_CRYPTO_H_

#include <cstdint>
#include <memory>
#include <string>
#include "absl/strings/string_view.h"

#include "absl/status/statusor.h"

namespace ironorg::crypto {

// Returns a random resource id: 14 characters of [a-z0-9] starting with a
// letter (about 71 bits), so that names are opaque and not sequential.
std::string NewResourceId();

// Returns `prefix` followed by 43 URL-safe base64 characters encoding 256
// random bits. The prefix lets the gateway route the token to its issuer.
std::string NewToken(absl::string_view prefix);

// Returns the lower-case hex SHA-256 of `data`. Tokens are stored as this
// hash: they carry 256 random bits, so a fast hash is enough.
std::string Sha256Hex(absl::string_view data);

// Returns the raw 32-byte HMAC-SHA-256 of `data` under `key`.
std::string HmacSha256(absl::string_view key, absl::string_view data);

// An HMAC-SHA-256 key whose keyed state is computed once, so that each MAC
// hashes only its data; HmacSha256 re-keys on every call. Copies share the
// immutable keyed state. Thread-safe.
class HmacSha256Key final {
 public:
  explicit HmacSha256Key(absl::string_view key);

  // Returns the raw 32-byte HMAC-SHA-256 of `data`, equal to
  // HmacSha256(key, data).
  std::string Mac(absl::string_view data) const;

 private:
  struct KeyedState;
  std::shared_ptr<const KeyedState> keyed_state_;
};

// Compares two strings in time that does not depend on where they differ.
bool ConstantTimeEquals(absl::string_view a, absl::string_view b);

// URL-safe base64 without padding.
std::string Base64UrlEncode(absl::string_view data);
absl::StatusOr<std::string> Base64UrlDecode(absl::string_view text);

// Argon2id cost. The defaults are OWASP's minimum: 19 MiB, 2 passes.
struct PasswordCost {
  uint64_t memory_bytes = 19 * 1024 * 1024;
  uint64_t passes = 2;
};

// Hashes `password` with Argon2id and a random salt. The result is the
// standard encoded form ($argon2id$v=19$m=...,t=...,p=1$salt$hash), which
// stores the cost next to the hash so it can be raised later.
// Returns RESOURCE_EXHAUSTED if the memory cannot be allocated.
absl::StatusOr<std::string> HashPassword(absl::string_view password,
                                         const PasswordCost& cost);

// Returns true if `password` matches `encoded_hash`.
bool VerifyPassword(absl::string_view encoded_hash, absl::string_view password);

// Returns true if `encoded_hash` was made with a cost other than `cost`.
bool PasswordNeedsRehash(absl::string_view encoded_hash,
                         const PasswordCost& cost);

}  // namespace ironorg::crypto

#endif  // IRONORG_COMMON_CRYPTO_H_

// Page sizes and page tokens for keyset pagination.
//
// A page token carries the sort key of the last row returned, sealed with
// an HMAC over that key and the request's scope (method, parent, filters
// and caller). A token therefore cannot be forged, edited, or replayed on
// another request or by another caller: each of those is INVALID_ARGUMENT.
#ifndef IRONORG_COMMON_PAGINATION_H_
#define IRONORG_COMMON_PAGINATION_H_

#include <cstdint>
#include <string>
#include "absl/strings/string_view.h"

#include "absl/status/statusor.h"

namespace ironorg::pagination {

inline constexpr int kDefaultPageSize = 50;
inline constexpr int kMaxPageSize = 1000;

// Returns 50 for 0, 1000 for anything above 1000, and `page_size`
// otherwise. Negative is INVALID_ARGUMENT naming `page_size`.
absl::StatusOr<int> NormalizePageSize(int32_t page_size);

// Seals and opens page tokens. Thread-safe.
class PageTokenCodec final {
 public:
  // `key` should be at least 32 random bytes; every replica of a service
  // must share it so that any replica accepts another's tokens.
  explicit PageTokenCodec(std::string key) : key_(std::move(key)) {}

  // Returns a token for the page after `last_key`.
  std::string Encode(absl::string_view scope, absl::string_view last_key) const;

  // Returns the last key sealed in `token` if the token was issued for
  // `scope`; INVALID_ARGUMENT naming `page_token` otherwise.
  absl::StatusOr<std::string> Decode(absl::string_view scope,
                                     absl::string_view token) const;

 private:
  std::string key_;
};

}  // namespace ironorg::pagination

#endif  // IRONORG_COMMON_PAGINATION_H_

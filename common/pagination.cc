#include "common/pagination.h"

#include "absl/strings/str_cat.h"
#include "common/crypto.h"
#include "common/errors.h"

namespace ironorg::pagination {
namespace {

// Bytes of the HMAC kept in a token: 128 bits is plenty against forgery
// and keeps tokens short.
constexpr size_t kMacBytes = 16;

std::string Mac(absl::string_view key, absl::string_view scope,
                absl::string_view last_key) {
  // The scope's length is included so that no (scope, key) pair can be
  // shifted into another with the same concatenation.
  const std::string data = absl::StrCat(scope.size(), ":", scope, last_key);
  return crypto::HmacSha256(key, data).substr(0, kMacBytes);
}

}  // namespace

absl::StatusOr<int> NormalizePageSize(int32_t page_size) {
  if (page_size < 0) {
    return errors::InvalidArgument(
        "page_size",
        absl::StrCat("page_size must not be negative, got ", page_size,
                     "; 0 means the default of ", kDefaultPageSize,
                     ", and values above ", kMaxPageSize, " are lowered to ",
                     kMaxPageSize));
  }
  if (page_size == 0) {
    return kDefaultPageSize;
  }
  return page_size > kMaxPageSize ? kMaxPageSize : page_size;
}

std::string PageTokenCodec::Encode(absl::string_view scope,
                                   absl::string_view last_key) const {
  return crypto::Base64UrlEncode(
      absl::StrCat(Mac(key_, scope, last_key), last_key));
}

absl::StatusOr<std::string> PageTokenCodec::Decode(
    absl::string_view scope, absl::string_view token) const {
  auto invalid = [] {
    return errors::InvalidArgument(
        "page_token",
        "page_token was not issued for this request and caller; send the "
        "next_page_token of the previous page with the same parameters, or "
        "an empty page_token for the first page");
  };
  absl::StatusOr<std::string> raw = crypto::Base64UrlDecode(token);
  if (!raw.ok() || raw->size() < kMacBytes) {
    return invalid();
  }
  const absl::string_view mac = absl::string_view(*raw).substr(0, kMacBytes);
  const absl::string_view last_key = absl::string_view(*raw).substr(kMacBytes);
  if (!crypto::ConstantTimeEquals(mac, Mac(key_, scope, last_key))) {
    return invalid();
  }
  return std::string(last_key);
}

}  // namespace ironorg::pagination

#include "common/crypto.h"

#include <sodium.h>

#include <array>
#include <cstdlib>
#include <memory>

#include "absl/strings/str_cat.h"
#include "common/log.h"

namespace ironorg::crypto {
namespace {

void EnsureSodium() {
  static const bool initialized = [] {
    if (sodium_init() < 0) {
      IRONORG_LOG(ERROR) << "libsodium failed to initialize";
      std::abort();
    }
    return true;
  }();
  (void)initialized;
}

}  // namespace

std::string NewResourceId() {
  EnsureSodium();
  static constexpr char kLetters[] = "abcdefghijklmnopqrstuvwxyz";
  static constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string id;
  id.reserve(14);
  id += kLetters[randombytes_uniform(26)];
  for (int i = 1; i < 14; ++i) {
    id += kAlphabet[randombytes_uniform(36)];
  }
  return id;
}

std::string NewToken(absl::string_view prefix) {
  EnsureSodium();
  std::array<unsigned char, 32> bytes;
  randombytes_buf(bytes.data(), bytes.size());
  return absl::StrCat(
      prefix, Base64UrlEncode(absl::string_view(
                  reinterpret_cast<const char*>(bytes.data()), bytes.size())));
}

std::string Sha256Hex(absl::string_view data) {
  EnsureSodium();
  std::array<unsigned char, crypto_hash_sha256_BYTES> digest;
  crypto_hash_sha256(digest.data(),
                     reinterpret_cast<const unsigned char*>(data.data()),
                     data.size());
  std::array<char, crypto_hash_sha256_BYTES * 2 + 1> hex;
  sodium_bin2hex(hex.data(), hex.size(), digest.data(), digest.size());
  return std::string(hex.data(), crypto_hash_sha256_BYTES * 2);
}

std::string HmacSha256(absl::string_view key, absl::string_view data) {
  EnsureSodium();
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(
      &state, reinterpret_cast<const unsigned char*>(key.data()), key.size());
  crypto_auth_hmacsha256_update(
      &state, reinterpret_cast<const unsigned char*>(data.data()),
      data.size());
  std::array<unsigned char, crypto_auth_hmacsha256_BYTES> mac;
  crypto_auth_hmacsha256_final(&state, mac.data());
  return std::string(reinterpret_cast<const char*>(mac.data()), mac.size());
}

struct HmacSha256Key::KeyedState {
  crypto_auth_hmacsha256_state state;
};

HmacSha256Key::HmacSha256Key(absl::string_view key) {
  EnsureSodium();
  auto keyed = std::make_shared<KeyedState>();
  crypto_auth_hmacsha256_init(&keyed->state,
                              reinterpret_cast<const unsigned char*>(key.data()),
                              key.size());
  keyed_state_ = std::move(keyed);
}

std::string HmacSha256Key::Mac(absl::string_view data) const {
  // The keyed state is copied, so concurrent calls never share one.
  crypto_auth_hmacsha256_state state = keyed_state_->state;
  crypto_auth_hmacsha256_update(
      &state, reinterpret_cast<const unsigned char*>(data.data()),
      data.size());
  std::array<unsigned char, crypto_auth_hmacsha256_BYTES> mac;
  crypto_auth_hmacsha256_final(&state, mac.data());
  sodium_memzero(&state, sizeof(state));
  return std::string(reinterpret_cast<const char*>(mac.data()), mac.size());
}

bool ConstantTimeEquals(absl::string_view a, absl::string_view b) {
  EnsureSodium();
  if (a.size() != b.size()) {
    return false;
  }
  return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string Base64UrlEncode(absl::string_view data) {
  EnsureSodium();
  const int variant = sodium_base64_VARIANT_URLSAFE_NO_PADDING;
  std::string out(sodium_base64_ENCODED_LEN(data.size(), variant), '\0');
  sodium_bin2base64(out.data(), out.size(),
                    reinterpret_cast<const unsigned char*>(data.data()),
                    data.size(), variant);
  out.resize(out.size() - 1);  // Drops the terminating NUL.
  return out;
}

absl::StatusOr<std::string> Base64UrlDecode(absl::string_view text) {
  EnsureSodium();
  std::string out(text.size(), '\0');
  size_t length = 0;
  const char* end = nullptr;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()),
                        out.size(), text.data(), text.size(), nullptr,
                        &length, &end,
                        sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
      end != text.data() + text.size()) {
    return absl::InvalidArgumentError("not URL-safe base64");
  }
  out.resize(length);
  return out;
}

absl::StatusOr<std::string> HashPassword(absl::string_view password,
                                         const PasswordCost& cost) {
  EnsureSodium();
  std::array<char, crypto_pwhash_STRBYTES> encoded;
  if (crypto_pwhash_str_alg(encoded.data(), password.data(), password.size(),
                            cost.passes, cost.memory_bytes,
                            crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return absl::ResourceExhaustedError(
        "not enough memory to hash the password; retry the call");
  }
  return std::string(encoded.data());
}

bool VerifyPassword(absl::string_view encoded_hash, absl::string_view password) {
  EnsureSodium();
  // crypto_pwhash_str_verify needs a NUL-terminated hash.
  const std::string hash(encoded_hash);
  return crypto_pwhash_str_verify(hash.c_str(), password.data(),
                                  password.size()) == 0;
}

bool PasswordNeedsRehash(absl::string_view encoded_hash,
                         const PasswordCost& cost) {
  EnsureSodium();
  const std::string hash(encoded_hash);
  return crypto_pwhash_str_needs_rehash(hash.c_str(), cost.passes,
                                        cost.memory_bytes) != 0;
}

}  // namespace ironorg::crypto

#include "common/crypto.h"

#include <set>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "gtest/gtest.h"

namespace ironorg::crypto {
namespace {

// libsodium's minimum Argon2id cost, so that the tests stay fast.
constexpr PasswordCost kCheapCost = {8192, 1};

bool IsLowerAlphanumeric(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

bool IsBase64Url(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '-' || c == '_';
}

TEST(NewResourceIdTest, HasDocumentedShape) {
  for (int i = 0; i < 100; ++i) {
    const std::string id = NewResourceId();
    ASSERT_EQ(id.size(), 14u) << id;
    EXPECT_TRUE(absl::ascii_islower(id[0])) << id;
    for (char c : id) {
      EXPECT_TRUE(IsLowerAlphanumeric(c)) << id;
    }
  }
}

TEST(NewResourceIdTest, UniqueOverManyCalls) {
  std::set<std::string> ids;
  constexpr int kCount = 5000;
  for (int i = 0; i < kCount; ++i) {
    ids.insert(NewResourceId());
  }

  EXPECT_EQ(ids.size(), static_cast<size_t>(kCount));
}

TEST(NewTokenTest, HasPrefixAnd43Base64UrlCharacters) {
  const std::string token = NewToken("ioa_");

  ASSERT_TRUE(absl::StartsWith(token, "ioa_")) << token;
  ASSERT_EQ(token.size(), 4u + 43u) << token;
  for (char c : token.substr(4)) {
    EXPECT_TRUE(IsBase64Url(c)) << token;
  }
}

TEST(NewTokenTest, Decodes256Bits) {
  const std::string token = NewToken("iok_");

  absl::StatusOr<std::string> bytes = Base64UrlDecode(token.substr(4));

  ASSERT_TRUE(bytes.ok()) << bytes.status();
  EXPECT_EQ(bytes->size(), 32u);
}

TEST(NewTokenTest, Unique) { EXPECT_NE(NewToken("ioc_"), NewToken("ioc_")); }

TEST(Sha256HexTest, MatchesKnownDigest) {
  EXPECT_EQ(Sha256Hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Base64UrlTest, RoundTripsBinary) {
  const std::string data("\x00\xff\xfe-_/+", 7);

  absl::StatusOr<std::string> decoded = Base64UrlDecode(Base64UrlEncode(data));

  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(*decoded, data);
}

TEST(Base64UrlTest, RejectsStandardAlphabetAndPadding) {
  EXPECT_FALSE(Base64UrlDecode("a+b/").ok());
  EXPECT_FALSE(Base64UrlDecode("YQ==").ok());
}

TEST(ConstantTimeEqualsTest, ComparesContentAndLength) {
  EXPECT_TRUE(ConstantTimeEquals("secret", "secret"));
  EXPECT_FALSE(ConstantTimeEquals("secret", "secreT"));
  EXPECT_FALSE(ConstantTimeEquals("secret", "secret2"));
}

TEST(PasswordTest, HashVerifiesSamePassword) {
  absl::StatusOr<std::string> hash =
      HashPassword("correct horse battery", kCheapCost);
  ASSERT_TRUE(hash.ok()) << hash.status();

  EXPECT_TRUE(absl::StartsWith(*hash, "$argon2id$")) << *hash;
  EXPECT_TRUE(VerifyPassword(*hash, "correct horse battery"));
}

TEST(PasswordTest, HashRejectsWrongPassword) {
  absl::StatusOr<std::string> hash =
      HashPassword("correct horse battery", kCheapCost);
  ASSERT_TRUE(hash.ok()) << hash.status();

  EXPECT_FALSE(VerifyPassword(*hash, "correct horse battery!"));
  EXPECT_FALSE(VerifyPassword(*hash, ""));
}

TEST(PasswordTest, SaltMakesHashesDiffer) {
  absl::StatusOr<std::string> first = HashPassword("same password", kCheapCost);
  absl::StatusOr<std::string> second =
      HashPassword("same password", kCheapCost);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(second.ok()) << second.status();

  EXPECT_NE(*first, *second);
}

TEST(PasswordTest, VerifyRejectsMalformedHash) {
  EXPECT_FALSE(VerifyPassword("not a hash", "password1234"));
  EXPECT_FALSE(VerifyPassword("", "password1234"));
}

TEST(PasswordTest, NeedsRehashOnlyWhenCostDiffers) {
  absl::StatusOr<std::string> hash = HashPassword("password1234", kCheapCost);
  ASSERT_TRUE(hash.ok()) << hash.status();

  EXPECT_FALSE(PasswordNeedsRehash(*hash, kCheapCost));
  EXPECT_TRUE(PasswordNeedsRehash(*hash, PasswordCost{8192, 2}));
  EXPECT_TRUE(PasswordNeedsRehash(*hash, PasswordCost{16384, 1}));
}

}  // namespace
}  // namespace ironorg::crypto

#include "common/pagination.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "common/crypto.h"
#include "gtest/gtest.h"

namespace ironorg::pagination {
namespace {

constexpr char kKey[] = "0123456789abcdef0123456789abcdef";

TEST(NormalizePageSizeTest, ZeroMeansDefault) {
  absl::StatusOr<int> size = NormalizePageSize(0);

  ASSERT_TRUE(size.ok()) << size.status();
  EXPECT_EQ(*size, 50);
}

TEST(NormalizePageSizeTest, LargeIsLoweredToMax) {
  absl::StatusOr<int> size = NormalizePageSize(5000);

  ASSERT_TRUE(size.ok()) << size.status();
  EXPECT_EQ(*size, 1000);
}

TEST(NormalizePageSizeTest, InRangeIsKept) {
  absl::StatusOr<int> size = NormalizePageSize(1000);

  ASSERT_TRUE(size.ok()) << size.status();
  EXPECT_EQ(*size, 1000);
}

TEST(NormalizePageSizeTest, NegativeIsInvalidArgument) {
  absl::StatusOr<int> size = NormalizePageSize(-1);

  ASSERT_EQ(size.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(size.status().message().find("page_size"), absl::string_view::npos);
}

TEST(PageTokenCodecTest, TokenDecodesUnderItsScope) {
  PageTokenCodec codec(kKey);
  const std::string token = codec.Encode("ListUsers|organizations/o1", "u42");

  absl::StatusOr<std::string> last_key =
      codec.Decode("ListUsers|organizations/o1", token);

  ASSERT_TRUE(last_key.ok()) << last_key.status();
  EXPECT_EQ(*last_key, "u42");
}

TEST(PageTokenCodecTest, OtherScopeIsInvalidArgument) {
  PageTokenCodec codec(kKey);
  const std::string token = codec.Encode("ListUsers|organizations/o1", "u42");

  absl::StatusOr<std::string> last_key =
      codec.Decode("ListUsers|organizations/o2", token);

  ASSERT_EQ(last_key.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(last_key.status().message().find("page_token"),
            absl::string_view::npos);
}

TEST(PageTokenCodecTest, OtherKeyIsInvalidArgument) {
  PageTokenCodec codec(kKey);
  PageTokenCodec other_codec("fedcba9876543210fedcba9876543210");
  const std::string token = codec.Encode("scope", "u42");

  absl::StatusOr<std::string> last_key = other_codec.Decode("scope", token);

  EXPECT_EQ(last_key.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(PageTokenCodecTest, EditedCharacterIsInvalidArgument) {
  PageTokenCodec codec(kKey);
  std::string token = codec.Encode("scope", "u42");
  token[0] = token[0] == 'A' ? 'B' : 'A';

  absl::StatusOr<std::string> last_key = codec.Decode("scope", token);

  EXPECT_EQ(last_key.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(PageTokenCodecTest, EditedLastKeyIsInvalidArgument) {
  PageTokenCodec codec(kKey);
  const std::string token = codec.Encode("scope", "u42");
  absl::StatusOr<std::string> raw = crypto::Base64UrlDecode(token);
  ASSERT_TRUE(raw.ok()) << raw.status();
  // Keeps the seal and moves the key forward, as a client skipping ahead
  // would.
  std::string edited = *raw;
  edited.back() = '9';

  absl::StatusOr<std::string> last_key =
      codec.Decode("scope", crypto::Base64UrlEncode(edited));

  EXPECT_EQ(last_key.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(PageTokenCodecTest, GarbageIsInvalidArgument) {
  PageTokenCodec codec(kKey);

  const std::vector<std::string> garbage_tokens = {
      "not a token!", "AAAA", "%%%%", "u42", std::string(200, 'A')};
  for (const std::string& garbage : garbage_tokens) {
    absl::StatusOr<std::string> last_key = codec.Decode("scope", garbage);
    EXPECT_EQ(last_key.status().code(), absl::StatusCode::kInvalidArgument)
        << garbage;
  }
}

}  // namespace
}  // namespace ironorg::pagination

#include "common/validation.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ironorg::validation {
namespace {

using ::testing::HasSubstr;

// "é" in UTF-8: one character, two bytes.
constexpr char kTwoByteCharacter[] = "\xc3\xa9";

std::string Repeat(absl::string_view piece, int times) {
  std::string result;
  for (int i = 0; i < times; ++i) {
    absl::StrAppend(&result, piece);
  }
  return result;
}

TEST(NormalizeDisplayNameTest, TrimsWhitespace) {
  absl::StatusOr<std::string> name =
      NormalizeDisplayName("  \tAcme Corp \n", "display_name");

  ASSERT_TRUE(name.ok()) << name.status();
  EXPECT_EQ(*name, "Acme Corp");
}

TEST(NormalizeDisplayNameTest, Accepts200Characters) {
  // 200 characters but 400 bytes: the limit counts characters.
  absl::StatusOr<std::string> name =
      NormalizeDisplayName(Repeat(kTwoByteCharacter, 200), "display_name");

  EXPECT_TRUE(name.ok()) << name.status();
}

TEST(NormalizeDisplayNameTest, Rejects201Characters) {
  absl::StatusOr<std::string> name =
      NormalizeDisplayName(std::string(201, 'a'), "display_name");

  ASSERT_EQ(name.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(name.status().message(), HasSubstr("display_name"));
  EXPECT_THAT(name.status().message(), HasSubstr("got 201"));
}

TEST(NormalizeDisplayNameTest, RejectsEmptyAfterTrimming) {
  absl::StatusOr<std::string> name =
      NormalizeDisplayName("   ", "display_name");

  EXPECT_EQ(name.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(NormalizeDisplayNameTest, RejectsInvalidUtf8) {
  const std::vector<std::string> invalid = {
      "\xff",              // never valid
      "abc\xc3",           // truncated sequence
      "\xc3\x28",          // bad continuation byte
      "\xed\xa0\x80",      // UTF-16 surrogate U+D800
      "\xf4\x90\x80\x80",  // above U+10FFFF
  };
  for (const std::string& value : invalid) {
    absl::StatusOr<std::string> name =
        NormalizeDisplayName(value, "display_name");
    ASSERT_EQ(name.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(name.status().message(), HasSubstr("UTF-8"));
  }
}

TEST(NormalizeDisplayNameTest, RejectsOverlongEncodings) {
  const std::vector<std::string> overlong = {
      "\xc0\xaf",          // "/" in two bytes
      "\xc1\xbf",          // U+007F in two bytes
      "\xe0\x80\xaf",      // "/" in three bytes
      "\xf0\x80\x80\xaf",  // "/" in four bytes
  };
  for (const std::string& value : overlong) {
    absl::StatusOr<std::string> name =
        NormalizeDisplayName(value, "display_name");
    EXPECT_EQ(name.status().code(), absl::StatusCode::kInvalidArgument);
  }
}

TEST(NormalizeDisplayNameTest, RejectsControlCharacters) {
  const std::vector<std::string> with_controls = {
      std::string("a\0b", 3),  // NUL
      "a\x01z",                // C0 control
      "a\nb",                  // line feed inside the name
      "a\x7f",                 // DEL
      "a\xc2\x85z",            // U+0085, a C1 control
      "a\xc2\x9fz",            // U+009F, a C1 control
  };
  for (const std::string& value : with_controls) {
    absl::StatusOr<std::string> name =
        NormalizeDisplayName(value, "display_name");
    ASSERT_EQ(name.status().code(), absl::StatusCode::kInvalidArgument)
        << absl::CEscape(value);
    EXPECT_THAT(name.status().message(), HasSubstr("control characters"));
  }
}

TEST(NormalizeDisplayNameTest, AcceptsNonAsciiLetters) {
  absl::StatusOr<std::string> name = NormalizeDisplayName(
      "Gr\xc3\xbc\xc3\x9f Gott \xe6\x97\xa5\xe6\x9c\xac", "display_name");

  EXPECT_TRUE(name.ok()) << name.status();
}

TEST(NormalizeEmailTest, TrimsAndLowerCases) {
  absl::StatusOr<std::string> email =
      NormalizeEmail("  Ann.Lee@Example.COM \t", "email");

  ASSERT_TRUE(email.ok()) << email.status();
  EXPECT_EQ(*email, "ann.lee@example.com");
}

TEST(NormalizeEmailTest, EmptyIsRequired) {
  absl::StatusOr<std::string> email = NormalizeEmail("  ", "email");

  ASSERT_EQ(email.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(email.status().message(), HasSubstr("email is required"));
}

TEST(NormalizeEmailTest, RejectsBadShapes) {
  const std::vector<std::string> bad = {
      "ann",
      "ann@",
      "@example.com",
      "ann@@example.com",
      "ann@bob@example.com",
      "ann@example",
      "ann@.com",
      "ann@example.",
      "ann@example..com",
      "ann lee@example.com",
      "ann<x>@example.com",
      "ann@exa\xc3\xa9mple.com",
      Repeat("a", 250) + "@example.com",
  };
  for (const std::string& value : bad) {
    absl::StatusOr<std::string> email = NormalizeEmail(value, "email");
    ASSERT_EQ(email.status().code(), absl::StatusCode::kInvalidArgument)
        << value;
    EXPECT_THAT(email.status().message(), HasSubstr("email must be"));
  }
}

TEST(ValidatePasswordTest, Rejects11Bytes) {
  absl::Status status = ValidatePassword(std::string(11, 'p'), "password");

  ASSERT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("got 11"));
}

TEST(ValidatePasswordTest, Accepts12Bytes) {
  EXPECT_TRUE(ValidatePassword(std::string(12, 'p'), "password").ok());
}

TEST(ValidatePasswordTest, Accepts1024Bytes) {
  EXPECT_TRUE(ValidatePassword(std::string(1024, 'p'), "password").ok());
}

TEST(ValidatePasswordTest, Rejects1025Bytes) {
  absl::Status status = ValidatePassword(std::string(1025, 'p'), "password");

  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
}

TEST(ValidatePasswordTest, NeverEchoesPassword) {
  absl::Status status = ValidatePassword("hunter2", "password");

  ASSERT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), testing::Not(HasSubstr("hunter2")));
}

TEST(ValidateRequestIdTest, AcceptsEmptyAndPrintable) {
  EXPECT_TRUE(ValidateRequestId("").ok());
  EXPECT_TRUE(ValidateRequestId("retry-7f3a").ok());
  EXPECT_TRUE(ValidateRequestId(std::string(128, 'r')).ok());
}

TEST(ValidateRequestIdTest, RejectsLongOrUnprintable) {
  EXPECT_EQ(ValidateRequestId(std::string(129, 'r')).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ValidateRequestId("a b").code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ValidateRequestId("a\xc3\xa9").code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace ironorg::validation

// Tests of the logger's JSON lines and their string escaping.
#include "common/log.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"

namespace ironorg {
namespace {

// Logs `message` as one JSON line and returns that line parsed.
google::protobuf::Struct LogJsonLine(const std::string& message) {
  SetLogProcessName("log-test");
  SetLogFormat(LogFormat::kJson);
  ::testing::internal::CaptureStderr();
  IRONORG_LOG(WARNING) << message;
  const std::string output = ::testing::internal::GetCapturedStderr();
  SetLogFormat(LogFormat::kText);

  google::protobuf::Struct parsed;
  EXPECT_TRUE(absl::EndsWith(output, "\n")) << output;
  EXPECT_EQ(output.find('\n'), output.size() - 1) << output;
  const auto status =
      google::protobuf::util::JsonStringToMessage(output, &parsed);
  EXPECT_TRUE(status.ok()) << status.ToString() << " in " << output;
  return parsed;
}

TEST(JsonEscapeTest, EscapesQuotesAndBackslashes) {
  EXPECT_EQ(JsonEscape(R"(say "hi" \ bye)"), R"(say \"hi\" \\ bye)");
}

TEST(JsonEscapeTest, EscapesLineBreaksAndTabs) {
  EXPECT_EQ(JsonEscape("a\nb\rc\td"), R"(a\nb\rc\td)");
}

TEST(JsonEscapeTest, EscapesOtherControlCharacters) {
  EXPECT_EQ(JsonEscape(std::string("\x01\x1f\x7f", 3)), R"(\u0001\u001f\u007f)");
}

TEST(JsonEscapeTest, EscapesNulByte) {
  EXPECT_EQ(JsonEscape(std::string("a\0b", 3)), R"(a\u0000b)");
}

TEST(JsonEscapeTest, KeepsValidUtf8) {
  EXPECT_EQ(JsonEscape("Zoë 東京 \xF0\x9F\x98\x80"), "Zoë 東京 \xF0\x9F\x98\x80");
}

TEST(JsonEscapeTest, ReplacesInvalidUtf8) {
  // A stray continuation byte, a truncated sequence, an overlong "/" and
  // an encoded surrogate.
  EXPECT_EQ(JsonEscape("a\x80" "b"), "a\\ufffdb");
  EXPECT_EQ(JsonEscape("c\xE6\x9D"), "c\\ufffd\\ufffd");
  EXPECT_EQ(JsonEscape("\xC0\xAF"), "\\ufffd\\ufffd");
  EXPECT_EQ(JsonEscape("\xED\xA0\x80"), "\\ufffd\\ufffd\\ufffd");
}

TEST(JsonLogTest, LineHasEveryField) {
  const google::protobuf::Struct line = LogJsonLine("listening");
  const auto& fields = line.fields();

  ASSERT_TRUE(fields.contains("time"));
  EXPECT_TRUE(absl::EndsWith(fields.at("time").string_value(), "Z"));
  ASSERT_TRUE(fields.contains("level"));
  EXPECT_EQ(fields.at("level").string_value(), "WARNING");
  ASSERT_TRUE(fields.contains("process"));
  EXPECT_EQ(fields.at("process").string_value(), "log-test");
  ASSERT_TRUE(fields.contains("source"));
  EXPECT_TRUE(absl::StartsWith(fields.at("source").string_value(),
                               "log_test.cc:"));
  ASSERT_TRUE(fields.contains("message"));
  EXPECT_EQ(fields.at("message").string_value(), "listening");
}

TEST(JsonLogTest, MessageRoundTripsThroughJson) {
  const std::string message = "user \"a\\b\"\nsecond line\ttab \x01 Zoë";

  const google::protobuf::Struct line = LogJsonLine(message);

  ASSERT_TRUE(line.fields().contains("message"));
  EXPECT_EQ(line.fields().at("message").string_value(), message);
}

TEST(JsonLogTest, InvalidUtf8StillParses) {
  const google::protobuf::Struct line = LogJsonLine("bad \xFF byte");

  ASSERT_TRUE(line.fields().contains("message"));
  EXPECT_EQ(line.fields().at("message").string_value(), "bad \xEF\xBF\xBD byte");
}

TEST(TextLogTest, DefaultFormatIsText) {
  SetLogProcessName("log-test");
  ::testing::internal::CaptureStderr();
  IRONORG_LOG(INFO) << "plain";
  const std::string output = ::testing::internal::GetCapturedStderr();

  EXPECT_TRUE(absl::StrContains(output, "INFO    log-test log_test.cc:"))
      << output;
  EXPECT_TRUE(absl::EndsWith(output, "] plain\n")) << output;
}

}  // namespace
}  // namespace ironorg

// A small leveled logger writing one line per message to standard error.
//
// Usage:
//   IRONORG_LOG(INFO) << "listening on " << address;
//
// Lines look like
//   2026-12-04T20:30:00.123Z INFO  identity main.cc:42] listening on ...
// or, after SetLogFormat(LogFormat::kJson), one JSON object per line:
//   {"time":"2026-12-04T20:30:00.123Z","level":"INFO","process":"identity",
//    "source":"main.cc:42","message":"listening on ..."}
// Every binary selects the format with --log_format (common/flags.h).
//
// Thread-safe: each line is written with one call under a mutex. Never log
// a password, token, token hash or internal secret.
#ifndef IRONORG_COMMON_LOG_H_
#define IRONORG_COMMON_LOG_H_

#include <sstream>
#include <string>
#include "absl/strings/string_view.h"

namespace ironorg {

enum class LogSeverity { kInfo, kWarning, kError };

enum class LogFormat { kText, kJson };

// Sets the process name printed on every line, such as "identity".
void SetLogProcessName(absl::string_view name);

// Selects text or JSON lines. Text is the default.
void SetLogFormat(LogFormat format);

// Returns `text` escaped for use inside a JSON string literal (RFC 8259).
// Quotes, backslashes and control characters are escaped. Each byte that
// is not part of valid UTF-8 becomes U+FFFD, so that every line parses as
// JSON whatever a message contains.
std::string JsonEscape(absl::string_view text);

// Collects one message and writes it when destroyed.
class LogMessage final {
 public:
  LogMessage(LogSeverity severity, const char* file, int line);
  ~LogMessage();

  LogMessage(const LogMessage&) = delete;
  LogMessage& operator=(const LogMessage&) = delete;

  std::ostream& stream() { return stream_; }

 private:
  LogSeverity severity_;
  const char* file_;
  int line_;
  std::ostringstream stream_;
};

}  // namespace ironorg

#define IRONORG_LOG_SEVERITY_INFO ::ironorg::LogSeverity::kInfo
#define IRONORG_LOG_SEVERITY_WARNING ::ironorg::LogSeverity::kWarning
#define IRONORG_LOG_SEVERITY_ERROR ::ironorg::LogSeverity::kError

#define IRONORG_LOG(severity)                                                \
  ::ironorg::LogMessage(IRONORG_LOG_SEVERITY_##severity, __FILE__, __LINE__) \
      .stream()

#endif  // IRONORG_COMMON_LOG_H_

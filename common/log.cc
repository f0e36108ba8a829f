#include "common/log.h"

#include <cstdio>
#include <cstring>
#include <mutex>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace ironorg {
namespace {

std::mutex& OutputMutex() {
  static std::mutex mutex;
  return mutex;
}

std::string& ProcessName() {
  static std::string name = "ironorg";
  return name;
}

LogFormat& Format() {
  static LogFormat format = LogFormat::kText;
  return format;
}

const char* SeverityName(LogSeverity severity) {
  switch (severity) {
    case LogSeverity::kInfo:
      return "INFO";
    case LogSeverity::kWarning:
      return "WARNING";
    case LogSeverity::kError:
      return "ERROR";
  }
  return "INFO";
}

std::string JsonEscape(absl::string_view text) {
  std::string out;
  out.reserve(text.size() + 8);
  for (char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += absl::StrFormat("\\u%04x", c);
        } else {
          out += c;
        }
    }
  }
  return out;
}

}  // namespace

void SetLogProcessName(absl::string_view name) {
  std::lock_guard<std::mutex> lock(OutputMutex());
  ProcessName() = std::string(name);
}

void SetLogFormat(LogFormat format) {
  std::lock_guard<std::mutex> lock(OutputMutex());
  Format() = format;
}

LogMessage::LogMessage(LogSeverity severity, const char* file, int line)
    : severity_(severity), file_(file), line_(line) {}

LogMessage::~LogMessage() {
  const char* base = std::strrchr(file_, '/');
  base = base == nullptr ? file_ : base + 1;
  const std::string time = absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ",
                                            absl::Now(), absl::UTCTimeZone());

  std::lock_guard<std::mutex> lock(OutputMutex());
  std::string line;
  if (Format() == LogFormat::kJson) {
    line = absl::StrCat(
        "{\"time\":\"", time, "\",\"severity\":\"", SeverityName(severity_),
        "\",\"process\":\"", JsonEscape(ProcessName()), "\",\"source\":\"",
        base, ":", line_, "\",\"message\":\"", JsonEscape(stream_.str()),
        "\"}\n");
  } else {
    line = absl::StrFormat("%s %-7s %s %s:%d] %s\n", time,
                           SeverityName(severity_), ProcessName(), base,
                           line_, stream_.str());
  }
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

}  // namespace ironorg

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

// Returns the length of the valid UTF-8 sequence at the start of `text`,
// or 0 when it is not one (a stray continuation byte, a truncated or
// overlong sequence, a surrogate, or a code point above U+10FFFF).
size_t Utf8SequenceLength(absl::string_view text) {
  const auto byte = [&text](size_t i) {
    return static_cast<unsigned char>(text[i]);
  };
  const unsigned char lead = byte(0);
  size_t length = 0;
  unsigned char min_second = 0x80;
  unsigned char max_second = 0xbf;
  if (lead >= 0xc2 && lead <= 0xdf) {
    length = 2;
  } else if (lead >= 0xe0 && lead <= 0xef) {
    length = 3;
    if (lead == 0xe0) {
      min_second = 0xa0;
    } else if (lead == 0xed) {
      max_second = 0x9f;
    }
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    length = 4;
    if (lead == 0xf0) {
      min_second = 0x90;
    } else if (lead == 0xf4) {
      max_second = 0x8f;
    }
  } else {
    return 0;
  }
  if (text.size() < length || byte(1) < min_second || byte(1) > max_second) {
    return 0;
  }
  for (size_t i = 2; i < length; ++i) {
    if (byte(i) < 0x80 || byte(i) > 0xbf) {
      return 0;
    }
  }
  return length;
}

}  // namespace

std::string JsonEscape(absl::string_view text) {
  std::string out;
  out.reserve(text.size() + 8);
  size_t i = 0;
  while (i < text.size()) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c >= 0x80) {
      const size_t length = Utf8SequenceLength(text.substr(i));
      if (length == 0) {
        out += "\\ufffd";
        ++i;
      } else {
        out.append(text.data() + i, length);
        i += length;
      }
      continue;
    }
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
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          out += absl::StrFormat("\\u%04x", c);
        } else {
          out += static_cast<char>(c);
        }
    }
    ++i;
  }
  return out;
}

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
        "{\"time\":\"", time, "\",\"level\":\"", SeverityName(severity_),
        "\",\"process\":\"", JsonEscape(ProcessName()), "\",\"source\":\"",
        JsonEscape(base), ":", line_, "\",\"message\":\"",
        JsonEscape(stream_.str()), "\"}\n");
  } else {
    line = absl::StrFormat("%s %-7s %s %s:%d] %s\n", time,
                           SeverityName(severity_), ProcessName(), base,
                           line_, stream_.str());
  }
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

}  // namespace ironorg

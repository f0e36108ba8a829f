#include "common/validation.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/errors.h"

namespace ironorg::validation {
namespace {

// Counts the code points of valid UTF-8, or returns -1 if `value` is not
// valid UTF-8 (including overlong forms and surrogates).
int CountUtf8CodePoints(absl::string_view value) {
  int count = 0;
  size_t i = 0;
  while (i < value.size()) {
    const auto byte = static_cast<unsigned char>(value[i]);
    int length = 0;
    uint32_t code_point = 0;
    if (byte < 0x80) {
      length = 1;
      code_point = byte;
    } else if ((byte & 0xe0) == 0xc0) {
      length = 2;
      code_point = byte & 0x1f;
    } else if ((byte & 0xf0) == 0xe0) {
      length = 3;
      code_point = byte & 0x0f;
    } else if ((byte & 0xf8) == 0xf0) {
      length = 4;
      code_point = byte & 0x07;
    } else {
      return -1;
    }
    if (i + length > value.size()) {
      return -1;
    }
    for (int k = 1; k < length; ++k) {
      const auto next = static_cast<unsigned char>(value[i + k]);
      if ((next & 0xc0) != 0x80) {
        return -1;
      }
      code_point = (code_point << 6) | (next & 0x3f);
    }
    const bool overlong = (length == 2 && code_point < 0x80) ||
                          (length == 3 && code_point < 0x800) ||
                          (length == 4 && code_point < 0x10000);
    const bool surrogate = code_point >= 0xd800 && code_point <= 0xdfff;
    if (overlong || surrogate || code_point > 0x10ffff) {
      return -1;
    }
    i += length;
    ++count;
  }
  return count;
}

}  // namespace

bool IsValidUtf8(absl::string_view value) {
  return CountUtf8CodePoints(value) >= 0;
}

absl::StatusOr<std::string> NormalizeDisplayName(absl::string_view value,
                                                 absl::string_view field) {
  const absl::string_view trimmed = absl::StripAsciiWhitespace(value);
  const int length = CountUtf8CodePoints(trimmed);
  if (length < 0) {
    return errors::InvalidArgument(
        field, absl::StrCat(field, " must be valid UTF-8"));
  }
  if (length == 0 || length > kMaxDisplayNameChars) {
    return errors::InvalidArgument(
        field, absl::StrCat(field, " must be 1 to ", kMaxDisplayNameChars,
                            " characters after trimming, got ", length));
  }
  for (size_t i = 0; i < trimmed.size(); ++i) {
    const auto byte = static_cast<unsigned char>(trimmed[i]);
    // The text is valid UTF-8 here, so the C1 controls U+0080 to U+009F
    // are exactly the pairs 0xC2 0x80 to 0xC2 0x9F.
    const bool c1_control =
        byte == 0xc2 && i + 1 < trimmed.size() &&
        static_cast<unsigned char>(trimmed[i + 1]) <= 0x9f;
    if (byte < 0x20 || byte == 0x7f || c1_control) {
      return errors::InvalidArgument(
          field, absl::StrCat(field, " must not contain control characters"));
    }
  }
  return std::string(trimmed);
}

absl::StatusOr<std::string> NormalizeEmail(absl::string_view value,
                                           absl::string_view field) {
  const std::string email =
      absl::AsciiStrToLower(absl::StripAsciiWhitespace(value));
  if (email.empty()) {
    return errors::MissingField(field);
  }
  auto invalid = [&] {
    return errors::InvalidArgument(
        field, absl::StrCat(field, " must be an address like name@example.com, "
                                   "got \"",
                            email.size() > 254 ? email.substr(0, 254) : email,
                            "\""));
  };
  if (email.size() > 254) {
    return invalid();
  }
  const size_t at = email.find('@');
  if (at == std::string::npos || at == 0 || email.find('@', at + 1) !=
                                                std::string::npos) {
    return invalid();
  }
  const absl::string_view domain = absl::string_view(email).substr(at + 1);
  const size_t dot = domain.rfind('.');
  if (domain.empty() || dot == absl::string_view::npos || dot == 0 ||
      dot + 1 == domain.size() || domain.find("..") != absl::string_view::npos) {
    return invalid();
  }
  for (char c : email) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte <= 0x20 || byte >= 0x7f || c == '<' || c == '>' || c == ',' ||
        c == ';' || c == '"' || c == '(' || c == ')' || c == '[' ||
        c == ']' || c == '\\') {
      return invalid();
    }
  }
  return email;
}

absl::Status ValidatePassword(absl::string_view value, absl::string_view field) {
  if (value.size() < kMinPasswordBytes || value.size() > kMaxPasswordBytes) {
    return errors::InvalidArgument(
        field, absl::StrCat(field, " must be ", kMinPasswordBytes, " to ",
                            kMaxPasswordBytes, " bytes long, got ",
                            value.size()));
  }
  return absl::OkStatus();
}

absl::Status ValidateRequestId(absl::string_view value) {
  if (value.size() > kMaxRequestIdBytes) {
    return errors::InvalidArgument(
        "request_id", absl::StrCat("request_id must be at most ",
                                   kMaxRequestIdBytes, " bytes, got ",
                                   value.size()));
  }
  for (char c : value) {
    if (c < 0x21 || c > 0x7e) {
      return errors::InvalidArgument(
          "request_id",
          "request_id must contain only printable ASCII characters");
    }
  }
  return absl::OkStatus();
}

}  // namespace ironorg::validation

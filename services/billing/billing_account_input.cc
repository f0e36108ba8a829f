#include "services/billing/billing_account_input.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/validation.h"

namespace ironorg::billing {
namespace {

namespace v1 = ::ironorg::billing::v1;

constexpr char kAllowedPaths[] =
    "update_mask may name billing_email, company_name, address, tax_id and "
    "payment_method";

// Counts the code points of valid UTF-8: every byte but the continuation
// bytes 10xxxxxx starts one.
int CountCodePoints(absl::string_view value) {
  int count = 0;
  for (char c : value) {
    if ((static_cast<unsigned char>(c) & 0xc0) != 0x80) {
      ++count;
    }
  }
  return count;
}

// Returns true if valid UTF-8 `value` contains a C0 or C1 control character
// or DEL. A newline counts too, which keeps the stored address lines
// apart.
bool HasControlCharacter(absl::string_view value) {
  for (size_t i = 0; i < value.size(); ++i) {
    const auto byte = static_cast<unsigned char>(value[i]);
    // In valid UTF-8, U+0080 to U+009F are exactly 0xC2 0x80 to 0xC2 0x9F.
    const bool c1_control = byte == 0xc2 && i + 1 < value.size() &&
                            static_cast<unsigned char>(value[i + 1]) <= 0x9f;
    if (byte < 0x20 || byte == 0x7f || c1_control) {
      return true;
    }
  }
  return false;
}

// Trims `value` and checks that it is UTF-8 without control characters.
absl::StatusOr<std::string> NormalizeText(absl::string_view value,
                                          absl::string_view field) {
  if (!validation::IsValidUtf8(value)) {
    return errors::InvalidArgument(field,
                                   absl::StrCat(field, " must be valid UTF-8"));
  }
  const absl::string_view trimmed = absl::StripAsciiWhitespace(value);
  if (HasControlCharacter(trimmed)) {
    return errors::InvalidArgument(
        field, absl::StrCat(field, " must not contain control characters"));
  }
  return std::string(trimmed);
}

absl::Status ParseMask(const v1::UpdateBillingAccountRequest& request,
                       BillingAccountUpdate& update) {
  if (request.update_mask().paths().empty()) {
    return errors::InvalidArgument(
        "update_mask",
        absl::StrCat("update_mask is required; ", kAllowedPaths));
  }
  for (const std::string& path : request.update_mask().paths()) {
    if (path == "billing_email") {
      update.billing_email = true;
    } else if (path == "company_name") {
      update.company_name = true;
    } else if (path == "address") {
      update.address = true;
    } else if (path == "tax_id") {
      update.tax_id = true;
    } else if (path == "payment_method") {
      update.payment_method = true;
    } else {
      // A path is a field name the client chose, so it is shown only when
      // it is valid UTF-8.
      const std::string shown =
          validation::IsValidUtf8(path) ? absl::StrCat("\"", path, "\" ") : "";
      return errors::InvalidArgument(
          "update_mask", absl::StrCat("update_mask path ", shown,
                                      "cannot be updated; ", kAllowedPaths));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> NormalizeBillingEmail(absl::string_view value) {
  constexpr char kField[] = "billing_account.billing_email";
  if (!validation::IsValidUtf8(value)) {
    return errors::InvalidArgument(
        kField, absl::StrCat(kField, " must be valid UTF-8"));
  }
  if (absl::StripAsciiWhitespace(value).empty()) {
    return std::string();
  }
  return validation::NormalizeEmail(value, kField);
}

absl::StatusOr<std::string> NormalizeCompanyName(absl::string_view value) {
  constexpr char kField[] = "billing_account.company_name";
  if (validation::IsValidUtf8(value) &&
      absl::StripAsciiWhitespace(value).empty()) {
    return std::string();
  }
  return validation::NormalizeDisplayName(value, kField);
}

absl::StatusOr<std::string> NormalizeRegionCode(absl::string_view value) {
  constexpr char kField[] = "billing_account.address.region_code";
  absl::StatusOr<std::string> code = NormalizeText(value, kField);
  if (!code.ok() || code->empty()) {
    return code;
  }
  const bool letters = code->size() == 2 && absl::ascii_isalpha((*code)[0]) &&
                       absl::ascii_isalpha((*code)[1]);
  if (!letters) {
    return errors::InvalidArgument(
        kField, absl::StrCat(kField,
                             " must be an ISO 3166-1 alpha-2 country code of "
                             "two letters, such as US or DE, got \"",
                             *code, "\""));
  }
  return absl::AsciiStrToUpper(*code);
}

absl::Status NormalizeAddress(const v1::PostalAddress& address,
                              BillingAccountRow& values) {
  constexpr char kField[] = "billing_account.address";
  for (int i = 0; i < address.address_lines_size(); ++i) {
    absl::StatusOr<std::string> line = NormalizeText(
        address.address_lines(i),
        absl::StrCat("billing_account.address.address_lines[", i, "]"));
    if (!line.ok()) {
      return line.status();
    }
    if (!line->empty()) {
      values.address_lines.push_back(*std::move(line));
    }
  }
  if (values.address_lines.size() > kMaxAddressLines) {
    return errors::InvalidArgument(
        "billing_account.address.address_lines",
        absl::StrCat("billing_account.address.address_lines must have at "
                     "most ",
                     kMaxAddressLines, " non-empty lines, got ",
                     values.address_lines.size()));
  }

  const std::vector<std::pair<absl::string_view, std::string*>> fields = {
      {"billing_account.address.locality", &values.locality},
      {"billing_account.address.administrative_area",
       &values.administrative_area},
      {"billing_account.address.postal_code", &values.postal_code},
  };
  const std::vector<absl::string_view> inputs = {
      address.locality(), address.administrative_area(), address.postal_code()};
  for (size_t i = 0; i < fields.size(); ++i) {
    absl::StatusOr<std::string> text =
        NormalizeText(inputs[i], fields[i].first);
    if (!text.ok()) {
      return text.status();
    }
    *fields[i].second = *std::move(text);
  }
  absl::StatusOr<std::string> region_code =
      NormalizeRegionCode(address.region_code());
  if (!region_code.ok()) {
    return region_code.status();
  }
  values.region_code = *std::move(region_code);

  int total = CountCodePoints(values.locality) +
              CountCodePoints(values.administrative_area) +
              CountCodePoints(values.postal_code) +
              CountCodePoints(values.region_code);
  for (const std::string& line : values.address_lines) {
    total += CountCodePoints(line);
  }
  if (total > kMaxAddressChars) {
    return errors::InvalidArgument(
        kField, absl::StrCat(kField, " must have at most ", kMaxAddressChars,
                             " characters over all its fields, got ", total));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> NormalizeTaxId(absl::string_view value) {
  constexpr char kField[] = "billing_account.tax_id";
  const absl::string_view trimmed = absl::StripAsciiWhitespace(value);
  bool allowed = trimmed.size() <= kMaxTaxIdChars;
  for (char c : trimmed) {
    allowed =
        allowed && (absl::ascii_isalnum(c) || c == ' ' || c == '-' || c == '.');
  }
  if (!allowed) {
    return errors::InvalidArgument(
        kField,
        absl::StrCat(kField, " must be at most ", kMaxTaxIdChars,
                     " ASCII letters, digits, spaces, hyphens and dots, such "
                     "as DE123456789; got ",
                     trimmed.size(), " bytes"));
  }
  return std::string(trimmed);
}

}  // namespace

void BillingAccountUpdate::ApplyTo(BillingAccountRow& account) const {
  if (billing_email) {
    account.billing_email = values.billing_email;
  }
  if (company_name) {
    account.company_name = values.company_name;
  }
  if (address) {
    account.address_lines = values.address_lines;
    account.locality = values.locality;
    account.administrative_area = values.administrative_area;
    account.postal_code = values.postal_code;
    account.region_code = values.region_code;
  }
  if (tax_id) {
    account.tax_id = values.tax_id;
  }
  if (payment_method) {
    account.payment_method = values.payment_method;
  }
}

bool ContainsCardNumber(absl::string_view value) {
  int run = 0;
  for (char c : value) {
    if (c == ' ' || c == '-') {
      continue;
    }
    run = absl::ascii_isdigit(c) ? run + 1 : 0;
    if (run >= kMinCardNumberDigits) {
      return true;
    }
  }
  return false;
}

absl::Status CheckPaymentMethod(absl::string_view value) {
  constexpr char kField[] = "billing_account.payment_method";
  if (ContainsCardNumber(value)) {
    return errors::InvalidArgument(
        kField,
        absl::StrCat(kField,
                     " looks like a card number, and card numbers are not "
                     "accepted; send the payment processor's token for the "
                     "card instead, such as pm_... or tok_..."));
  }
  bool printable = value.size() <= kMaxPaymentMethodChars;
  for (char c : value) {
    printable = printable && c > 0x20 && c < 0x7f;
  }
  if (!printable) {
    return errors::InvalidArgument(
        kField, absl::StrCat(kField,
                             " must be a payment processor token of "
                             "1 to ",
                             kMaxPaymentMethodChars,
                             " printable ASCII characters without spaces, "
                             "such as pm_... or tok_..."));
  }
  return absl::OkStatus();
}

absl::StatusOr<BillingAccountUpdate> ParseBillingAccountUpdate(
    const v1::UpdateBillingAccountRequest& request) {
  BillingAccountUpdate update;
  absl::Status status = ParseMask(request, update);
  if (!status.ok()) {
    return status;
  }
  const v1::BillingAccount& account = request.billing_account();

  if (update.billing_email) {
    absl::StatusOr<std::string> email =
        NormalizeBillingEmail(account.billing_email());
    if (!email.ok()) {
      return email.status();
    }
    update.values.billing_email = *std::move(email);
  }
  if (update.company_name) {
    absl::StatusOr<std::string> company_name =
        NormalizeCompanyName(account.company_name());
    if (!company_name.ok()) {
      return company_name.status();
    }
    update.values.company_name = *std::move(company_name);
  }
  if (update.address) {
    status = NormalizeAddress(account.address(), update.values);
    if (!status.ok()) {
      return status;
    }
  }
  if (update.tax_id) {
    absl::StatusOr<std::string> tax_id = NormalizeTaxId(account.tax_id());
    if (!tax_id.ok()) {
      return tax_id.status();
    }
    update.values.tax_id = *std::move(tax_id);
  }
  if (update.payment_method && !account.payment_method().empty()) {
    status = CheckPaymentMethod(account.payment_method());
    if (!status.ok()) {
      return status;
    }
    update.values.payment_method = account.payment_method();
  }
  return update;
}

}  // namespace ironorg::billing

// Validation of UpdateBillingAccount requests: which fields the update
// mask names, and whether each named value may be stored.
//
// Every error is INVALID_ARGUMENT with a google.rpc.BadRequest detail
// naming the field as `billing_account.<field>` (or `update_mask`). A
// named field sent empty clears the stored value. No message, detail or
// log line built here contains a payment_method value.
//
// Thread-safe: everything here is a pure function.
#ifndef IRONORG_SERVICES_BILLING_BILLING_ACCOUNT_INPUT_H_
#define IRONORG_SERVICES_BILLING_BILLING_ACCOUNT_INPUT_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "ironorg/billing/v1/billing_account.pb.h"
#include "services/billing/billing_store.h"

namespace ironorg::billing {

inline constexpr int kMaxAddressChars = 1000;
inline constexpr int kMaxAddressLines = 5;
inline constexpr int kMaxTaxIdChars = 50;
inline constexpr int kMaxPaymentMethodChars = 255;
// The shortest run of digits that payment_method rejects as a card
// number. Card numbers have 12 to 19 digits.
inline constexpr int kMinCardNumberDigits = 12;

// The masked fields of one UpdateBillingAccount request, normalized.
struct BillingAccountUpdate {
  bool billing_email = false;
  bool company_name = false;
  bool address = false;
  bool tax_id = false;
  bool payment_method = false;
  // The new values of the masked fields; the others are empty.
  BillingAccountRow values;

  // Copies the masked fields of `values` into `account`.
  void ApplyTo(BillingAccountRow& account) const;
};

// Checks the update mask and every masked field of `request`, in this
// order: `update_mask` (required; only billing_email, company_name,
// address, tax_id and payment_method), then billing_email, company_name,
// address, tax_id and payment_method. Values:
//   - billing_email: an address like name@example.com, trimmed and
//     lower-cased, as identity checks user emails.
//   - company_name: 1 to 200 characters of UTF-8 after trimming, without
//     control characters.
//   - address: at most 5 lines and 1000 characters over all fields. Each
//     field is trimmed UTF-8 without control characters, and empty lines
//     are dropped. region_code is two ASCII letters, upper-cased.
//   - tax_id: at most 50 ASCII letters, digits, spaces, hyphens and dots,
//     trimmed.
//   - payment_method: see CheckPaymentMethod.
absl::StatusOr<BillingAccountUpdate> ParseBillingAccountUpdate(
    const ironorg::billing::v1::UpdateBillingAccountRequest& request);

// Returns true if `value` contains 12 or more digits in a row once spaces
// and hyphens are removed, as a card number does.
bool ContainsCardNumber(absl::string_view value);

// Checks a non-empty payment method: no card number (ContainsCardNumber),
// then 1 to 255 printable ASCII characters without spaces, as processor
// tokens such as `pm_...` or `tok_...` are. The error never contains the
// value.
absl::Status CheckPaymentMethod(absl::string_view value);

}  // namespace ironorg::billing

#endif  // IRONORG_SERVICES_BILLING_BILLING_ACCOUNT_INPUT_H_

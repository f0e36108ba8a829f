#include "services/billing/billing_account_input.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "common/errors.h"
#include "gmock/gmock.h"
#include "google/rpc/error_details.pb.h"
#include "gtest/gtest.h"

namespace ironorg::billing {
namespace {

namespace v1 = ::ironorg::billing::v1;
using ::testing::HasSubstr;
using ::testing::Not;

// Returns the field of the status's single BadRequest violation, or an
// empty string if it has none.
std::string ViolatedField(const absl::Status& status) {
  const auto payload = status.GetPayload(errors::kBadRequestTypeUrl);
  if (!payload.has_value()) {
    return "";
  }
  google::rpc::BadRequest bad_request;
  if (!bad_request.ParseFromString(std::string(*payload)) ||
      bad_request.field_violations_size() != 1) {
    return "";
  }
  return bad_request.field_violations(0).field();
}

// Returns every text the status carries: its message and its payloads.
std::string StatusText(const absl::Status& status) {
  std::string text(status.message());
  status.ForEachPayload([&text](absl::string_view, const absl::Cord& payload) {
    text += std::string(payload);
  });
  return text;
}

v1::UpdateBillingAccountRequest RequestWithMask(
    const std::vector<std::string>& paths) {
  v1::UpdateBillingAccountRequest request;
  request.mutable_billing_account()->set_name(
      "organizations/org1/billingAccount");
  for (const std::string& path : paths) {
    request.mutable_update_mask()->add_paths(path);
  }
  return request;
}

TEST(BillingAccountInputTest, MissingMaskNamesUpdateMask) {
  absl::StatusOr<BillingAccountUpdate> update =
      ParseBillingAccountUpdate(RequestWithMask({}));

  ASSERT_EQ(update.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ViolatedField(update.status()), "update_mask");
  EXPECT_THAT(update.status().message(), HasSubstr("payment_method"));
}

TEST(BillingAccountInputTest, UnknownMaskPathListsAllowedPaths) {
  absl::StatusOr<BillingAccountUpdate> update =
      ParseBillingAccountUpdate(RequestWithMask({"company_name", "etag"}));

  ASSERT_EQ(update.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ViolatedField(update.status()), "update_mask");
  EXPECT_THAT(update.status().message(), HasSubstr("\"etag\""));
  EXPECT_THAT(update.status().message(),
              HasSubstr("billing_email, company_name, address, tax_id and "
                        "payment_method"));
}

TEST(BillingAccountInputTest, NormalizesMaskedFieldsOnly) {
  v1::UpdateBillingAccountRequest request =
      RequestWithMask({"billing_email", "company_name"});
  request.mutable_billing_account()->set_billing_email(
      "  Billing@Example.COM ");
  request.mutable_billing_account()->set_company_name("  Acme Ltd. ");
  request.mutable_billing_account()->set_tax_id("not masked");

  absl::StatusOr<BillingAccountUpdate> update =
      ParseBillingAccountUpdate(request);

  ASSERT_TRUE(update.ok()) << update.status();
  EXPECT_EQ(update->values.billing_email, "billing@example.com");
  EXPECT_EQ(update->values.company_name, "Acme Ltd.");
  EXPECT_FALSE(update->tax_id);
  EXPECT_EQ(update->values.tax_id, "");
}

TEST(BillingAccountInputTest, EmptyValuesClearFields) {
  v1::UpdateBillingAccountRequest request = RequestWithMask(
      {"billing_email", "company_name", "address", "tax_id", "payment_method"});
  request.mutable_billing_account()->set_company_name("   ");
  BillingAccountRow stored;
  stored.billing_email = "old@example.com";
  stored.company_name = "Old";
  stored.address_lines = {"1 Old Road"};
  stored.tax_id = "OLD1";
  stored.payment_method = "pm_old";

  absl::StatusOr<BillingAccountUpdate> update =
      ParseBillingAccountUpdate(request);
  ASSERT_TRUE(update.ok()) << update.status();
  update->ApplyTo(stored);

  EXPECT_EQ(stored.billing_email, "");
  EXPECT_EQ(stored.company_name, "");
  EXPECT_TRUE(stored.address_lines.empty());
  EXPECT_EQ(stored.tax_id, "");
  EXPECT_EQ(stored.payment_method, "");
}

TEST(BillingAccountInputTest, InvalidEmailNamesField) {
  v1::UpdateBillingAccountRequest request = RequestWithMask({"billing_email"});
  request.mutable_billing_account()->set_billing_email("billing-at-example");

  absl::StatusOr<BillingAccountUpdate> update =
      ParseBillingAccountUpdate(request);

  ASSERT_EQ(update.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ViolatedField(update.status()), "billing_account.billing_email");
}

TEST(BillingAccountInputTest, LongCompanyNameNamesField) {
  v1::UpdateBillingAccountRequest request = RequestWithMask({"company_name"});
  request.mutable_billing_account()->set_company_name(std::string(201, 'a'));

  absl::StatusOr<BillingAccountUpdate> update =
      ParseBillingAccountUpdate(request);

  ASSERT_EQ(update.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ViolatedField(update.status()), "billing_account.company_name");
  EXPECT_THAT(update.status().message(), HasSubstr("1 to 200"));
}

TEST(BillingAccountInputTest, InvalidUtf8NamesEachField) {
  const std::string invalid = "Acme \xc3\x28";
  const struct {
    const char* path;
    const char* field;
    void (*set)(v1::BillingAccount&, const std::string&);
  } cases[] = {
      {"billing_email", "billing_account.billing_email",
       [](v1::BillingAccount& a, const std::string& v) {
         a.set_billing_email(v);
       }},
      {"company_name", "billing_account.company_name",
       [](v1::BillingAccount& a, const std::string& v) {
         a.set_company_name(v);
       }},
      {"address", "billing_account.address.address_lines[1]",
       [](v1::BillingAccount& a, const std::string& v) {
         a.mutable_address()->add_address_lines("1 Main St");
         a.mutable_address()->add_address_lines(v);
       }},
      {"address", "billing_account.address.locality",
       [](v1::BillingAccount& a, const std::string& v) {
         a.mutable_address()->set_locality(v);
       }},
      {"tax_id", "billing_account.tax_id",
       [](v1::BillingAccount& a, const std::string& v) { a.set_tax_id(v); }},
      {"payment_method", "billing_account.payment_method",
       [](v1::BillingAccount& a, const std::string& v) {
         a.set_payment_method(v);
       }},
  };
  for (const auto& test_case : cases) {
    v1::UpdateBillingAccountRequest request = RequestWithMask({test_case.path});
    test_case.set(*request.mutable_billing_account(), invalid);

    absl::StatusOr<BillingAccountUpdate> update =
        ParseBillingAccountUpdate(request);

    ASSERT_EQ(update.status().code(), absl::StatusCode::kInvalidArgument)
        << test_case.field;
    EXPECT_EQ(ViolatedField(update.status()), test_case.field);
  }
}

TEST(BillingAccountInputTest, AddressDropsEmptyLinesAndUpperCasesRegion) {
  v1::UpdateBillingAccountRequest request = RequestWithMask({"address"});
  v1::PostalAddress* address =
      request.mutable_billing_account()->mutable_address();
  address->add_address_lines(" 1 Main St ");
  address->add_address_lines("  ");
  address->add_address_lines("Suite 2");
  address->set_locality("Berlin");
  address->set_postal_code("10115");
  address->set_region_code("de");

  absl::StatusOr<BillingAccountUpdate> update =
      ParseBillingAccountUpdate(request);

  ASSERT_TRUE(update.ok()) << update.status();
  EXPECT_EQ(update->values.address_lines,
            (std::vector<std::string>{"1 Main St", "Suite 2"}));
  EXPECT_EQ(update->values.region_code, "DE");
}

TEST(BillingAccountInputTest, AddressLineWithNewlineIsRejected) {
  v1::UpdateBillingAccountRequest request = RequestWithMask({"address"});
  request.mutable_billing_account()->mutable_address()->add_address_lines(
      "1 Main St\nSuite 2");

  absl::StatusOr<BillingAccountUpdate> update =
      ParseBillingAccountUpdate(request);

  ASSERT_EQ(update.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ViolatedField(update.status()),
            "billing_account.address.address_lines[0]");
}

TEST(BillingAccountInputTest, AddressOverThousandCharactersIsRejected) {
  v1::UpdateBillingAccountRequest request = RequestWithMask({"address"});
  v1::PostalAddress* address =
      request.mutable_billing_account()->mutable_address();
  for (int i = 0; i < 5; ++i) {
    address->add_address_lines(std::string(200, 'x'));
  }
  address->set_locality("B");

  absl::StatusOr<BillingAccountUpdate> update =
      ParseBillingAccountUpdate(request);

  ASSERT_EQ(update.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ViolatedField(update.status()), "billing_account.address");
  EXPECT_THAT(update.status().message(), HasSubstr("1001"));
}

TEST(BillingAccountInputTest, AddressOfThousandCharactersIsAccepted) {
  v1::UpdateBillingAccountRequest request = RequestWithMask({"address"});
  v1::PostalAddress* address =
      request.mutable_billing_account()->mutable_address();
  for (int i = 0; i < 5; ++i) {
    // Two-byte characters: the limit counts characters, not bytes.
    std::string line;
    for (int k = 0; k < 200; ++k) {
      line += "\xc3\xa9";
    }
    address->add_address_lines(line);
  }

  EXPECT_TRUE(ParseBillingAccountUpdate(request).ok());
}

TEST(BillingAccountInputTest, SixAddressLinesAreRejected) {
  v1::UpdateBillingAccountRequest request = RequestWithMask({"address"});
  for (int i = 0; i < 6; ++i) {
    request.mutable_billing_account()->mutable_address()->add_address_lines(
        "line");
  }

  absl::StatusOr<BillingAccountUpdate> update =
      ParseBillingAccountUpdate(request);

  ASSERT_EQ(update.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ViolatedField(update.status()),
            "billing_account.address.address_lines");
}

TEST(BillingAccountInputTest, RegionCodeOfThreeLettersIsRejected) {
  v1::UpdateBillingAccountRequest request = RequestWithMask({"address"});
  request.mutable_billing_account()->mutable_address()->set_region_code("DEU");

  absl::StatusOr<BillingAccountUpdate> update =
      ParseBillingAccountUpdate(request);

  ASSERT_EQ(update.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ViolatedField(update.status()),
            "billing_account.address.region_code");
}

TEST(BillingAccountInputTest, TaxIdAcceptsLettersDigitsAndPunctuation) {
  v1::UpdateBillingAccountRequest request = RequestWithMask({"tax_id"});
  request.mutable_billing_account()->set_tax_id(" GB 123.456-789 ");

  absl::StatusOr<BillingAccountUpdate> update =
      ParseBillingAccountUpdate(request);

  ASSERT_TRUE(update.ok()) << update.status();
  EXPECT_EQ(update->values.tax_id, "GB 123.456-789");
}

TEST(BillingAccountInputTest, TaxIdRejectsOtherCharactersAndLength) {
  for (const std::string& tax_id :
       {std::string("DE_123"), std::string("DE/123"), std::string(51, '1')}) {
    v1::UpdateBillingAccountRequest request = RequestWithMask({"tax_id"});
    request.mutable_billing_account()->set_tax_id(tax_id);

    absl::StatusOr<BillingAccountUpdate> update =
        ParseBillingAccountUpdate(request);

    ASSERT_EQ(update.status().code(), absl::StatusCode::kInvalidArgument)
        << tax_id;
    EXPECT_EQ(ViolatedField(update.status()), "billing_account.tax_id");
  }
}

TEST(BillingAccountInputTest, ProcessorTokensAreAccepted) {
  for (const std::string& token :
       {std::string("pm_1NxyzAbCdEfGh"), std::string("tok_visa"),
        std::string("pm_12345678901"), std::string(255, 'p')}) {
    v1::UpdateBillingAccountRequest request =
        RequestWithMask({"payment_method"});
    request.mutable_billing_account()->set_payment_method(token);

    absl::StatusOr<BillingAccountUpdate> update =
        ParseBillingAccountUpdate(request);

    ASSERT_TRUE(update.ok()) << token << ": " << update.status();
    EXPECT_EQ(update->values.payment_method, token);
  }
}

TEST(BillingAccountInputTest, CardNumbersAreRejectedWithoutEcho) {
  for (const std::string& card :
       {std::string("4111111111111111"), std::string("4111 1111 1111 1111"),
        std::string("4111-1111-1111-1111"), std::string("pm_411111111111"),
        std::string("card 5500 0000 0000 0004 exp 12/30")}) {
    v1::UpdateBillingAccountRequest request =
        RequestWithMask({"payment_method"});
    request.mutable_billing_account()->set_payment_method(card);

    absl::StatusOr<BillingAccountUpdate> update =
        ParseBillingAccountUpdate(request);

    ASSERT_EQ(update.status().code(), absl::StatusCode::kInvalidArgument)
        << card;
    EXPECT_EQ(ViolatedField(update.status()), "billing_account.payment_method");
    EXPECT_THAT(update.status().message(),
                HasSubstr("card numbers are not accepted"));
    EXPECT_THAT(update.status().message(), HasSubstr("token"));
    EXPECT_THAT(StatusText(update.status()), Not(HasSubstr("1111")));
    EXPECT_THAT(StatusText(update.status()), Not(HasSubstr("0000")));
  }
}

TEST(BillingAccountInputTest, NonTokenPaymentMethodIsRejected) {
  for (const std::string& value :
       {std::string("pm 123"), std::string(256, 'p'), std::string("pm_\t1")}) {
    v1::UpdateBillingAccountRequest request =
        RequestWithMask({"payment_method"});
    request.mutable_billing_account()->set_payment_method(value);

    absl::StatusOr<BillingAccountUpdate> update =
        ParseBillingAccountUpdate(request);

    ASSERT_EQ(update.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(ViolatedField(update.status()), "billing_account.payment_method");
    EXPECT_THAT(update.status().message(), HasSubstr("1 to 255"));
  }
}

TEST(BillingAccountInputTest, ContainsCardNumberCountsDigitRuns) {
  EXPECT_TRUE(ContainsCardNumber("123456789012"));
  EXPECT_TRUE(ContainsCardNumber("1234 5678-9012"));
  EXPECT_FALSE(ContainsCardNumber("12345678901"));
  EXPECT_FALSE(ContainsCardNumber("123456x789012"));
}

}  // namespace
}  // namespace ironorg::billing

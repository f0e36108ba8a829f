// End-to-end tests of billing: the five real binaries on loopback, called
// through the gateway with each role's token. ironorg-billing serves a plan
// catalog file that the last test replaces, as an operator would, before
// restarting billing.
#include <grpcpp/grpcpp.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "gtest/gtest.h"
#include "ironorg/billing/v1/billing_account.grpc.pb.h"
#include "ironorg/billing/v1/plan.grpc.pb.h"
#include "ironorg/billing/v1/subscription.grpc.pb.h"
#include "tests/e2e/organization_setup.h"
#include "tests/e2e/suite.h"

namespace ironorg::testing {
namespace {

namespace billing = ::ironorg::billing::v1;

using ::testing::HasSubstr;
using ::testing::Not;

constexpr auto kPollInterval = std::chrono::milliseconds(50);
// A test card number that payment processors publish for testing.
constexpr char kCardNumber[] = "4000 0566 5566 5556";
constexpr char kCardDigits[] = "4000056655665556";

// Returns a plan catalog in text format of `version`, with a free and a
// launch plan per product and, when `with_professional` is set, an
// IronWorker professional plan.
std::string CatalogText(const std::string& version, bool with_professional) {
  std::string text = absl::StrCat("version: \"", version, "\"\n", R"catalog(
plans {
  name: "plans/iron-worker-free"
  product: PRODUCT_IRON_WORKER
  display_name: "IronWorker Free"
  monthly_price_cents: 0
  iron_worker_limits {
    concurrent_tasks: 2
    compute_hours_per_month: 10
    max_task_run_time_seconds: 3600
    scheduled_jobs: 5
    highest_priority: 0
  }
}
plans {
  name: "plans/iron-worker-launch"
  product: PRODUCT_IRON_WORKER
  display_name: "IronWorker Launch"
  monthly_price_cents: 4900
  iron_worker_limits {
    concurrent_tasks: 10
    compute_hours_per_month: 500
    max_task_run_time_seconds: 3600
    scheduled_jobs: 100
    highest_priority: 1
  }
}
plans {
  name: "plans/iron-mq-free"
  product: PRODUCT_IRON_MQ
  display_name: "IronMQ Free"
  monthly_price_cents: 0
  iron_mq_limits { api_requests_per_month: 1000000 max_message_size_kb: 64 }
}
plans {
  name: "plans/iron-mq-launch"
  product: PRODUCT_IRON_MQ
  display_name: "IronMQ Launch"
  monthly_price_cents: 2900
  iron_mq_limits { api_requests_per_month: 50000000 max_message_size_kb: 256 }
}
plans {
  name: "plans/iron-cache-free"
  product: PRODUCT_IRON_CACHE
  display_name: "IronCache Free"
  monthly_price_cents: 0
  iron_cache_limits { cache_size_mb: 10 api_requests_per_month: 1000000 }
}
plans {
  name: "plans/iron-cache-launch"
  product: PRODUCT_IRON_CACHE
  display_name: "IronCache Launch"
  monthly_price_cents: 1900
  iron_cache_limits { cache_size_mb: 1024 api_requests_per_month: 50000000 }
}
)catalog");
  if (with_professional) {
    text += R"catalog(
plans {
  name: "plans/iron-worker-professional"
  product: PRODUCT_IRON_WORKER
  display_name: "IronWorker Professional"
  monthly_price_cents: 39900
  iron_worker_limits {
    concurrent_tasks: 50
    compute_hours_per_month: 5000
    max_task_run_time_seconds: 86400
    scheduled_jobs: 1000
    highest_priority: 2
  }
}
)catalog";
  }
  return text;
}

bool WriteFile(const std::string& path, const std::string& contents) {
  std::ofstream out(path, std::ios::trunc);
  out << contents;
  out.close();
  return static_cast<bool>(out);
}

// Returns the field of the single BadRequest violation in a failed call's
// details, or an empty string if there is none.
std::string ViolatedField(const grpc::Status& status) {
  google::rpc::Status details;
  if (!details.ParseFromString(status.error_details())) {
    return "";
  }
  for (const auto& detail : details.details()) {
    google::rpc::BadRequest bad_request;
    if (detail.UnpackTo(&bad_request) &&
        bad_request.field_violations_size() == 1) {
      return bad_request.field_violations(0).field();
    }
  }
  return "";
}

class BillingEndToEndTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::string pattern = ::testing::TempDir() + "ironorg_catalog_XXXXXX";
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    catalog_dir_ = new std::string(pattern);
    catalog_path_ = new std::string(*catalog_dir_ + "/plans.textproto");
    ASSERT_TRUE(WriteFile(*catalog_path_, CatalogText("e2e-1", true)));

    SuiteOptions options;
    options.extra_flags["billing"] = {
        absl::StrCat("--plan_catalog_file=", *catalog_path_)};
    absl::StatusOr<std::unique_ptr<Suite>> suite = Suite::Start(options);
    ASSERT_TRUE(suite.ok()) << suite.status();
    suite_ = std::move(*suite).release();
  }

  static void TearDownTestSuite() {
    delete suite_;
    suite_ = nullptr;
    if (catalog_dir_ != nullptr) {
      std::error_code ignored;
      std::filesystem::remove_all(*catalog_dir_, ignored);
    }
    delete catalog_dir_;
    delete catalog_path_;
    catalog_dir_ = nullptr;
    catalog_path_ = nullptr;
  }

  void SetUp() override {
    ASSERT_NE(suite_, nullptr);
    channel_ = suite_->GatewayChannel();
    plans_ = billing::PlanService::NewStub(channel_);
    subscriptions_ = billing::SubscriptionService::NewStub(channel_);
    accounts_ = billing::BillingAccountService::NewStub(channel_);
    setup_ = std::make_unique<OrganizationSetup>(*suite_);
  }

  // Creates an organization with one logged-in user of each role.
  TestOrganization CreateOrganization() {
    return setup_->CreateOrganization("Acme Billing");
  }

  grpc::Status ChangePlan(const std::string& token, const std::string& name,
                          const std::string& plan,
                          const std::string& request_id,
                          billing::Subscription* subscription) {
    billing::ChangePlanRequest request;
    request.set_name(name);
    request.set_plan(plan);
    request.set_request_id(request_id);
    return subscriptions_->ChangePlan(ContextWithToken(token).get(), request,
                                      subscription);
  }

  grpc::Status ListSubscriptions(const std::string& token,
                                 const std::string& parent,
                                 billing::ListSubscriptionsResponse* response) {
    billing::ListSubscriptionsRequest request;
    request.set_parent(parent);
    return subscriptions_->ListSubscriptions(ContextWithToken(token).get(),
                                             request, response);
  }

  grpc::Status ListPlanChanges(const std::string& token,
                               const std::string& parent,
                               billing::ListPlanChangesResponse* response) {
    billing::ListPlanChangesRequest request;
    request.set_parent(parent);
    return subscriptions_->ListPlanChanges(ContextWithToken(token).get(),
                                           request, response);
  }

  grpc::Status GetAccount(const std::string& token, const std::string& name,
                          billing::BillingAccount* account) {
    billing::GetBillingAccountRequest request;
    request.set_name(name);
    return accounts_->GetBillingAccount(ContextWithToken(token).get(), request,
                                        account);
  }

  grpc::Status UpdateAccount(const std::string& token,
                             const billing::BillingAccount& values,
                             const std::vector<std::string>& paths,
                             billing::BillingAccount* account) {
    billing::UpdateBillingAccountRequest request;
    *request.mutable_billing_account() = values;
    for (const std::string& path : paths) {
      request.mutable_update_mask()->add_paths(path);
    }
    return accounts_->UpdateBillingAccount(ContextWithToken(token).get(),
                                           request, account);
  }

  static Suite* suite_;
  static std::string* catalog_dir_;
  static std::string* catalog_path_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<billing::PlanService::Stub> plans_;
  std::unique_ptr<billing::SubscriptionService::Stub> subscriptions_;
  std::unique_ptr<billing::BillingAccountService::Stub> accounts_;
  std::unique_ptr<OrganizationSetup> setup_;
};

Suite* BillingEndToEndTest::suite_ = nullptr;
std::string* BillingEndToEndTest::catalog_dir_ = nullptr;
std::string* BillingEndToEndTest::catalog_path_ = nullptr;

TEST_F(BillingEndToEndTest, ChangePlanShowsInSubscriptionsAndHistory) {
  const TestOrganization org = CreateOrganization();
  const std::string worker =
      absl::StrCat(org.name, "/subscriptions/iron-worker");
  billing::Subscription changed;

  grpc::Status status =
      ChangePlan(org.accountant_token, worker, "plans/iron-worker-launch",
                 "e2e-1", &changed);

  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(changed.plan(), "plans/iron-worker-launch");
  EXPECT_EQ(changed.etag(), "2");
  billing::ListSubscriptionsResponse listed;
  status = ListSubscriptions(org.admin_token, org.name, &listed);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(listed.subscriptions_size(), 3);
  EXPECT_EQ(listed.subscriptions(0).plan(), "plans/iron-worker-launch");
  EXPECT_EQ(listed.subscriptions(0).start_time().seconds(),
            changed.start_time().seconds());
  EXPECT_EQ(listed.subscriptions(1).plan(), "plans/iron-mq-free");
  billing::ListPlanChangesResponse history;
  status = ListPlanChanges(org.read_only_token, worker, &history);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(history.plan_changes_size(), 2);
  EXPECT_EQ(history.plan_changes(0).plan(), "plans/iron-worker-launch");
  EXPECT_EQ(history.plan_changes(0).previous_plan(), "plans/iron-worker-free");
  EXPECT_THAT(history.plan_changes(0).actor(), HasSubstr(org.name));
  EXPECT_EQ(history.plan_changes(1).plan(), "plans/iron-worker-free");
}

TEST_F(BillingEndToEndTest, ChangePlanRetryReturnsFirstResult) {
  const TestOrganization org = CreateOrganization();
  const std::string mq = absl::StrCat(org.name, "/subscriptions/iron-mq");
  billing::Subscription first;
  ASSERT_TRUE(
      ChangePlan(org.admin_token, mq, "plans/iron-mq-launch", "once", &first)
          .ok());

  billing::Subscription retry;
  grpc::Status status =
      ChangePlan(org.admin_token, mq, "plans/iron-mq-launch", "once", &retry);

  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(retry.etag(), first.etag());
  billing::ListPlanChangesResponse history;
  ASSERT_TRUE(ListPlanChanges(org.admin_token, mq, &history).ok());
  EXPECT_EQ(history.plan_changes_size(), 2);
}

TEST_F(BillingEndToEndTest, ChangePlanRejectsPlanOfAnotherProduct) {
  const TestOrganization org = CreateOrganization();
  billing::Subscription changed;

  grpc::Status status = ChangePlan(
      org.admin_token, absl::StrCat(org.name, "/subscriptions/iron-cache"),
      "plans/iron-mq-launch", "", &changed);

  ASSERT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(ViolatedField(status), "plan");
  EXPECT_THAT(status.error_message(),
              HasSubstr("plans/iron-cache-free, plans/iron-cache-launch"));
}

TEST_F(BillingEndToEndTest, CardNumberRejectedAndAccountUnchanged) {
  const TestOrganization org = CreateOrganization();
  const std::string account_name = absl::StrCat(org.name, "/billingAccount");
  billing::BillingAccount values;
  values.set_name(account_name);
  values.set_company_name("Acme Ltd.");
  values.set_payment_method("pm_1NxyzAbCdE");
  billing::BillingAccount stored;
  ASSERT_TRUE(UpdateAccount(org.admin_token, values,
                            {"company_name", "payment_method"}, &stored)
                  .ok());

  billing::BillingAccount card = values;
  card.set_payment_method(kCardNumber);
  billing::BillingAccount rejected;
  grpc::Status status =
      UpdateAccount(org.accountant_token, card, {"payment_method"}, &rejected);

  ASSERT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(ViolatedField(status), "billing_account.payment_method");
  EXPECT_THAT(status.error_message(),
              HasSubstr("card numbers are not accepted"));
  EXPECT_THAT(status.error_message(), Not(HasSubstr("4000")));
  EXPECT_THAT(status.error_details(), Not(HasSubstr("4000")));
  billing::BillingAccount read;
  ASSERT_TRUE(GetAccount(org.read_only_token, account_name, &read).ok());
  EXPECT_EQ(read.payment_method(), "pm_1NxyzAbCdE");
  EXPECT_EQ(read.etag(), stored.etag());
  const std::string logs = suite_->ReadLogs();
  EXPECT_THAT(logs, Not(HasSubstr(kCardNumber)));
  EXPECT_THAT(logs, Not(HasSubstr(kCardDigits)));
}

// Protobuf rejects invalid UTF-8 while parsing, before billing's own
// checks run, so the gateway names the field.
TEST_F(BillingEndToEndTest, InvalidUtf8NamesField) {
  const TestOrganization org = CreateOrganization();
  billing::BillingAccount values;
  values.set_name(absl::StrCat(org.name, "/billingAccount"));
  values.mutable_address()->set_locality("Berlin \xc3\x28");
  billing::BillingAccount account;

  grpc::Status status =
      UpdateAccount(org.admin_token, values, {"address"}, &account);

  ASSERT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(ViolatedField(status), "billing_account.address.locality");
  billing::BillingAccount read;
  ASSERT_TRUE(GetAccount(org.admin_token, values.name(), &read).ok());
  EXPECT_EQ(read.etag(), "");
}

TEST_F(BillingEndToEndTest, NeverSetAccountIsEmpty) {
  const TestOrganization org = CreateOrganization();
  billing::BillingAccount account;

  grpc::Status status =
      GetAccount(org.accountant_token,
                 absl::StrCat(org.name, "/billingAccount"), &account);

  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(account.name(), absl::StrCat(org.name, "/billingAccount"));
  EXPECT_EQ(account.company_name(), "");
  EXPECT_EQ(account.etag(), "");
}

TEST_F(BillingEndToEndTest, StaleEtagIsAborted) {
  const TestOrganization org = CreateOrganization();
  billing::BillingAccount values;
  values.set_name(absl::StrCat(org.name, "/billingAccount"));
  values.set_company_name("First");
  billing::BillingAccount stored;
  ASSERT_TRUE(
      UpdateAccount(org.admin_token, values, {"company_name"}, &stored).ok());
  values.set_etag(stored.etag());
  values.set_company_name("Second");
  ASSERT_TRUE(
      UpdateAccount(org.admin_token, values, {"company_name"}, &stored).ok());

  values.set_company_name("Third");
  billing::BillingAccount stale;
  grpc::Status status =
      UpdateAccount(org.accountant_token, values, {"company_name"}, &stale);

  EXPECT_EQ(status.error_code(), grpc::StatusCode::ABORTED);
  billing::BillingAccount read;
  ASSERT_TRUE(GetAccount(org.admin_token, values.name(), &read).ok());
  EXPECT_EQ(read.company_name(), "Second");
}

// Each new call as each role: Admin and Accountant may change, Admin
// read-only may read, a Developer and a user of another organization get
// PERMISSION_DENIED.
TEST_F(BillingEndToEndTest, RoleScopesOfBillingCalls) {
  const TestOrganization org = CreateOrganization();
  const TestOrganization other = CreateOrganization();
  const std::string worker =
      absl::StrCat(org.name, "/subscriptions/iron-worker");
  const std::string account_name = absl::StrCat(org.name, "/billingAccount");
  struct Caller {
    const char* label;
    std::string token;
    bool reads;
    bool changes;
  };
  const std::vector<Caller> callers = {
      {"Admin", org.admin_token, true, true},
      {"Admin read-only", org.read_only_token, true, false},
      {"Developer", org.developer_token, false, false},
      {"Accountant", org.accountant_token, true, true},
      {"Admin of another organization", other.admin_token, false, false},
  };
  auto expect = [](const Caller& caller, bool allowed, const char* method,
                   const grpc::Status& status) {
    if (allowed) {
      EXPECT_TRUE(status.ok())
          << method << " as " << caller.label << ": " << status.error_message();
    } else {
      EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED)
          << method << " as " << caller.label << ": " << status.error_message();
    }
  };

  for (const Caller& caller : callers) {
    billing::Subscription subscription;
    expect(caller, caller.changes, "ChangePlan",
           ChangePlan(caller.token, worker, "plans/iron-worker-launch", "",
                      &subscription));
    billing::ListPlanChangesResponse history;
    expect(caller, caller.reads, "ListPlanChanges",
           ListPlanChanges(caller.token, worker, &history));
    billing::ListSubscriptionsResponse listed;
    expect(caller, caller.reads, "ListSubscriptions",
           ListSubscriptions(caller.token, org.name, &listed));
    billing::BillingAccount account;
    expect(caller, caller.reads, "GetBillingAccount",
           GetAccount(caller.token, account_name, &account));
    billing::BillingAccount values;
    values.set_name(account_name);
    values.set_company_name(absl::StrCat("Set by ", caller.label));
    expect(caller, caller.changes, "UpdateBillingAccount",
           UpdateAccount(caller.token, values, {"company_name"}, &account));
    billing::ListPlansResponse plans;
    expect(caller, true, "ListPlans",
           plans_->ListPlans(ContextWithToken(caller.token).get(),
                             billing::ListPlansRequest(), &plans));
  }
}

// An operator replaces the catalog file, dropping a plan an organization
// is on, and restarts billing: the data is kept, the new version is
// served, and the withdrawn plan stays on the subscription but cannot be
// chosen again.
TEST_F(BillingEndToEndTest, DataSurvivesRestartWithNewCatalog) {
  const TestOrganization org = CreateOrganization();
  const std::string worker =
      absl::StrCat(org.name, "/subscriptions/iron-worker");
  const std::string account_name = absl::StrCat(org.name, "/billingAccount");
  billing::Subscription changed;
  ASSERT_TRUE(ChangePlan(org.admin_token, worker,
                         "plans/iron-worker-professional", "", &changed)
                  .ok());
  billing::BillingAccount values;
  values.set_name(account_name);
  values.set_billing_email("invoices@acme.example");
  billing::BillingAccount stored;
  ASSERT_TRUE(
      UpdateAccount(org.accountant_token, values, {"billing_email"}, &stored)
          .ok());

  ASSERT_TRUE(WriteFile(*catalog_path_, CatalogText("e2e-2", false)));
  ASSERT_TRUE(suite_->Restart("billing").ok());

  // The gateway reconnects to the restarted billing on its own; poll until
  // a call goes through.
  billing::ListPlansResponse plans;
  grpc::Status status;
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (true) {
    plans.Clear();
    status = plans_->ListPlans(ContextWithToken(org.admin_token).get(),
                               billing::ListPlansRequest(), &plans);
    if (status.ok() || std::chrono::steady_clock::now() >= deadline) {
      break;
    }
    std::this_thread::sleep_for(kPollInterval);
  }
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_GT(plans.plans_size(), 0);
  for (const billing::Plan& plan : plans.plans()) {
    EXPECT_EQ(plan.catalog_version(), "e2e-2") << plan.name();
    EXPECT_NE(plan.name(), "plans/iron-worker-professional");
  }

  billing::ListSubscriptionsResponse listed;
  ASSERT_TRUE(ListSubscriptions(org.admin_token, org.name, &listed).ok());
  ASSERT_EQ(listed.subscriptions_size(), 3);
  EXPECT_EQ(listed.subscriptions(0).plan(), "plans/iron-worker-professional");
  EXPECT_EQ(listed.subscriptions(0).etag(), changed.etag());
  billing::ListPlanChangesResponse history;
  ASSERT_TRUE(ListPlanChanges(org.admin_token, worker, &history).ok());
  EXPECT_EQ(history.plan_changes_size(), 2);
  billing::BillingAccount read;
  ASSERT_TRUE(GetAccount(org.admin_token, account_name, &read).ok());
  EXPECT_EQ(read.billing_email(), "invoices@acme.example");
  EXPECT_EQ(read.etag(), stored.etag());

  billing::Subscription back;
  status = ChangePlan(org.admin_token, worker, "plans/iron-worker-professional",
                      "", &back);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(ViolatedField(status), "plan");
  billing::Subscription onward;
  status = ChangePlan(org.admin_token, worker, "plans/iron-worker-launch", "",
                      &onward);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(onward.plan(), "plans/iron-worker-launch");
}

}  // namespace
}  // namespace ironorg::testing

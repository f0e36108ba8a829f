#include "services/billing/billing_service.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "common/errors.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "google/rpc/error_details.pb.h"
#include "gtest/gtest.h"
#include "tests/testing/scoped_temp_dir.h"
#include "tests/testing/test_support.h"

namespace ironorg::billing {
namespace {

namespace v1 = ::ironorg::billing::v1;
using ::ironorg::identity::v1::Principal;
using ::ironorg::identity::v1::ROLE_ACCOUNTANT;
using ::ironorg::identity::v1::ROLE_ADMIN;
using ::ironorg::identity::v1::ROLE_ADMIN_READ_ONLY;
using ::ironorg::identity::v1::ROLE_DEVELOPER;
using ::ironorg::test::CountRows;
using ::ironorg::test::ScopedTempDir;
using ::testing::EndsWith;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kWorker[] = "organizations/org1/subscriptions/iron-worker";
constexpr char kAccount[] = "organizations/org1/billingAccount";

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

Principal UserOf(const std::string& organization_id,
                 ironorg::identity::v1::Role role) {
  Principal principal;
  principal.set_kind(Principal::KIND_USER_ACCESS_TOKEN);
  principal.set_organization("organizations/" + organization_id);
  principal.set_user("organizations/" + organization_id + "/users/u1");
  principal.set_role(role);
  return principal;
}

class BillingServiceTest : public testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<PlanCatalog> catalog = PlanCatalog::Default();
    ASSERT_TRUE(catalog.ok()) << catalog.status();
    catalog_ = std::make_unique<PlanCatalog>(std::move(*catalog));
    OpenService();
  }

  // Opens the store in data_dir_ and builds a service on it, replacing
  // any previous one.
  void OpenService() {
    service_.reset();
    store_.reset();
    absl::StatusOr<std::unique_ptr<BillingStore>> store =
        BillingStore::Open(data_dir_.path());
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    service_ = std::make_unique<BillingService>(
        store_.get(), catalog_.get(), [this] { return now_micros_; },
        pagination::PageTokenCodec(std::string(32, 'k')));
  }

  absl::StatusOr<v1::ListSubscriptionsResponse> ListSubscriptions(
      const Principal& caller, const std::string& parent) {
    v1::ListSubscriptionsRequest request;
    request.set_parent(parent);
    return service_->ListSubscriptions(caller, request);
  }

  absl::StatusOr<v1::Subscription> ChangePlan(
      const Principal& caller, const std::string& name, const std::string& plan,
      const std::string& request_id = "") {
    v1::ChangePlanRequest request;
    request.set_name(name);
    request.set_plan(plan);
    request.set_request_id(request_id);
    return service_->ChangePlan(caller, request);
  }

  absl::StatusOr<v1::ListPlanChangesResponse> ListPlanChanges(
      const Principal& caller, const std::string& parent, int page_size = 0,
      const std::string& page_token = "") {
    v1::ListPlanChangesRequest request;
    request.set_parent(parent);
    request.set_page_size(page_size);
    request.set_page_token(page_token);
    return service_->ListPlanChanges(caller, request);
  }

  absl::StatusOr<v1::BillingAccount> GetAccount(const Principal& caller,
                                                const std::string& name) {
    v1::GetBillingAccountRequest request;
    request.set_name(name);
    return service_->GetBillingAccount(caller, request);
  }

  // Sets the company name of org1's account.
  absl::StatusOr<v1::BillingAccount> UpdateCompanyName(
      const Principal& caller, const std::string& company_name,
      const std::string& etag = "") {
    v1::UpdateBillingAccountRequest request;
    request.mutable_billing_account()->set_name(kAccount);
    request.mutable_billing_account()->set_company_name(company_name);
    request.mutable_billing_account()->set_etag(etag);
    request.mutable_update_mask()->add_paths("company_name");
    return service_->UpdateBillingAccount(caller, request);
  }

  int64_t AuditEventCount() {
    return CountRows(data_dir_.path() + "/billing.db", "audit_events");
  }

  ScopedTempDir data_dir_;
  int64_t now_micros_ = 1'700'000'000'000'000;
  std::unique_ptr<PlanCatalog> catalog_;
  std::unique_ptr<BillingStore> store_;
  std::unique_ptr<BillingService> service_;
  const Principal admin_ = UserOf("org1", ironorg::identity::v1::ROLE_ADMIN);
  const Principal accountant_ = UserOf("org1", ROLE_ACCOUNTANT);
  const Principal read_only_ = UserOf("org1", ROLE_ADMIN_READ_ONLY);
  const Principal developer_ = UserOf("org1", ROLE_DEVELOPER);
};

TEST_F(BillingServiceTest, ListPlansFiltersByProduct) {
  v1::ListPlansRequest request;
  request.set_product(v1::PRODUCT_IRON_MQ);

  absl::StatusOr<v1::ListPlansResponse> response =
      service_->ListPlans(admin_, request);

  ASSERT_TRUE(response.ok()) << response.status();
  ASSERT_GE(response->plans_size(), 2);
  for (const v1::Plan& plan : response->plans()) {
    EXPECT_EQ(plan.product(), v1::PRODUCT_IRON_MQ) << plan.name();
  }
  EXPECT_EQ(response->plans(0).name(), "plans/iron-mq-free");
}

TEST_F(BillingServiceTest, ListPlansCheapestFirstWithinProduct) {
  v1::ListPlansRequest request;
  request.set_product(v1::PRODUCT_IRON_WORKER);

  absl::StatusOr<v1::ListPlansResponse> response =
      service_->ListPlans(admin_, request);

  ASSERT_TRUE(response.ok()) << response.status();
  for (int i = 1; i < response->plans_size(); ++i) {
    EXPECT_LE(response->plans(i - 1).monthly_price_cents(),
              response->plans(i).monthly_price_cents())
        << response->plans(i).name();
  }
}

TEST_F(BillingServiceTest, ListPlansUnspecifiedReturnsEveryProduct) {
  absl::StatusOr<v1::ListPlansResponse> response =
      service_->ListPlans(admin_, v1::ListPlansRequest());

  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->plans_size(), static_cast<int>(catalog_->plans().size()));
  for (v1::Product product :
       {v1::PRODUCT_IRON_WORKER, v1::PRODUCT_IRON_MQ, v1::PRODUCT_IRON_CACHE}) {
    int count = 0;
    for (const v1::Plan& plan : response->plans()) {
      count += plan.product() == product ? 1 : 0;
    }
    EXPECT_GE(count, 2) << v1::Product_Name(product);
  }
}

TEST_F(BillingServiceTest, ListPlansRejectsUnknownProduct) {
  v1::ListPlansRequest request;
  request.set_product(static_cast<v1::Product>(42));

  absl::StatusOr<v1::ListPlansResponse> response =
      service_->ListPlans(admin_, request);

  EXPECT_EQ(response.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(BillingServiceTest, ListPlansRejectsClusterToken) {
  Principal runner;
  runner.set_kind(Principal::KIND_CLUSTER_TOKEN);
  runner.set_organization("organizations/org1");
  runner.set_cluster("organizations/org1/clusters/c1");

  absl::StatusOr<v1::ListPlansResponse> response =
      service_->ListPlans(runner, v1::ListPlansRequest());

  EXPECT_EQ(response.status().code(), absl::StatusCode::kPermissionDenied);
}

TEST_F(BillingServiceTest, GetPlanReturnsPlan) {
  v1::GetPlanRequest request;
  request.set_name("plans/iron-cache-launch");

  absl::StatusOr<v1::Plan> plan = service_->GetPlan(admin_, request);

  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->product(), v1::PRODUCT_IRON_CACHE);
  EXPECT_TRUE(plan->has_iron_cache_limits());
}

TEST_F(BillingServiceTest, GetPlanUnknownIsNotFound) {
  v1::GetPlanRequest request;
  request.set_name("plans/x");

  absl::StatusOr<v1::Plan> plan = service_->GetPlan(admin_, request);

  ASSERT_EQ(plan.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(plan.status().message(), "plan \"plans/x\" not found");
}

TEST_F(BillingServiceTest, GetPlanMalformedNameIsInvalidArgument) {
  v1::GetPlanRequest request;
  request.set_name("organizations/org1/plans/x");

  absl::StatusOr<v1::Plan> plan = service_->GetPlan(admin_, request);

  ASSERT_EQ(plan.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(plan.status().message(), HasSubstr("plans/{plan}"));
}

TEST_F(BillingServiceTest, NewOrganizationGetsThreeFreeSubscriptions) {
  absl::StatusOr<v1::ListSubscriptionsResponse> response =
      ListSubscriptions(admin_, "organizations/org1");

  ASSERT_TRUE(response.ok()) << response.status();
  ASSERT_EQ(response->subscriptions_size(), 3);
  const struct {
    const char* name;
    v1::Product product;
    const char* plan;
  } expected[] = {
      {"organizations/org1/subscriptions/iron-worker", v1::PRODUCT_IRON_WORKER,
       "plans/iron-worker-free"},
      {"organizations/org1/subscriptions/iron-mq", v1::PRODUCT_IRON_MQ,
       "plans/iron-mq-free"},
      {"organizations/org1/subscriptions/iron-cache", v1::PRODUCT_IRON_CACHE,
       "plans/iron-cache-free"},
  };
  for (int i = 0; i < 3; ++i) {
    const v1::Subscription& subscription = response->subscriptions(i);
    EXPECT_EQ(subscription.name(), expected[i].name);
    EXPECT_EQ(subscription.product(), expected[i].product);
    EXPECT_EQ(subscription.plan(), expected[i].plan);
    EXPECT_EQ(subscription.etag(), "1");
    EXPECT_EQ(subscription.start_time().seconds(), 1'700'000'000);
  }
}

TEST_F(BillingServiceTest, SecondListKeepsStartTime) {
  absl::StatusOr<v1::ListSubscriptionsResponse> first =
      ListSubscriptions(admin_, "organizations/org1");
  ASSERT_TRUE(first.ok()) << first.status();
  now_micros_ += 60'000'000;

  absl::StatusOr<v1::ListSubscriptionsResponse> second =
      ListSubscriptions(admin_, "organizations/org1");

  ASSERT_TRUE(second.ok()) << second.status();
  ASSERT_EQ(second->subscriptions_size(), 3);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(second->subscriptions(i).start_time().seconds(),
              first->subscriptions(i).start_time().seconds());
    EXPECT_EQ(second->subscriptions(i).etag(), "1");
  }
}

TEST_F(BillingServiceTest, OtherOrganizationIsPermissionDenied) {
  absl::StatusOr<v1::ListSubscriptionsResponse> response =
      ListSubscriptions(admin_, "organizations/org2");

  EXPECT_EQ(response.status().code(), absl::StatusCode::kPermissionDenied);
}

TEST_F(BillingServiceTest, OtherOrganizationDeniedBeforeShapeCheck) {
  absl::StatusOr<v1::ListSubscriptionsResponse> response =
      ListSubscriptions(admin_, "organizations/org2/extra");

  EXPECT_EQ(response.status().code(), absl::StatusCode::kPermissionDenied);
}

TEST_F(BillingServiceTest, OperatorIsPermissionDenied) {
  Principal operator_principal;
  operator_principal.set_kind(Principal::KIND_OPERATOR);

  absl::StatusOr<v1::ListSubscriptionsResponse> response =
      ListSubscriptions(operator_principal, "organizations/org1");

  EXPECT_EQ(response.status().code(), absl::StatusCode::kPermissionDenied);
}

TEST_F(BillingServiceTest, MalformedParentIsInvalidArgument) {
  absl::StatusOr<v1::ListSubscriptionsResponse> response =
      ListSubscriptions(admin_, "organizations/org1/subscriptions");

  ASSERT_EQ(response.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(response.status().message(), HasSubstr("parent"));
}

TEST_F(BillingServiceTest, EmptyParentIsInvalidArgument) {
  absl::StatusOr<v1::ListSubscriptionsResponse> response =
      ListSubscriptions(admin_, "");

  ASSERT_EQ(response.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(response.status().message(), HasSubstr("parent is required"));
}

TEST_F(BillingServiceTest, SubscriptionsSurviveReopen) {
  absl::StatusOr<v1::ListSubscriptionsResponse> first =
      ListSubscriptions(admin_, "organizations/org1");
  ASSERT_TRUE(first.ok()) << first.status();
  now_micros_ += 3'600'000'000;
  OpenService();

  absl::StatusOr<v1::ListSubscriptionsResponse> second =
      ListSubscriptions(admin_, "organizations/org1");

  ASSERT_TRUE(second.ok()) << second.status();
  ASSERT_EQ(second->subscriptions_size(), 3);
  EXPECT_EQ(second->subscriptions(0).start_time().seconds(),
            first->subscriptions(0).start_time().seconds());
}

TEST_F(BillingServiceTest, ChangePlanTakesEffectAtOnce) {
  now_micros_ += 60'000'000;

  absl::StatusOr<v1::Subscription> changed =
      ChangePlan(admin_, kWorker, "plans/iron-worker-launch");

  ASSERT_TRUE(changed.ok()) << changed.status();
  EXPECT_EQ(changed->name(), kWorker);
  EXPECT_EQ(changed->plan(), "plans/iron-worker-launch");
  EXPECT_EQ(changed->start_time().seconds(), 1'700'000'060);
  EXPECT_EQ(changed->etag(), "2");
  absl::StatusOr<v1::ListSubscriptionsResponse> listed =
      ListSubscriptions(admin_, "organizations/org1");
  ASSERT_TRUE(listed.ok()) << listed.status();
  EXPECT_EQ(listed->subscriptions(0).plan(), "plans/iron-worker-launch");
  EXPECT_EQ(listed->subscriptions(0).etag(), "2");
  EXPECT_EQ(listed->subscriptions(1).plan(), "plans/iron-mq-free");
}

TEST_F(BillingServiceTest, ChangePlanWritesAuditEvent) {
  ASSERT_TRUE(
      ChangePlan(accountant_, kWorker, "plans/iron-worker-launch", "r1").ok());
  v1::ListAuditEventsRequest request;
  request.set_parent("organizations/org1");

  absl::StatusOr<v1::ListAuditEventsResponse> events =
      service_->ListAuditEvents(admin_, request);

  ASSERT_TRUE(events.ok()) << events.status();
  ASSERT_EQ(events->audit_events_size(), 1);
  EXPECT_EQ(events->audit_events(0).action(), "ChangePlan");
  EXPECT_EQ(events->audit_events(0).resource(), kWorker);
  EXPECT_EQ(events->audit_events(0).actor(), accountant_.user());
  EXPECT_EQ(events->audit_events(0).request_id(), "r1");
}

TEST_F(BillingServiceTest, ChangePlanToCurrentPlanWritesNothing) {
  ASSERT_TRUE(ListSubscriptions(admin_, "organizations/org1").ok());
  now_micros_ += 60'000'000;

  absl::StatusOr<v1::Subscription> unchanged =
      ChangePlan(admin_, kWorker, "plans/iron-worker-free");

  ASSERT_TRUE(unchanged.ok()) << unchanged.status();
  EXPECT_EQ(unchanged->etag(), "1");
  EXPECT_EQ(unchanged->start_time().seconds(), 1'700'000'000);
  EXPECT_EQ(AuditEventCount(), 0);
  absl::StatusOr<v1::ListPlanChangesResponse> history =
      ListPlanChanges(admin_, kWorker);
  ASSERT_TRUE(history.ok()) << history.status();
  EXPECT_EQ(history->plan_changes_size(), 1);
}

TEST_F(BillingServiceTest, ChangePlanRetryReturnsFirstResult) {
  absl::StatusOr<v1::Subscription> first =
      ChangePlan(admin_, kWorker, "plans/iron-worker-launch", "retry-1");
  ASSERT_TRUE(first.ok()) << first.status();
  now_micros_ += 60'000'000;
  ASSERT_TRUE(
      ChangePlan(accountant_, kWorker, "plans/iron-worker-professional").ok());
  const int64_t events_before = AuditEventCount();

  absl::StatusOr<v1::Subscription> retry =
      ChangePlan(admin_, kWorker, "plans/iron-worker-launch", "retry-1");

  ASSERT_TRUE(retry.ok()) << retry.status();
  EXPECT_EQ(retry->plan(), first->plan());
  EXPECT_EQ(retry->etag(), first->etag());
  EXPECT_EQ(retry->start_time().seconds(), first->start_time().seconds());
  EXPECT_EQ(AuditEventCount(), events_before);
  absl::StatusOr<v1::ListSubscriptionsResponse> listed =
      ListSubscriptions(admin_, "organizations/org1");
  ASSERT_TRUE(listed.ok()) << listed.status();
  EXPECT_EQ(listed->subscriptions(0).plan(), "plans/iron-worker-professional");
}

TEST_F(BillingServiceTest, ChangePlanRejectsUnknownProduct) {
  absl::StatusOr<v1::Subscription> changed =
      ChangePlan(admin_, "organizations/org1/subscriptions/iron-db", "plans/x");

  ASSERT_EQ(changed.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ViolatedField(changed.status()), "name");
  EXPECT_THAT(changed.status().message(),
              HasSubstr("iron-worker, iron-mq or iron-cache"));
}

TEST_F(BillingServiceTest, ChangePlanRejectsPlanOfAnotherProduct) {
  absl::StatusOr<v1::Subscription> changed =
      ChangePlan(admin_, kWorker, "plans/iron-mq-launch");

  ASSERT_EQ(changed.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ViolatedField(changed.status()), "plan");
  EXPECT_THAT(changed.status().message(),
              HasSubstr("plans/iron-worker-free, plans/iron-worker-launch, "
                        "plans/iron-worker-professional"));
  EXPECT_EQ(AuditEventCount(), 0);
  absl::StatusOr<v1::ListSubscriptionsResponse> listed =
      ListSubscriptions(admin_, "organizations/org1");
  ASSERT_TRUE(listed.ok()) << listed.status();
  EXPECT_EQ(listed->subscriptions(0).plan(), "plans/iron-worker-free");
}

TEST_F(BillingServiceTest, ChangePlanRejectsMissingPlan) {
  absl::StatusOr<v1::Subscription> changed = ChangePlan(admin_, kWorker, "");

  ASSERT_EQ(changed.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ViolatedField(changed.status()), "plan");
  EXPECT_THAT(changed.status().message(), HasSubstr("plan is required"));
}

TEST_F(BillingServiceTest, ChangePlanRejectsLongRequestId) {
  absl::StatusOr<v1::Subscription> changed = ChangePlan(
      admin_, kWorker, "plans/iron-worker-launch", std::string(129, 'r'));

  ASSERT_EQ(changed.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ViolatedField(changed.status()), "request_id");
  EXPECT_EQ(AuditEventCount(), 0);
}

TEST_F(BillingServiceTest, ChangePlanOtherOrganizationIsDenied) {
  absl::StatusOr<v1::Subscription> changed =
      ChangePlan(admin_, "organizations/org2/subscriptions/iron-worker",
                 "plans/iron-worker-launch");

  EXPECT_EQ(changed.status().code(), absl::StatusCode::kPermissionDenied);
}

TEST_F(BillingServiceTest, ListPlanChangesShowsHistoryNewestFirst) {
  now_micros_ += 1'000'000;
  ASSERT_TRUE(ChangePlan(admin_, kWorker, "plans/iron-worker-launch").ok());
  now_micros_ += 1'000'000;
  ASSERT_TRUE(
      ChangePlan(accountant_, kWorker, "plans/iron-worker-professional").ok());

  absl::StatusOr<v1::ListPlanChangesResponse> history =
      ListPlanChanges(read_only_, kWorker);

  ASSERT_TRUE(history.ok()) << history.status();
  ASSERT_EQ(history->plan_changes_size(), 3);
  const v1::PlanChange& newest = history->plan_changes(0);
  EXPECT_EQ(newest.plan(), "plans/iron-worker-professional");
  EXPECT_EQ(newest.previous_plan(), "plans/iron-worker-launch");
  EXPECT_EQ(newest.actor(), accountant_.user());
  EXPECT_FALSE(newest.has_end_time());
  EXPECT_EQ(history->plan_changes(1).end_time().seconds(),
            newest.start_time().seconds());
  EXPECT_EQ(history->plan_changes(2).plan(), "plans/iron-worker-free");
  EXPECT_EQ(history->plan_changes(2).actor(), "");
  EXPECT_EQ(history->next_page_token(), "");
}

TEST_F(BillingServiceTest, ListPlanChangesStartsWithFreePlan) {
  absl::StatusOr<v1::ListPlanChangesResponse> history =
      ListPlanChanges(admin_, "organizations/org1/subscriptions/iron-cache");

  ASSERT_TRUE(history.ok()) << history.status();
  ASSERT_EQ(history->plan_changes_size(), 1);
  EXPECT_EQ(history->plan_changes(0).plan(), "plans/iron-cache-free");
}

TEST_F(BillingServiceTest, ListPlanChangesPaginates) {
  for (const char* plan :
       {"plans/iron-worker-launch", "plans/iron-worker-professional",
        "plans/iron-worker-free"}) {
    now_micros_ += 1'000'000;
    ASSERT_TRUE(ChangePlan(admin_, kWorker, plan).ok());
  }

  absl::StatusOr<v1::ListPlanChangesResponse> first =
      ListPlanChanges(admin_, kWorker, 3);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_EQ(first->plan_changes_size(), 3);
  ASSERT_NE(first->next_page_token(), "");
  absl::StatusOr<v1::ListPlanChangesResponse> second =
      ListPlanChanges(admin_, kWorker, 3, first->next_page_token());

  ASSERT_TRUE(second.ok()) << second.status();
  ASSERT_EQ(second->plan_changes_size(), 1);
  EXPECT_EQ(second->plan_changes(0).previous_plan(), "");
  EXPECT_EQ(second->next_page_token(), "");
}

TEST_F(BillingServiceTest, ListPlanChangesRejectsTokenOfOtherRequest) {
  for (const char* plan :
       {"plans/iron-worker-launch", "plans/iron-worker-professional"}) {
    ASSERT_TRUE(ChangePlan(admin_, kWorker, plan).ok());
  }
  absl::StatusOr<v1::ListPlanChangesResponse> first =
      ListPlanChanges(admin_, kWorker, 1);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_NE(first->next_page_token(), "");

  absl::StatusOr<v1::ListPlanChangesResponse> other_parent =
      ListPlanChanges(admin_, "organizations/org1/subscriptions/iron-mq", 1,
                      first->next_page_token());
  Principal other_user = admin_;
  other_user.set_user("organizations/org1/users/u2");
  absl::StatusOr<v1::ListPlanChangesResponse> other_caller =
      ListPlanChanges(other_user, kWorker, 1, first->next_page_token());

  EXPECT_EQ(ViolatedField(other_parent.status()), "page_token");
  EXPECT_EQ(other_caller.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(BillingServiceTest, ListPlanChangesRejectsNegativePageSize) {
  absl::StatusOr<v1::ListPlanChangesResponse> history =
      ListPlanChanges(admin_, kWorker, -1);

  ASSERT_EQ(history.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ViolatedField(history.status()), "page_size");
}

TEST_F(BillingServiceTest, ListPlanChangesRejectsOrganizationParent) {
  absl::StatusOr<v1::ListPlanChangesResponse> history =
      ListPlanChanges(admin_, "organizations/org1");

  ASSERT_EQ(history.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ViolatedField(history.status()), "parent");
}

TEST_F(BillingServiceTest, ListPlanChangesRejectsMalformedParent) {
  absl::StatusOr<v1::ListPlanChangesResponse> history =
      ListPlanChanges(admin_, "organizations/org1/subscriptions/iron-db");

  ASSERT_EQ(history.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ViolatedField(history.status()), "parent");
  EXPECT_THAT(history.status().message(),
              HasSubstr("iron-worker, iron-mq or iron-cache"));
}

// A catalog without the plan an organization is on: the subscription
// keeps its plan, and ChangePlan cannot move onto it again.
TEST_F(BillingServiceTest, WithdrawnPlanStaysOnSubscription) {
  ASSERT_TRUE(
      ChangePlan(admin_, kWorker, "plans/iron-worker-professional").ok());
  v1::PlanCatalog proto;
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(
      std::string(DefaultPlanCatalogText()), &proto));
  proto.set_version("2027-01-01");
  for (int i = 0; i < proto.plans_size(); ++i) {
    if (proto.plans(i).name() == "plans/iron-worker-professional") {
      proto.mutable_plans()->DeleteSubrange(i, 1);
      break;
    }
  }
  absl::StatusOr<PlanCatalog> replaced = PlanCatalog::FromProto(proto);
  ASSERT_TRUE(replaced.ok()) << replaced.status();
  catalog_ = std::make_unique<PlanCatalog>(*std::move(replaced));
  OpenService();

  absl::StatusOr<v1::ListSubscriptionsResponse> listed =
      ListSubscriptions(admin_, "organizations/org1");
  absl::StatusOr<v1::Subscription> back =
      ChangePlan(admin_, kWorker, "plans/iron-worker-professional");
  absl::StatusOr<v1::Subscription> onward =
      ChangePlan(admin_, kWorker, "plans/iron-worker-launch");

  ASSERT_TRUE(listed.ok()) << listed.status();
  EXPECT_EQ(listed->subscriptions(0).plan(), "plans/iron-worker-professional");
  ASSERT_EQ(back.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ViolatedField(back.status()), "plan");
  EXPECT_THAT(back.status().message(), HasSubstr("2027-01-01"));
  EXPECT_THAT(std::string(back.status().message()),
              EndsWith("are plans/iron-worker-free, plans/iron-worker-launch"));
  ASSERT_TRUE(onward.ok()) << onward.status();
  EXPECT_EQ(onward->plan(), "plans/iron-worker-launch");
}

TEST_F(BillingServiceTest, GetBillingAccountNeverSetIsEmpty) {
  absl::StatusOr<v1::BillingAccount> account = GetAccount(read_only_, kAccount);

  ASSERT_TRUE(account.ok()) << account.status();
  v1::BillingAccount expected;
  expected.set_name(kAccount);
  EXPECT_EQ(account->SerializeAsString(), expected.SerializeAsString());
}

TEST_F(BillingServiceTest, GetBillingAccountRejectsMalformedName) {
  absl::StatusOr<v1::BillingAccount> account =
      GetAccount(admin_, "organizations/org1/billingAccounts/a");

  ASSERT_EQ(account.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ViolatedField(account.status()), "name");
}

TEST_F(BillingServiceTest, GetBillingAccountOtherOrganizationIsDenied) {
  absl::StatusOr<v1::BillingAccount> account =
      GetAccount(admin_, "organizations/org2/billingAccount");

  EXPECT_EQ(account.status().code(), absl::StatusCode::kPermissionDenied);
}

TEST_F(BillingServiceTest, UpdateBillingAccountStoresMaskedFields) {
  v1::UpdateBillingAccountRequest request;
  v1::BillingAccount* values = request.mutable_billing_account();
  values->set_name(kAccount);
  values->set_billing_email("Invoices@Acme.example");
  values->set_company_name("Acme Ltd.");
  values->mutable_address()->add_address_lines("1 Main St");
  values->mutable_address()->set_locality("Springfield");
  values->mutable_address()->set_region_code("us");
  values->set_tax_id("US-12.345");
  values->set_payment_method("pm_1NxyzAbC");
  for (const char* path : {"billing_email", "company_name", "address", "tax_id",
                           "payment_method"}) {
    request.mutable_update_mask()->add_paths(path);
  }

  absl::StatusOr<v1::BillingAccount> updated =
      service_->UpdateBillingAccount(accountant_, request);
  absl::StatusOr<v1::BillingAccount> read = GetAccount(admin_, kAccount);

  ASSERT_TRUE(updated.ok()) << updated.status();
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->SerializeAsString(), updated->SerializeAsString());
  EXPECT_EQ(read->billing_email(), "invoices@acme.example");
  EXPECT_EQ(read->company_name(), "Acme Ltd.");
  EXPECT_EQ(read->address().address_lines(0), "1 Main St");
  EXPECT_EQ(read->address().region_code(), "US");
  EXPECT_EQ(read->tax_id(), "US-12.345");
  EXPECT_EQ(read->payment_method(), "pm_1NxyzAbC");
  EXPECT_EQ(read->etag(), "1");
  EXPECT_EQ(read->update_time().seconds(), 1'700'000'000);
}

TEST_F(BillingServiceTest, UpdateBillingAccountKeepsUnmaskedFields) {
  ASSERT_TRUE(UpdateCompanyName(admin_, "Acme").ok());
  v1::UpdateBillingAccountRequest request;
  request.mutable_billing_account()->set_name(kAccount);
  request.mutable_billing_account()->set_tax_id("DE1");
  request.mutable_update_mask()->add_paths("tax_id");

  absl::StatusOr<v1::BillingAccount> updated =
      service_->UpdateBillingAccount(admin_, request);

  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(updated->company_name(), "Acme");
  EXPECT_EQ(updated->tax_id(), "DE1");
  EXPECT_EQ(updated->etag(), "2");
}

TEST_F(BillingServiceTest, UpdateBillingAccountStaleEtagIsAborted) {
  ASSERT_TRUE(UpdateCompanyName(admin_, "Acme").ok());
  ASSERT_TRUE(UpdateCompanyName(admin_, "Acme Two", "1").ok());

  absl::StatusOr<v1::BillingAccount> stale =
      UpdateCompanyName(accountant_, "Acme Three", "1");

  EXPECT_EQ(stale.status().code(), absl::StatusCode::kAborted);
  absl::StatusOr<v1::BillingAccount> read = GetAccount(admin_, kAccount);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->company_name(), "Acme Two");
  EXPECT_EQ(read->etag(), "2");
  EXPECT_EQ(AuditEventCount(), 2);
}

TEST_F(BillingServiceTest, UpdateBillingAccountCardNumberStoresNothing) {
  ASSERT_TRUE(UpdateCompanyName(admin_, "Acme").ok());
  v1::UpdateBillingAccountRequest request;
  request.mutable_billing_account()->set_name(kAccount);
  request.mutable_billing_account()->set_company_name("Changed");
  request.mutable_billing_account()->set_payment_method("4242424242424242");
  request.mutable_update_mask()->add_paths("company_name");
  request.mutable_update_mask()->add_paths("payment_method");

  absl::StatusOr<v1::BillingAccount> updated =
      service_->UpdateBillingAccount(admin_, request);

  ASSERT_EQ(updated.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ViolatedField(updated.status()), "billing_account.payment_method");
  EXPECT_THAT(updated.status().message(), Not(HasSubstr("4242")));
  absl::StatusOr<v1::BillingAccount> read = GetAccount(admin_, kAccount);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->company_name(), "Acme");
  EXPECT_EQ(read->payment_method(), "");
  EXPECT_EQ(AuditEventCount(), 1);
}

TEST_F(BillingServiceTest, UpdateBillingAccountAuditsNoValues) {
  ASSERT_TRUE(UpdateCompanyName(admin_, "Secretive Corp").ok());
  v1::ListAuditEventsRequest request;
  request.set_parent("organizations/org1");

  absl::StatusOr<v1::ListAuditEventsResponse> events =
      service_->ListAuditEvents(admin_, request);

  ASSERT_TRUE(events.ok()) << events.status();
  ASSERT_EQ(events->audit_events_size(), 1);
  EXPECT_EQ(events->audit_events(0).action(), "UpdateBillingAccount");
  EXPECT_EQ(events->audit_events(0).resource(), kAccount);
  EXPECT_THAT(events->audit_events(0).SerializeAsString(),
              Not(HasSubstr("Secretive")));
}

TEST_F(BillingServiceTest, UpdateBillingAccountRejectsMissingName) {
  v1::UpdateBillingAccountRequest request;
  request.mutable_update_mask()->add_paths("company_name");

  absl::StatusOr<v1::BillingAccount> updated =
      service_->UpdateBillingAccount(admin_, request);

  ASSERT_EQ(updated.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ViolatedField(updated.status()), "billing_account.name");
}

TEST_F(BillingServiceTest, UpdateBillingAccountRejectsUnknownMaskPath) {
  v1::UpdateBillingAccountRequest request;
  request.mutable_billing_account()->set_name(kAccount);
  request.mutable_update_mask()->add_paths("name");

  absl::StatusOr<v1::BillingAccount> updated =
      service_->UpdateBillingAccount(admin_, request);

  ASSERT_EQ(updated.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ViolatedField(updated.status()), "update_mask");
  EXPECT_EQ(AuditEventCount(), 0);
}

// Every call on an organization's billing data, made as `caller`; each
// returns the call's status.
std::vector<std::pair<std::string, absl::Status>> CallEveryBillingMethod(
    BillingService& service, const Principal& caller) {
  std::vector<std::pair<std::string, absl::Status>> results;
  v1::ListSubscriptionsRequest list_subscriptions;
  list_subscriptions.set_parent("organizations/org1");
  results.emplace_back(
      "ListSubscriptions",
      service.ListSubscriptions(caller, list_subscriptions).status());
  v1::ChangePlanRequest change_plan;
  change_plan.set_name(kWorker);
  change_plan.set_plan("plans/iron-worker-launch");
  results.emplace_back("ChangePlan",
                       service.ChangePlan(caller, change_plan).status());
  v1::ListPlanChangesRequest list_changes;
  list_changes.set_parent(kWorker);
  results.emplace_back("ListPlanChanges",
                       service.ListPlanChanges(caller, list_changes).status());
  v1::GetBillingAccountRequest get_account;
  get_account.set_name(kAccount);
  results.emplace_back("GetBillingAccount",
                       service.GetBillingAccount(caller, get_account).status());
  v1::UpdateBillingAccountRequest update_account;
  update_account.mutable_billing_account()->set_name(kAccount);
  update_account.mutable_billing_account()->set_company_name("Acme");
  update_account.mutable_update_mask()->add_paths("company_name");
  results.emplace_back(
      "UpdateBillingAccount",
      service.UpdateBillingAccount(caller, update_account).status());
  v1::ListAuditEventsRequest list_audit;
  list_audit.set_parent("organizations/org1");
  results.emplace_back("ListAuditEvents",
                       service.ListAuditEvents(caller, list_audit).status());
  return results;
}

TEST_F(BillingServiceTest, DeveloperIsDeniedEveryBillingDataCall) {
  for (const auto& [method, status] :
       CallEveryBillingMethod(*service_, developer_)) {
    EXPECT_EQ(status.code(), absl::StatusCode::kPermissionDenied) << method;
  }
  EXPECT_EQ(AuditEventCount(), 0);
}

TEST_F(BillingServiceTest, DeveloperMayReadPlans) {
  v1::GetPlanRequest get_plan;
  get_plan.set_name("plans/iron-worker-free");

  EXPECT_TRUE(service_->ListPlans(developer_, {}).ok());
  EXPECT_TRUE(service_->GetPlan(developer_, get_plan).ok());
}

TEST_F(BillingServiceTest, ReadOnlyAdminMayOnlyRead) {
  for (const auto& [method, status] :
       CallEveryBillingMethod(*service_, read_only_)) {
    const bool changes =
        method == "ChangePlan" || method == "UpdateBillingAccount";
    EXPECT_EQ(status.code(), changes ? absl::StatusCode::kPermissionDenied
                                     : absl::StatusCode::kOk)
        << method << ": " << status;
  }
  EXPECT_EQ(AuditEventCount(), 0);
}

TEST_F(BillingServiceTest, AccountantMayCallEveryBillingMethod) {
  for (const auto& [method, status] :
       CallEveryBillingMethod(*service_, accountant_)) {
    EXPECT_TRUE(status.ok()) << method << ": " << status;
  }
  EXPECT_EQ(AuditEventCount(), 2);
}

TEST_F(BillingServiceTest, AdminMayCallEveryBillingMethod) {
  for (const auto& [method, status] :
       CallEveryBillingMethod(*service_, admin_)) {
    EXPECT_TRUE(status.ok()) << method << ": " << status;
  }
}

TEST_F(BillingServiceTest, PeerServiceMayCallEveryBillingMethod) {
  Principal service;
  service.set_kind(Principal::KIND_SERVICE);

  for (const auto& [method, status] :
       CallEveryBillingMethod(*service_, service)) {
    EXPECT_TRUE(status.ok()) << method << ": " << status;
  }
}

}  // namespace
}  // namespace ironorg::billing

#include "services/billing/billing_service.h"

#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/scoped_temp_dir.h"

namespace ironorg::billing {
namespace {

namespace v1 = ::ironorg::billing::v1;
using ::ironorg::identity::v1::Principal;
using ::ironorg::test::ScopedTempDir;
using ::testing::HasSubstr;

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

  ScopedTempDir data_dir_;
  int64_t now_micros_ = 1'700'000'000'000'000;
  std::unique_ptr<PlanCatalog> catalog_;
  std::unique_ptr<BillingStore> store_;
  std::unique_ptr<BillingService> service_;
  const Principal admin_ = UserOf("org1", ironorg::identity::v1::ROLE_ADMIN);
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

TEST_F(BillingServiceTest, ChangePlanIsUnimplemented) {
  absl::StatusOr<v1::Subscription> response =
      service_->ChangePlan(admin_, v1::ChangePlanRequest());

  ASSERT_EQ(response.status().code(), absl::StatusCode::kUnimplemented);
  EXPECT_THAT(response.status().message(),
              HasSubstr("ironorg.billing.v1.SubscriptionService/ChangePlan"));
}

TEST_F(BillingServiceTest, BillingAccountMethodsAreUnimplemented) {
  EXPECT_EQ(service_->GetBillingAccount(admin_, {}).status().code(),
            absl::StatusCode::kUnimplemented);
  EXPECT_EQ(service_->UpdateBillingAccount(admin_, {}).status().code(),
            absl::StatusCode::kUnimplemented);
  EXPECT_EQ(service_->ListPlanChanges(admin_, {}).status().code(),
            absl::StatusCode::kUnimplemented);
}

}  // namespace
}  // namespace ironorg::billing

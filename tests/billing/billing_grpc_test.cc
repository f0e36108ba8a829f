// End-to-end checks of the gRPC adapters through a real server on a free
// loopback port, in this process.
#include "services/billing/billing_grpc.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>

#include <memory>
#include <string>
#include <utility>

#include "common/errors.h"
#include "common/grpc_status.h"
#include "common/server.h"
#include "common/time_util.h"
#include "gmock/gmock.h"
#include "google/rpc/error_details.pb.h"
#include "gtest/gtest.h"
#include "tests/testing/scoped_temp_dir.h"

namespace ironorg::billing {
namespace {

namespace v1 = ::ironorg::billing::v1;
using ::ironorg::identity::v1::Principal;
using ::ironorg::test::ScopedTempDir;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kSecret[] = "0123456789abcdef0123456789abcdef-test";

class BillingGrpcTest : public testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<InternalCredential> credential =
        InternalCredential::Create(kSecret);
    ASSERT_TRUE(credential.ok()) << credential.status();
    credential_ = std::make_unique<InternalCredential>(std::move(*credential));

    absl::StatusOr<PlanCatalog> catalog = PlanCatalog::Default();
    ASSERT_TRUE(catalog.ok()) << catalog.status();
    catalog_ = std::make_unique<PlanCatalog>(std::move(*catalog));

    absl::StatusOr<std::unique_ptr<BillingStore>> store =
        BillingStore::Open(data_dir_.path());
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);

    service_ = std::make_unique<BillingService>(
        store_.get(), catalog_.get(), &NowMicros,
        pagination::PageTokenCodec(std::string(32, 'k')));
    plans_ =
        std::make_unique<PlanGrpcService>(service_.get(), credential_.get());
    subscriptions_ = std::make_unique<SubscriptionGrpcService>(
        service_.get(), credential_.get());
    accounts_ = std::make_unique<BillingAccountGrpcService>(service_.get(),
                                                            credential_.get());

    ServerConfig config;
    config.listen_address = "127.0.0.1:0";
    absl::StatusOr<std::unique_ptr<RunningServer>> server =
        RunningServer::Start(
            config, {plans_.get(), subscriptions_.get(), accounts_.get()});
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);

    channel_ = grpc::CreateChannel(server_->address(),
                                   grpc::InsecureChannelCredentials());
    admin_.set_kind(Principal::KIND_USER_ACCESS_TOKEN);
    admin_.set_organization("organizations/org1");
    admin_.set_user("organizations/org1/users/u1");
    admin_.set_role(ironorg::identity::v1::ROLE_ADMIN);
  }

  void TearDown() override {
    if (server_ != nullptr) {
      server_->Shutdown();
    }
  }

  // Signs `context` for `method` of `service_full_name` as admin_.
  void Sign(absl::string_view service_full_name, absl::string_view method,
            grpc::ClientContext* context) {
    credential_->Sign(MethodPath(service_full_name, method), admin_, context);
  }

  ScopedTempDir data_dir_;
  std::unique_ptr<InternalCredential> credential_;
  std::unique_ptr<PlanCatalog> catalog_;
  std::unique_ptr<BillingStore> store_;
  std::unique_ptr<BillingService> service_;
  std::unique_ptr<PlanGrpcService> plans_;
  std::unique_ptr<SubscriptionGrpcService> subscriptions_;
  std::unique_ptr<BillingAccountGrpcService> accounts_;
  std::unique_ptr<RunningServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
  Principal admin_;
};

TEST_F(BillingGrpcTest, UnsignedCallIsUnauthenticated) {
  auto stub = v1::PlanService::NewStub(channel_);
  grpc::ClientContext context;
  v1::ListPlansResponse response;

  grpc::Status status =
      stub->ListPlans(&context, v1::ListPlansRequest(), &response);

  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(BillingGrpcTest, SignatureForAnotherMethodIsUnauthenticated) {
  auto stub = v1::PlanService::NewStub(channel_);
  grpc::ClientContext context;
  Sign(v1::PlanService::service_full_name(), "GetPlan", &context);
  v1::ListPlansResponse response;

  grpc::Status status =
      stub->ListPlans(&context, v1::ListPlansRequest(), &response);

  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(BillingGrpcTest, SignedListPlansReturnsCatalog) {
  auto stub = v1::PlanService::NewStub(channel_);
  grpc::ClientContext context;
  Sign(v1::PlanService::service_full_name(), "ListPlans", &context);
  v1::ListPlansResponse response;

  grpc::Status status =
      stub->ListPlans(&context, v1::ListPlansRequest(), &response);

  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.plans_size(), static_cast<int>(catalog_->plans().size()));
}

TEST_F(BillingGrpcTest, GetPlanUnknownIsNotFound) {
  auto stub = v1::PlanService::NewStub(channel_);
  grpc::ClientContext context;
  Sign(v1::PlanService::service_full_name(), "GetPlan", &context);
  v1::GetPlanRequest request;
  request.set_name("plans/x");
  v1::Plan response;

  grpc::Status status = stub->GetPlan(&context, request, &response);

  ASSERT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(status.error_message(), "plan \"plans/x\" not found");
}

TEST_F(BillingGrpcTest, MalformedPlanNameCarriesBadRequest) {
  auto stub = v1::PlanService::NewStub(channel_);
  grpc::ClientContext context;
  Sign(v1::PlanService::service_full_name(), "GetPlan", &context);
  v1::GetPlanRequest request;
  request.set_name("plan/x");
  v1::Plan response;

  const absl::Status status =
      FromGrpcStatus(stub->GetPlan(&context, request, &response));

  ASSERT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  const auto payload = status.GetPayload(errors::kBadRequestTypeUrl);
  ASSERT_TRUE(payload.has_value());
  google::rpc::BadRequest bad_request;
  ASSERT_TRUE(bad_request.ParseFromString(std::string(*payload)));
  ASSERT_EQ(bad_request.field_violations_size(), 1);
  EXPECT_EQ(bad_request.field_violations(0).field(), "name");
}

TEST_F(BillingGrpcTest, SignedListSubscriptionsReturnsThree) {
  auto stub = v1::SubscriptionService::NewStub(channel_);
  grpc::ClientContext context;
  Sign(v1::SubscriptionService::service_full_name(), "ListSubscriptions",
       &context);
  v1::ListSubscriptionsRequest request;
  request.set_parent("organizations/org1");
  v1::ListSubscriptionsResponse response;

  grpc::Status status = stub->ListSubscriptions(&context, request, &response);

  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.subscriptions_size(), 3);
}

TEST_F(BillingGrpcTest, SignedChangePlanReturnsSubscription) {
  auto stub = v1::SubscriptionService::NewStub(channel_);
  grpc::ClientContext context;
  Sign(v1::SubscriptionService::service_full_name(), "ChangePlan", &context);
  v1::ChangePlanRequest request;
  request.set_name("organizations/org1/subscriptions/iron-mq");
  request.set_plan("plans/iron-mq-launch");
  v1::Subscription response;

  grpc::Status status = stub->ChangePlan(&context, request, &response);

  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.plan(), "plans/iron-mq-launch");
  EXPECT_EQ(response.etag(), "2");
}

TEST_F(BillingGrpcTest, CardNumberCarriesBadRequestWithoutValue) {
  auto stub = v1::BillingAccountService::NewStub(channel_);
  grpc::ClientContext context;
  Sign(v1::BillingAccountService::service_full_name(), "UpdateBillingAccount",
       &context);
  v1::UpdateBillingAccountRequest request;
  request.mutable_billing_account()->set_name(
      "organizations/org1/billingAccount");
  request.mutable_billing_account()->set_payment_method("5555 5555 5555 4444");
  request.mutable_update_mask()->add_paths("payment_method");
  v1::BillingAccount response;

  const absl::Status status =
      FromGrpcStatus(stub->UpdateBillingAccount(&context, request, &response));

  ASSERT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), Not(HasSubstr("5555")));
  const auto payload = status.GetPayload(errors::kBadRequestTypeUrl);
  ASSERT_TRUE(payload.has_value());
  google::rpc::BadRequest bad_request;
  ASSERT_TRUE(bad_request.ParseFromString(std::string(*payload)));
  ASSERT_EQ(bad_request.field_violations_size(), 1);
  EXPECT_EQ(bad_request.field_violations(0).field(),
            "billing_account.payment_method");
  EXPECT_THAT(bad_request.field_violations(0).description(),
              Not(HasSubstr("5555")));
}

TEST_F(BillingGrpcTest, SignedGetBillingAccountReturnsName) {
  auto stub = v1::BillingAccountService::NewStub(channel_);
  grpc::ClientContext context;
  Sign(v1::BillingAccountService::service_full_name(), "GetBillingAccount",
       &context);
  v1::GetBillingAccountRequest request;
  request.set_name("organizations/org1/billingAccount");
  v1::BillingAccount response;

  grpc::Status status = stub->GetBillingAccount(&context, request, &response);

  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.name(), "organizations/org1/billingAccount");
}

}  // namespace
}  // namespace ironorg::billing

// The gRPC adapters of the billing service: PlanService,
// SubscriptionService and BillingAccountService. Each handler verifies the
// internal signature of the call, calls BillingService, converts the
// result with ToGrpcStatus, and logs one WARNING line per failed call.
//
// Thread-safe: the adapters hold no state of their own.
#ifndef IRONORG_SERVICES_BILLING_BILLING_GRPC_H_
#define IRONORG_SERVICES_BILLING_BILLING_GRPC_H_

#include "common/internal_auth.h"
#include "ironorg/billing/v1/billing_account.grpc.pb.h"
#include "ironorg/billing/v1/plan.grpc.pb.h"
#include "ironorg/billing/v1/subscription.grpc.pb.h"
#include "services/billing/billing_service.h"

namespace ironorg::billing {

// `service` and `credential` must outlive each adapter.
class PlanGrpcService final
    : public ironorg::billing::v1::PlanService::Service {
 public:
  PlanGrpcService(BillingService* service, const InternalCredential* credential)
      : service_(service), credential_(credential) {}

  grpc::Status ListPlans(
      grpc::ServerContext* context,
      const ironorg::billing::v1::ListPlansRequest* request,
      ironorg::billing::v1::ListPlansResponse* response) override;
  grpc::Status GetPlan(grpc::ServerContext* context,
                       const ironorg::billing::v1::GetPlanRequest* request,
                       ironorg::billing::v1::Plan* response) override;

 private:
  BillingService* service_;
  const InternalCredential* credential_;
};

class SubscriptionGrpcService final
    : public ironorg::billing::v1::SubscriptionService::Service {
 public:
  SubscriptionGrpcService(BillingService* service,
                          const InternalCredential* credential)
      : service_(service), credential_(credential) {}

  grpc::Status ListSubscriptions(
      grpc::ServerContext* context,
      const ironorg::billing::v1::ListSubscriptionsRequest* request,
      ironorg::billing::v1::ListSubscriptionsResponse* response) override;
  grpc::Status ChangePlan(
      grpc::ServerContext* context,
      const ironorg::billing::v1::ChangePlanRequest* request,
      ironorg::billing::v1::Subscription* response) override;
  grpc::Status ListPlanChanges(
      grpc::ServerContext* context,
      const ironorg::billing::v1::ListPlanChangesRequest* request,
      ironorg::billing::v1::ListPlanChangesResponse* response) override;

 private:
  BillingService* service_;
  const InternalCredential* credential_;
};

class BillingAccountGrpcService final
    : public ironorg::billing::v1::BillingAccountService::Service {
 public:
  BillingAccountGrpcService(BillingService* service,
                            const InternalCredential* credential)
      : service_(service), credential_(credential) {}

  grpc::Status GetBillingAccount(
      grpc::ServerContext* context,
      const ironorg::billing::v1::GetBillingAccountRequest* request,
      ironorg::billing::v1::BillingAccount* response) override;
  grpc::Status UpdateBillingAccount(
      grpc::ServerContext* context,
      const ironorg::billing::v1::UpdateBillingAccountRequest* request,
      ironorg::billing::v1::BillingAccount* response) override;
  grpc::Status ListAuditEvents(
      grpc::ServerContext* context,
      const ironorg::billing::v1::ListAuditEventsRequest* request,
      ironorg::billing::v1::ListAuditEventsResponse* response) override;

 private:
  BillingService* service_;
  const InternalCredential* credential_;
};

}  // namespace ironorg::billing

#endif  // IRONORG_SERVICES_BILLING_BILLING_GRPC_H_

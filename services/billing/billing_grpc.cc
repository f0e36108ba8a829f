#include "services/billing/billing_grpc.h"

#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/grpc_status.h"
#include "common/log.h"

namespace ironorg::billing {
namespace {

namespace v1 = ::ironorg::billing::v1;
using ::ironorg::identity::v1::Principal;

// Names the caller in log lines without any token or secret.
std::string DescribeCaller(const absl::StatusOr<Principal>& principal) {
  if (!principal.ok()) {
    return "an unverified caller";
  }
  if (!principal->user().empty()) {
    return principal->user();
  }
  if (!principal->cluster().empty()) {
    return principal->cluster();
  }
  return Principal::Kind_Name(principal->kind());
}

// Verifies the call's signature for `method`, runs `call` with the
// verified principal and converts the outcome for the wire. `Call` takes
// a `const Principal&` and returns absl::StatusOr<Response>.
template <typename Response, typename Call>
grpc::Status Serve(const InternalCredential& credential,
                   const std::string& method,
                   const grpc::ServerContext& context, Response* response,
                   Call call) {
  const absl::StatusOr<Principal> principal =
      credential.Verify(method, context);
  absl::Status status = principal.status();
  if (status.ok()) {
    absl::StatusOr<Response> result = call(*principal);
    if (result.ok()) {
      *response = std::move(*result);
      return grpc::Status::OK;
    }
    status = result.status();
  }
  IRONORG_LOG(WARNING) << method << " by " << DescribeCaller(principal)
                       << " failed: " << absl::StatusCodeToString(status.code())
                       << ": " << status.message();
  return ToGrpcStatus(status);
}

}  // namespace

grpc::Status PlanGrpcService::ListPlans(grpc::ServerContext* context,
                                        const v1::ListPlansRequest* request,
                                        v1::ListPlansResponse* response) {
  return Serve(*credential_,
               MethodPath(v1::PlanService::service_full_name(), "ListPlans"),
               *context, response, [&](const Principal& caller) {
                 return service_->ListPlans(caller, *request);
               });
}

grpc::Status PlanGrpcService::GetPlan(grpc::ServerContext* context,
                                      const v1::GetPlanRequest* request,
                                      v1::Plan* response) {
  return Serve(*credential_,
               MethodPath(v1::PlanService::service_full_name(), "GetPlan"),
               *context, response, [&](const Principal& caller) {
                 return service_->GetPlan(caller, *request);
               });
}

grpc::Status SubscriptionGrpcService::ListSubscriptions(
    grpc::ServerContext* context, const v1::ListSubscriptionsRequest* request,
    v1::ListSubscriptionsResponse* response) {
  return Serve(*credential_,
               MethodPath(v1::SubscriptionService::service_full_name(),
                          "ListSubscriptions"),
               *context, response, [&](const Principal& caller) {
                 return service_->ListSubscriptions(caller, *request);
               });
}

grpc::Status SubscriptionGrpcService::ChangePlan(
    grpc::ServerContext* context, const v1::ChangePlanRequest* request,
    v1::Subscription* response) {
  return Serve(
      *credential_,
      MethodPath(v1::SubscriptionService::service_full_name(), "ChangePlan"),
      *context, response, [&](const Principal& caller) {
        return service_->ChangePlan(caller, *request);
      });
}

grpc::Status SubscriptionGrpcService::ListPlanChanges(
    grpc::ServerContext* context, const v1::ListPlanChangesRequest* request,
    v1::ListPlanChangesResponse* response) {
  return Serve(*credential_,
               MethodPath(v1::SubscriptionService::service_full_name(),
                          "ListPlanChanges"),
               *context, response, [&](const Principal& caller) {
                 return service_->ListPlanChanges(caller, *request);
               });
}

grpc::Status BillingAccountGrpcService::GetBillingAccount(
    grpc::ServerContext* context, const v1::GetBillingAccountRequest* request,
    v1::BillingAccount* response) {
  return Serve(*credential_,
               MethodPath(v1::BillingAccountService::service_full_name(),
                          "GetBillingAccount"),
               *context, response, [&](const Principal& caller) {
                 return service_->GetBillingAccount(caller, *request);
               });
}

grpc::Status BillingAccountGrpcService::UpdateBillingAccount(
    grpc::ServerContext* context,
    const v1::UpdateBillingAccountRequest* request,
    v1::BillingAccount* response) {
  return Serve(*credential_,
               MethodPath(v1::BillingAccountService::service_full_name(),
                          "UpdateBillingAccount"),
               *context, response, [&](const Principal& caller) {
                 return service_->UpdateBillingAccount(caller, *request);
               });
}

grpc::Status BillingAccountGrpcService::ListAuditEvents(
    grpc::ServerContext* context, const v1::ListAuditEventsRequest* request,
    v1::ListAuditEventsResponse* response) {
  return Serve(*credential_,
               MethodPath(v1::BillingAccountService::service_full_name(),
                          "ListAuditEvents"),
               *context, response, [&](const Principal& caller) {
                 return service_->ListAuditEvents(caller, *request);
               });
}

}  // namespace ironorg::billing

// The rules of the billing service, free of gRPC: each method takes the
// caller's verified Principal and the request message, and returns the
// response or an absl::Status built with common/errors.h.
//
// Authorization: the gateway applies the permission table (which roles
// may call which method). This layer still rejects a principal without a
// kind (UNAUTHENTICATED) and a cluster token (PERMISSION_DENIED), and
// checks that a caller names only resources of its own organization
// (PERMISSION_DENIED, before any lookup). ListAuditEvents also checks the
// user's role, as every service does for its audit log.
//
// Thread-safe: the catalog is immutable and the store serializes its
// transactions.
#ifndef IRONORG_SERVICES_BILLING_BILLING_SERVICE_H_
#define IRONORG_SERVICES_BILLING_BILLING_SERVICE_H_

#include <cstdint>
#include <functional>

#include "absl/status/statusor.h"
#include "common/pagination.h"
#include "ironorg/billing/v1/billing_account.pb.h"
#include "ironorg/billing/v1/plan.pb.h"
#include "ironorg/billing/v1/subscription.pb.h"
#include "ironorg/identity/v1/principal.pb.h"
#include "services/billing/billing_store.h"
#include "services/billing/plan_catalog.h"

namespace ironorg::billing {

class BillingService final {
 public:
  // `store` and `catalog` must outlive the service. `now_micros` returns
  // the current time in microseconds since the epoch; tests pass a fixed
  // clock. `page_tokens` seals the page tokens of ListAuditEvents.
  BillingService(BillingStore* store, const PlanCatalog* catalog,
                 std::function<int64_t()> now_micros,
                 pagination::PageTokenCodec page_tokens);

  // Lists the catalog's plans of `request.product`, or of every product
  // for PRODUCT_UNSPECIFIED, whole: ordered by product, cheapest first.
  // INVALID_ARGUMENT for a product value outside the enum.
  absl::StatusOr<ironorg::billing::v1::ListPlansResponse> ListPlans(
      const ironorg::identity::v1::Principal& caller,
      const ironorg::billing::v1::ListPlansRequest& request) const;

  // Returns one plan. INVALID_ARGUMENT if `name` is not plans/{plan},
  // NOT_FOUND if the catalog has no such plan.
  absl::StatusOr<ironorg::billing::v1::Plan> GetPlan(
      const ironorg::identity::v1::Principal& caller,
      const ironorg::billing::v1::GetPlanRequest& request) const;

  // Returns the three subscriptions of the organization `request.parent`,
  // ordered IronWorker, IronMQ, IronCache. An organization this service
  // has not seen yet starts on each product's free plan, and the first
  // call creates those rows. Errors, checked in this order:
  //   - INVALID_ARGUMENT if `parent` is empty.
  //   - PERMISSION_DENIED if the caller is not in the organization that
  //     `parent` names.
  //   - INVALID_ARGUMENT if `parent` is not organizations/{organization}.
  // NOTE: a subscription keeps the plan name it was stored with. If a
  // replaced catalog no longer lists that plan, the subscription still
  // names it and GetPlan on it returns NOT_FOUND.
  absl::StatusOr<ironorg::billing::v1::ListSubscriptionsResponse>
  ListSubscriptions(
      const ironorg::identity::v1::Principal& caller,
      const ironorg::billing::v1::ListSubscriptionsRequest& request);

  // Not implemented yet: each returns UNIMPLEMENTED naming the method.
  absl::StatusOr<ironorg::billing::v1::Subscription> ChangePlan(
      const ironorg::identity::v1::Principal& caller,
      const ironorg::billing::v1::ChangePlanRequest& request);
  absl::StatusOr<ironorg::billing::v1::ListPlanChangesResponse> ListPlanChanges(
      const ironorg::identity::v1::Principal& caller,
      const ironorg::billing::v1::ListPlanChangesRequest& request);
  absl::StatusOr<ironorg::billing::v1::BillingAccount> GetBillingAccount(
      const ironorg::identity::v1::Principal& caller,
      const ironorg::billing::v1::GetBillingAccountRequest& request);
  absl::StatusOr<ironorg::billing::v1::BillingAccount> UpdateBillingAccount(
      const ironorg::identity::v1::Principal& caller,
      const ironorg::billing::v1::UpdateBillingAccountRequest& request);

  // Lists the organization's billing audit events, newest first, filtered
  // by `actor` and `resource` when set. An Admin, Admin read-only or
  // Accountant of the organization, or a peer service, may list. Errors
  // are those of common/audit_log.h ListAuditEvents, after the caller
  // checks above.
  absl::StatusOr<ironorg::billing::v1::ListAuditEventsResponse> ListAuditEvents(
      const ironorg::identity::v1::Principal& caller,
      const ironorg::billing::v1::ListAuditEventsRequest& request);

 private:
  BillingStore* store_;
  const PlanCatalog* catalog_;
  std::function<int64_t()> now_micros_;
  pagination::PageTokenCodec page_tokens_;
};

}  // namespace ironorg::billing

#endif  // IRONORG_SERVICES_BILLING_BILLING_SERVICE_H_

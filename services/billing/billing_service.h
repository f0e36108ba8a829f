// The rules of the billing service, free of gRPC: each method takes the
// caller's verified Principal and the request message, and returns the
// response or an absl::Status built with common/errors.h.
//
// Authorization: the gateway applies the permission table (which roles
// may call which method), and this layer applies it again, so that a peer
// calling the service directly meets the same rules. Every method rejects
// a principal without a kind (UNAUTHENTICATED) and a cluster token
// (PERMISSION_DENIED). The methods on an organization's data then admit
// a peer service, or a user whose role the method lists. Such a user may
// name only resources of their own organization. Any other caller gets
// PERMISSION_DENIED before the name's form is checked or anything is
// looked up.
//
// Thread-safe: the catalog is immutable and the store runs each call in
// one transaction.
#ifndef IRONORG_SERVICES_BILLING_BILLING_SERVICE_H_
#define IRONORG_SERVICES_BILLING_BILLING_SERVICE_H_

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

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
  // clock. `page_tokens` seals the page tokens of ListPlanChanges and
  // ListAuditEvents.
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
  // ordered IronWorker, IronMQ, IronCache. Admin, Admin read-only and
  // Accountant. An organization this service has not seen yet starts on
  // each product's free plan, and the first call creates those rows.
  // Errors, checked in this order:
  //   - PERMISSION_DENIED for a caller whose role may not list.
  //   - INVALID_ARGUMENT if `parent` is empty.
  //   - PERMISSION_DENIED if the caller is not in the organization that
  //     `parent` names.
  //   - INVALID_ARGUMENT if `parent` is not organizations/{organization}.
  // NOTE: a subscription keeps the plan name it was stored with. If a
  // replaced catalog no longer lists that plan, the subscription still
  // names it, GetPlan on it returns NOT_FOUND, and ChangePlan to it is
  // INVALID_ARGUMENT.
  absl::StatusOr<ironorg::billing::v1::ListSubscriptionsResponse>
  ListSubscriptions(
      const ironorg::identity::v1::Principal& caller,
      const ironorg::billing::v1::ListSubscriptionsRequest& request);

  // Moves the subscription `request.name` to `request.plan` at once, and
  // records the history entry and audit event in the same transaction.
  // Admin and Accountant. Changing to the current plan returns the
  // subscription and writes nothing. A retry with a `request_id` that the
  // same caller sent before returns the subscription as the first call
  // left it and changes nothing. Errors, in this order:
  //   - PERMISSION_DENIED for another role, then for a name outside the
  //     caller's organization.
  //   - INVALID_ARGUMENT naming `name` if it is not
  //     organizations/{organization}/subscriptions/{product} with product
  //     iron-worker, iron-mq or iron-cache; naming `request_id` if it is
  //     longer than 128 characters or not printable ASCII; naming `plan`
  //     if the catalog has no such plan for the product, with the plans
  //     it has.
  //   - UNAVAILABLE when the database is busy.
  absl::StatusOr<ironorg::billing::v1::Subscription> ChangePlan(
      const ironorg::identity::v1::Principal& caller,
      const ironorg::billing::v1::ChangePlanRequest& request);

  // Lists the plan history of the subscription `request.parent`, newest
  // first, paginated by `page_size` and sealed page tokens. Admin, Admin
  // read-only and Accountant. Errors are those of ChangePlan's name, then
  // INVALID_ARGUMENT for a negative page size or a page token not issued
  // for this method, parent and caller.
  absl::StatusOr<ironorg::billing::v1::ListPlanChangesResponse> ListPlanChanges(
      const ironorg::identity::v1::Principal& caller,
      const ironorg::billing::v1::ListPlanChangesRequest& request);

  // Returns the billing account `request.name`,
  // organizations/{organization}/billingAccount. Admin, Admin read-only
  // and Accountant. An organization that never set it gets an account
  // with only `name` set. PERMISSION_DENIED as ChangePlan, then
  // INVALID_ARGUMENT naming `name` for another form.
  absl::StatusOr<ironorg::billing::v1::BillingAccount> GetBillingAccount(
      const ironorg::identity::v1::Principal& caller,
      const ironorg::billing::v1::GetBillingAccountRequest& request);

  // Stores the fields of `request.billing_account` that `update_mask`
  // names, with an audit event that contains no field value. Admin and
  // Accountant. PERMISSION_DENIED as ChangePlan; INVALID_ARGUMENT naming
  // `billing_account.name`, `update_mask` or the field, as
  // billing_account_input.h checks them; ABORTED if a non-empty
  // `billing_account.etag` is not the stored one. Nothing is stored on
  // any error.
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
  // Returns each product's free plan, which a new organization starts on.
  std::vector<std::pair<ironorg::billing::v1::Product, std::string>>
  DefaultPlans() const;

  BillingStore* store_;
  const PlanCatalog* catalog_;
  std::function<int64_t()> now_micros_;
  pagination::PageTokenCodec page_tokens_;
};

}  // namespace ironorg::billing

#endif  // IRONORG_SERVICES_BILLING_BILLING_SERVICE_H_

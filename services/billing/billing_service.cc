#include "services/billing/billing_service.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/audit_log.h"
#include "common/errors.h"
#include "common/names.h"
#include "common/time_util.h"
#include "services/billing/products.h"

namespace ironorg::billing {
namespace {

namespace v1 = ::ironorg::billing::v1;
using ::ironorg::identity::v1::Principal;

absl::Status CheckCaller(const Principal& caller) {
  if (caller.kind() == Principal::KIND_UNSPECIFIED) {
    return errors::Unauthenticated(
        "the call carries no caller identity; call through the gateway with "
        "a token");
  }
  if (caller.kind() == Principal::KIND_CLUSTER_TOKEN) {
    return errors::PermissionDenied(
        "a cluster token may only register runners and send heartbeats");
  }
  return absl::OkStatus();
}

// A name outside the caller's organization gets the same error as a name
// that does not exist, so a caller learns nothing about other
// organizations.
absl::Status CheckSameOrganization(const Principal& caller,
                                   absl::string_view name) {
  const std::string organization = names::OrganizationOf(name);
  if (organization.empty() || organization != caller.organization()) {
    return errors::PermissionDenied(
        absl::StrCat("\"", name, "\" is outside the caller's organization"));
  }
  return absl::OkStatus();
}

v1::Subscription ToSubscription(const SubscriptionRow& row) {
  v1::Subscription subscription;
  subscription.set_name(names::Child(row.organization_id, "subscriptions",
                                     ProductId(row.product)));
  subscription.set_product(row.product);
  subscription.set_plan(row.plan);
  *subscription.mutable_start_time() = ToTimestamp(row.start_time);
  subscription.set_etag(absl::StrCat(row.revision));
  return subscription;
}

}  // namespace

BillingService::BillingService(BillingStore* store, const PlanCatalog* catalog,
                               std::function<int64_t()> now_micros,
                               pagination::PageTokenCodec page_tokens)
    : store_(store),
      catalog_(catalog),
      now_micros_(std::move(now_micros)),
      page_tokens_(std::move(page_tokens)) {}

absl::StatusOr<v1::ListPlansResponse> BillingService::ListPlans(
    const Principal& caller, const v1::ListPlansRequest& request) const {
  absl::Status allowed = CheckCaller(caller);
  if (!allowed.ok()) {
    return allowed;
  }
  const v1::Product product = request.product();
  if (product != v1::PRODUCT_UNSPECIFIED && !IsKnownProduct(product)) {
    return errors::InvalidArgument(
        "product",
        absl::StrCat("product must be PRODUCT_UNSPECIFIED (every product), "
                     "PRODUCT_IRON_WORKER, PRODUCT_IRON_MQ or "
                     "PRODUCT_IRON_CACHE, got ",
                     static_cast<int>(product)));
  }

  v1::ListPlansResponse response;
  for (const v1::Plan& plan : catalog_->plans()) {
    if (product == v1::PRODUCT_UNSPECIFIED || plan.product() == product) {
      *response.add_plans() = plan;
    }
  }
  return response;
}

absl::StatusOr<v1::Plan> BillingService::GetPlan(
    const Principal& caller, const v1::GetPlanRequest& request) const {
  absl::Status allowed = CheckCaller(caller);
  if (!allowed.ok()) {
    return allowed;
  }
  absl::StatusOr<std::vector<std::string>> ids =
      names::Parse(request.name(), "plans/{plan}", "name");
  if (!ids.ok()) {
    return ids.status();
  }

  const v1::Plan* plan = catalog_->Find(request.name());
  if (plan == nullptr) {
    return errors::NotFound("plan", request.name());
  }
  return *plan;
}

absl::StatusOr<v1::ListSubscriptionsResponse> BillingService::ListSubscriptions(
    const Principal& caller, const v1::ListSubscriptionsRequest& request) {
  absl::Status allowed = CheckCaller(caller);
  if (!allowed.ok()) {
    return allowed;
  }
  if (request.parent().empty()) {
    return errors::InvalidArgument(
        "parent",
        "parent is required, in the form organizations/{organization}");
  }
  allowed = CheckSameOrganization(caller, request.parent());
  if (!allowed.ok()) {
    return allowed;
  }
  absl::StatusOr<std::string> organization_id =
      names::ParseOrganization(request.parent(), "parent");
  if (!organization_id.ok()) {
    return organization_id.status();
  }

  std::vector<std::pair<v1::Product, std::string>> default_plans;
  for (v1::Product product : AllProducts()) {
    default_plans.emplace_back(product, catalog_->FreePlan(product).name());
  }
  absl::StatusOr<std::vector<SubscriptionRow>> rows =
      store_->ListOrCreateSubscriptions(*organization_id, default_plans,
                                        now_micros_());
  if (!rows.ok()) {
    return rows.status();
  }

  v1::ListSubscriptionsResponse response;
  for (const SubscriptionRow& row : *rows) {
    *response.add_subscriptions() = ToSubscription(row);
  }
  return response;
}

absl::StatusOr<v1::Subscription> BillingService::ChangePlan(
    const Principal&, const v1::ChangePlanRequest&) {
  return errors::Unimplemented(
      "ironorg.billing.v1.SubscriptionService/ChangePlan");
}

absl::StatusOr<v1::ListPlanChangesResponse> BillingService::ListPlanChanges(
    const Principal&, const v1::ListPlanChangesRequest&) {
  return errors::Unimplemented(
      "ironorg.billing.v1.SubscriptionService/ListPlanChanges");
}

absl::StatusOr<v1::BillingAccount> BillingService::GetBillingAccount(
    const Principal&, const v1::GetBillingAccountRequest&) {
  return errors::Unimplemented(
      "ironorg.billing.v1.BillingAccountService/GetBillingAccount");
}

absl::StatusOr<v1::BillingAccount> BillingService::UpdateBillingAccount(
    const Principal&, const v1::UpdateBillingAccountRequest&) {
  return errors::Unimplemented(
      "ironorg.billing.v1.BillingAccountService/UpdateBillingAccount");
}

absl::StatusOr<v1::ListAuditEventsResponse> BillingService::ListAuditEvents(
    const Principal& caller, const v1::ListAuditEventsRequest& request) {
  absl::Status caller_valid = CheckCaller(caller);
  if (!caller_valid.ok()) {
    return caller_valid;
  }
  const audit_log::ListRules rules{
      "ironorg.billing.v1.BillingAccountService/ListAuditEvents",
      "billing",
      {identity::v1::ROLE_ADMIN, identity::v1::ROLE_ADMIN_READ_ONLY,
       identity::v1::ROLE_ACCOUNTANT}};
  absl::StatusOr<audit_log::ListPage> page = audit_log::ListAuditEvents(
      caller, audit_log::ToListRequest(request), rules, page_tokens_,
      [this](const audit_log::AuditQuery& query) {
        return store_->ListAuditEvents(query);
      });
  if (!page.ok()) {
    return page.status();
  }
  return audit_log::ToResponse<v1::ListAuditEventsResponse>(*std::move(page));
}

}  // namespace ironorg::billing

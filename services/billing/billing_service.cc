#include "services/billing/billing_service.h"

#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/access_rules.h"
#include "common/audit_log.h"
#include "common/errors.h"
#include "common/log.h"
#include "common/names.h"
#include "common/store_records.h"
#include "common/time_util.h"
#include "common/validation.h"
#include "services/billing/billing_account_input.h"
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

using ::ironorg::identity::v1::Role;

constexpr char kSubscriptionPattern[] =
    "organizations/{organization}/subscriptions/{product}";
constexpr char kBillingAccountPattern[] =
    "organizations/{organization}/billingAccount";
constexpr char kListPlanChangesMethod[] =
    "ironorg.billing.v1.SubscriptionService/ListPlanChanges";

// The roles that may read and change an organization's billing data.
const std::vector<Role>& BillingReaders() {
  static const auto* const kRoles = new std::vector<Role>{
      identity::v1::ROLE_ADMIN, identity::v1::ROLE_ADMIN_READ_ONLY,
      identity::v1::ROLE_ACCOUNTANT};
  return *kRoles;
}

const std::vector<Role>& BillingWriters() {
  static const auto* const kRoles = new std::vector<Role>{
      identity::v1::ROLE_ADMIN, identity::v1::ROLE_ACCOUNTANT};
  return *kRoles;
}

// Admits a peer service, or a user whose role is in `roles`, to `method`.
absl::Status CheckRole(const Principal& caller, absl::string_view method,
                       const std::vector<Role>& roles) {
  absl::Status status = CheckCaller(caller);
  if (!status.ok() || access::IsService(caller)) {
    return status;
  }
  if (!access::IsUser(caller)) {
    return errors::PermissionDenied(
        "the billing service serves users of an organization and peer "
        "services only");
  }
  if (std::find(roles.begin(), roles.end(), caller.role()) != roles.end()) {
    return absl::OkStatus();
  }
  std::vector<std::string> role_names;
  for (Role role : roles) {
    role_names.push_back(identity::v1::Role_Name(role));
  }
  return errors::PermissionDenied(absl::StrCat(
      method, " needs one of the roles ", absl::StrJoin(role_names, ", ")));
}

// Checks that `name` is set and, for a user, inside the caller's
// organization. A peer service may name any organization.
absl::Status CheckName(const Principal& caller, absl::string_view name,
                       absl::string_view field, absl::string_view pattern) {
  if (name.empty()) {
    return errors::InvalidArgument(
        field, absl::StrCat(field, " is required, in the form ", pattern));
  }
  if (access::IsService(caller)) {
    return absl::OkStatus();
  }
  return CheckSameOrganization(caller, name);
}

// An organization id and a product, parsed from a subscription name.
struct SubscriptionKey {
  std::string organization_id;
  v1::Product product = v1::PRODUCT_UNSPECIFIED;
};

absl::StatusOr<SubscriptionKey> ParseSubscriptionName(absl::string_view name,
                                                      absl::string_view field) {
  absl::StatusOr<std::vector<std::string>> ids =
      names::Parse(name, kSubscriptionPattern, field);
  std::optional<v1::Product> product;
  if (ids.ok()) {
    product = ProductFromId((*ids)[1]);
  }
  if (!product.has_value()) {
    return errors::InvalidArgument(
        field, absl::StrCat(field, " must be ", kSubscriptionPattern,
                            " with product iron-worker, iron-mq or "
                            "iron-cache, got \"",
                            name, "\""));
  }
  return SubscriptionKey{(*ids)[0], *product};
}

// Returns the names of the catalog's plans of `product`, cheapest first.
std::string PlanNamesOf(const PlanCatalog& catalog, v1::Product product) {
  std::vector<std::string> plan_names;
  for (const v1::Plan& plan : catalog.plans()) {
    if (plan.product() == product) {
      plan_names.push_back(plan.name());
    }
  }
  return absl::StrJoin(plan_names, ", ");
}

// Checks that `plan` is a plan of `product` in the catalog served now. A
// plan that only an earlier catalog had is rejected too, so that no
// subscription moves onto a plan the operator withdrew.
absl::Status CheckPlan(const PlanCatalog& catalog, v1::Product product,
                       absl::string_view plan) {
  const v1::Plan* found = catalog.Find(plan);
  if (found != nullptr && found->product() == product) {
    return absl::OkStatus();
  }
  const std::string allowed =
      absl::StrCat("the plans of ", ProductId(product), " in catalog ",
                   catalog.version(), " are ", PlanNamesOf(catalog, product));
  if (plan.empty()) {
    return errors::InvalidArgument("plan",
                                   absl::StrCat("plan is required; ", allowed));
  }
  return errors::InvalidArgument(
      "plan", absl::StrCat("plan \"", plan, "\" is not a plan of ",
                           ProductId(product), "; ", allowed));
}

v1::PlanChange ToPlanChange(const PlanChangeRow& row) {
  v1::PlanChange change;
  change.set_plan(row.plan);
  *change.mutable_start_time() = ToTimestamp(row.start_time);
  if (row.end_time != 0) {
    *change.mutable_end_time() = ToTimestamp(row.end_time);
  }
  change.set_actor(row.actor);
  change.set_previous_plan(row.previous_plan);
  return change;
}

v1::BillingAccount ToBillingAccount(const std::string& name,
                                    const BillingAccountRow& row) {
  v1::BillingAccount account;
  account.set_name(name);
  account.set_billing_email(row.billing_email);
  account.set_company_name(row.company_name);
  const bool has_address = !row.address_lines.empty() ||
                           !row.locality.empty() ||
                           !row.administrative_area.empty() ||
                           !row.postal_code.empty() || !row.region_code.empty();
  if (has_address) {
    v1::PostalAddress* address = account.mutable_address();
    for (const std::string& line : row.address_lines) {
      address->add_address_lines(line);
    }
    address->set_locality(row.locality);
    address->set_administrative_area(row.administrative_area);
    address->set_postal_code(row.postal_code);
    address->set_region_code(row.region_code);
  }
  account.set_tax_id(row.tax_id);
  account.set_payment_method(row.payment_method);
  *account.mutable_update_time() = ToTimestamp(row.update_time);
  account.set_etag(absl::StrCat(row.revision));
  return account;
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

std::vector<std::pair<v1::Product, std::string>> BillingService::DefaultPlans()
    const {
  std::vector<std::pair<v1::Product, std::string>> default_plans;
  for (v1::Product product : AllProducts()) {
    default_plans.emplace_back(product, catalog_->FreePlan(product).name());
  }
  return default_plans;
}

absl::StatusOr<v1::ListSubscriptionsResponse> BillingService::ListSubscriptions(
    const Principal& caller, const v1::ListSubscriptionsRequest& request) {
  absl::Status allowed =
      CheckRole(caller, "ListSubscriptions", BillingReaders());
  if (allowed.ok()) {
    allowed = CheckName(caller, request.parent(), "parent",
                        "organizations/{organization}");
  }
  if (!allowed.ok()) {
    return allowed;
  }
  absl::StatusOr<std::string> organization_id =
      names::ParseOrganization(request.parent(), "parent");
  if (!organization_id.ok()) {
    return organization_id.status();
  }

  absl::StatusOr<std::vector<SubscriptionRow>> rows =
      store_->ListOrCreateSubscriptions(*organization_id, DefaultPlans(),
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
    const Principal& caller, const v1::ChangePlanRequest& request) {
  absl::Status allowed = CheckRole(caller, "ChangePlan", BillingWriters());
  if (allowed.ok()) {
    allowed = CheckName(caller, request.name(), "name", kSubscriptionPattern);
  }
  if (!allowed.ok()) {
    return allowed;
  }
  absl::StatusOr<SubscriptionKey> key =
      ParseSubscriptionName(request.name(), "name");
  if (!key.ok()) {
    return key.status();
  }
  absl::Status valid = validation::ValidateRequestId(request.request_id());
  if (valid.ok()) {
    valid = CheckPlan(*catalog_, key->product, request.plan());
  }
  if (!valid.ok()) {
    return valid;
  }

  const Mutation mutation{access::AuditActor(caller), "ChangePlan",
                          request.request_id(), now_micros_()};
  absl::StatusOr<ChangedSubscription> result =
      store_->ChangePlan(key->organization_id, key->product, request.plan(),
                         DefaultPlans(), mutation);
  if (!result.ok()) {
    return result.status();
  }
  if (result->changed) {
    IRONORG_LOG(INFO) << mutation.actor << " changed " << request.name()
                      << " to " << result->subscription.plan;
  }
  return ToSubscription(result->subscription);
}

absl::StatusOr<v1::ListPlanChangesResponse> BillingService::ListPlanChanges(
    const Principal& caller, const v1::ListPlanChangesRequest& request) {
  absl::Status allowed = CheckRole(caller, "ListPlanChanges", BillingReaders());
  if (allowed.ok()) {
    allowed =
        CheckName(caller, request.parent(), "parent", kSubscriptionPattern);
  }
  if (!allowed.ok()) {
    return allowed;
  }
  absl::StatusOr<SubscriptionKey> key =
      ParseSubscriptionName(request.parent(), "parent");
  if (!key.ok()) {
    return key.status();
  }
  absl::StatusOr<int> page_size =
      pagination::NormalizePageSize(request.page_size());
  if (!page_size.ok()) {
    return page_size.status();
  }
  // The parent is a fixed-form name and the actor a user name, so neither
  // contains the newline that separates them.
  const std::string scope =
      absl::StrCat(kListPlanChangesMethod, "\n", request.parent(), "\n",
                   access::AuditActor(caller));
  int64_t before_sequence = 0;
  if (!request.page_token().empty()) {
    absl::StatusOr<std::string> last =
        page_tokens_.Decode(scope, request.page_token());
    if (!last.ok()) {
      return last.status();
    }
    if (!absl::SimpleAtoi(*last, &before_sequence) || before_sequence <= 0) {
      IRONORG_LOG(ERROR) << "sealed ListPlanChanges page token holds \""
                         << *last << "\", not a sequence";
      return errors::Internal();
    }
  }

  // A new organization's history starts with its free plans, which the
  // first read of its subscriptions records.
  absl::StatusOr<std::vector<SubscriptionRow>> subscriptions =
      store_->ListOrCreateSubscriptions(key->organization_id, DefaultPlans(),
                                        now_micros_());
  if (!subscriptions.ok()) {
    return subscriptions.status();
  }
  // The one extra row fetched shows whether another page follows.
  absl::StatusOr<std::vector<PlanChangeRow>> rows = store_->ListPlanChanges(
      key->organization_id, key->product, before_sequence, *page_size + 1);
  if (!rows.ok()) {
    return rows.status();
  }

  v1::ListPlanChangesResponse response;
  const bool has_more = static_cast<int>(rows->size()) > *page_size;
  if (has_more) {
    rows->resize(*page_size);
  }
  for (const PlanChangeRow& row : *rows) {
    *response.add_plan_changes() = ToPlanChange(row);
  }
  if (has_more) {
    response.set_next_page_token(
        page_tokens_.Encode(scope, absl::StrCat(rows->back().sequence)));
  }
  return response;
}

absl::StatusOr<v1::BillingAccount> BillingService::GetBillingAccount(
    const Principal& caller, const v1::GetBillingAccountRequest& request) {
  absl::Status allowed =
      CheckRole(caller, "GetBillingAccount", BillingReaders());
  if (allowed.ok()) {
    allowed = CheckName(caller, request.name(), "name", kBillingAccountPattern);
  }
  if (!allowed.ok()) {
    return allowed;
  }
  absl::StatusOr<std::vector<std::string>> ids =
      names::Parse(request.name(), kBillingAccountPattern, "name");
  if (!ids.ok()) {
    return ids.status();
  }

  absl::StatusOr<std::optional<BillingAccountRow>> row =
      store_->GetBillingAccount((*ids)[0]);
  if (!row.ok()) {
    return row.status();
  }
  if (!row->has_value()) {
    v1::BillingAccount empty;
    empty.set_name(request.name());
    return empty;
  }
  return ToBillingAccount(request.name(), **row);
}

absl::StatusOr<v1::BillingAccount> BillingService::UpdateBillingAccount(
    const Principal& caller, const v1::UpdateBillingAccountRequest& request) {
  const std::string& name = request.billing_account().name();
  absl::Status allowed =
      CheckRole(caller, "UpdateBillingAccount", BillingWriters());
  if (allowed.ok()) {
    allowed =
        CheckName(caller, name, "billing_account.name", kBillingAccountPattern);
  }
  if (!allowed.ok()) {
    return allowed;
  }
  absl::StatusOr<std::vector<std::string>> ids =
      names::Parse(name, kBillingAccountPattern, "billing_account.name");
  if (!ids.ok()) {
    return ids.status();
  }
  absl::StatusOr<BillingAccountUpdate> update =
      ParseBillingAccountUpdate(request);
  if (!update.ok()) {
    return update.status();
  }

  // The audit event names the account only: billing data stays out of
  // the audit log.
  const Mutation mutation{access::AuditActor(caller), "UpdateBillingAccount",
                          /*request_id=*/"", now_micros_()};
  absl::StatusOr<BillingAccountRow> stored = store_->UpdateBillingAccount(
      (*ids)[0], name, request.billing_account().etag(),
      [&update](BillingAccountRow& account) { update->ApplyTo(account); },
      mutation);
  if (!stored.ok()) {
    return stored.status();
  }
  return ToBillingAccount(name, *stored);
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

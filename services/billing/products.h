// The products sold by plan, and the ids that name them in subscription
// names such as `organizations/o1/subscriptions/iron-worker`.
//
// Thread-safe: everything here is a pure function of constant tables.
#ifndef IRONORG_SERVICES_BILLING_PRODUCTS_H_
#define IRONORG_SERVICES_BILLING_PRODUCTS_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "ironorg/billing/v1/plan.pb.h"

namespace ironorg::billing {

// Every product, in enum order: IronWorker, IronMQ, IronCache.
const std::vector<ironorg::billing::v1::Product>& AllProducts();

// Returns the id of a product in subscription names ("iron-worker",
// "iron-mq", "iron-cache"), or an empty string for PRODUCT_UNSPECIFIED
// and unknown values.
std::string ProductId(ironorg::billing::v1::Product product);

// Returns the product whose id is `id`, or nothing for an unknown id.
std::optional<ironorg::billing::v1::Product> ProductFromId(
    absl::string_view id);

// Returns the `limits` case a plan of `product` must set, such as
// kIronWorkerLimits, or LIMITS_NOT_SET for an unknown product.
ironorg::billing::v1::Plan::LimitsCase LimitsCaseOf(
    ironorg::billing::v1::Product product);

// Returns true if `product` is one of AllProducts().
bool IsKnownProduct(ironorg::billing::v1::Product product);

}  // namespace ironorg::billing

#endif  // IRONORG_SERVICES_BILLING_PRODUCTS_H_

#include "services/billing/products.h"

namespace ironorg::billing {

namespace v1 = ::ironorg::billing::v1;

const std::vector<v1::Product>& AllProducts() {
  static const auto* const kProducts = new std::vector<v1::Product>{
      v1::PRODUCT_IRON_WORKER, v1::PRODUCT_IRON_MQ, v1::PRODUCT_IRON_CACHE};
  return *kProducts;
}

std::string ProductId(v1::Product product) {
  switch (product) {
    case v1::PRODUCT_IRON_WORKER:
      return "iron-worker";
    case v1::PRODUCT_IRON_MQ:
      return "iron-mq";
    case v1::PRODUCT_IRON_CACHE:
      return "iron-cache";
    default:
      return std::string();
  }
}

std::optional<v1::Product> ProductFromId(absl::string_view id) {
  for (v1::Product product : AllProducts()) {
    if (ProductId(product) == id) {
      return product;
    }
  }
  return std::nullopt;
}

v1::Plan::LimitsCase LimitsCaseOf(v1::Product product) {
  switch (product) {
    case v1::PRODUCT_IRON_WORKER:
      return v1::Plan::kIronWorkerLimits;
    case v1::PRODUCT_IRON_MQ:
      return v1::Plan::kIronMqLimits;
    case v1::PRODUCT_IRON_CACHE:
      return v1::Plan::kIronCacheLimits;
    default:
      return v1::Plan::LIMITS_NOT_SET;
  }
}

bool IsKnownProduct(v1::Product product) { return !ProductId(product).empty(); }

}  // namespace ironorg::billing

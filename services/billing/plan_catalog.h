// The plan catalog: every plan of every product, loaded once at start-up
// from protobuf text format (message ironorg.billing.v1.PlanCatalog) and
// validated before the service serves anything.
//
// Thread-safe: a PlanCatalog is immutable after it is built.
#ifndef IRONORG_SERVICES_BILLING_PLAN_CATALOG_H_
#define IRONORG_SERVICES_BILLING_PLAN_CATALOG_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "ironorg/billing/v1/catalog.pb.h"
#include "ironorg/billing/v1/plan.pb.h"

namespace ironorg::billing {

// Returns the text of services/billing/default_plan_catalog.textproto,
// compiled into the binary.
absl::string_view DefaultPlanCatalogText();

class PlanCatalog final {
 public:
  // Validates `catalog` and builds a catalog of its plans. A valid catalog
  // has a version, and plans that each have:
  //   - a unique name of the form plans/{plan};
  //   - a known product, and the `limits` case of that product
  //     (iron_worker_limits for PRODUCT_IRON_WORKER, and so on) with
  //     values in range;
  //   - a display name of 1 to 200 characters and a price >= 0 cents;
  //   - an empty catalog_version or the catalog's version;
  // and every product has exactly one plan at 0 cents, the plan that new
  // organizations start on.
  // Returns INVALID_ARGUMENT whose message names the plan and the field.
  static absl::StatusOr<PlanCatalog> FromProto(
      ironorg::billing::v1::PlanCatalog catalog);

  // Parses `text` as a text-format PlanCatalog and validates it as
  // FromProto does. Returns INVALID_ARGUMENT with the line and column of
  // a syntax error.
  static absl::StatusOr<PlanCatalog> FromText(absl::string_view text);

  // Reads the text-format catalog at `path`. Returns FAILED_PRECONDITION
  // if the file cannot be read, and FromText's errors prefixed with the
  // path otherwise.
  static absl::StatusOr<PlanCatalog> FromFile(const std::string& path);

  // Returns the built-in default catalog.
  static absl::StatusOr<PlanCatalog> Default();

  // The catalog's version, copied into every plan's catalog_version.
  const std::string& version() const { return version_; }

  // Every plan, ordered by product (in enum order), then by price
  // (cheapest first), then by name.
  const std::vector<ironorg::billing::v1::Plan>& plans() const {
    return plans_;
  }

  // Returns the plan named `name`, or nullptr if there is none.
  const ironorg::billing::v1::Plan* Find(absl::string_view name) const;

  // Returns the free plan of `product`.
  // REQUIRES: IsKnownProduct(product).
  const ironorg::billing::v1::Plan& FreePlan(
      ironorg::billing::v1::Product product) const;

 private:
  PlanCatalog(std::string version,
              std::vector<ironorg::billing::v1::Plan> plans)
      : version_(std::move(version)), plans_(std::move(plans)) {}

  std::string version_;
  std::vector<ironorg::billing::v1::Plan> plans_;
};

}  // namespace ironorg::billing

#endif  // IRONORG_SERVICES_BILLING_PLAN_CATALOG_H_

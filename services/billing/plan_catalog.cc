#include "services/billing/plan_catalog.h"

#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/text_format.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <tuple>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/errors.h"
#include "common/names.h"
#include "common/validation.h"
#include "services/billing/products.h"

namespace ironorg::billing {
namespace {

namespace v1 = ::ironorg::billing::v1;

constexpr size_t kMaxVersionBytes = 64;

// Collects the parser's messages, so that a syntax error reaches the
// caller with its position instead of going to the protobuf log.
class TextErrorCollector final : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int line, google::protobuf::io::ColumnNumber column,
                const std::string& message) override {
    // The parser counts from 0; editors count from 1.
    errors_.push_back(
        absl::StrCat("line ", line + 1, " column ", column + 1, ": ", message));
  }

  void AddWarning(int line, google::protobuf::io::ColumnNumber column,
                  const std::string& message) override {
    AddError(line, column, message);
  }

  std::string Join() const { return absl::StrJoin(errors_, "; "); }

 private:
  std::vector<std::string> errors_;
};

// Builds the INVALID_ARGUMENT error for one field of one plan. Its message
// starts with the plan's position and name, such as
// `plan catalog: plans[2] "plans/iron-mq-free": `.
absl::Status PlanError(int index, const v1::Plan& plan, absl::string_view field,
                       absl::string_view description) {
  return errors::InvalidArgument(
      absl::StrCat("plans[", index, "].", field),
      absl::StrCat("plan catalog: plans[", index, "] \"", plan.name(),
                   "\": ", description));
}

absl::Status CheckAtLeast(int index, const v1::Plan& plan,
                          absl::string_view field, int64_t value,
                          int64_t minimum) {
  if (value < minimum) {
    return PlanError(
        index, plan, field,
        absl::StrCat(field, " must be at least ", minimum, ", got ", value));
  }
  return absl::OkStatus();
}

absl::Status CheckWorkerLimits(int index, const v1::Plan& plan) {
  const v1::IronWorkerLimits& limits = plan.iron_worker_limits();
  const std::vector<std::tuple<absl::string_view, int64_t, int64_t>> checks = {
      {"iron_worker_limits.concurrent_tasks", limits.concurrent_tasks(), 1},
      {"iron_worker_limits.compute_hours_per_month",
       limits.compute_hours_per_month(), 0},
      {"iron_worker_limits.max_task_run_time_seconds",
       limits.max_task_run_time_seconds(), 1},
      {"iron_worker_limits.scheduled_jobs", limits.scheduled_jobs(), 0},
  };
  for (const auto& [field, value, minimum] : checks) {
    absl::Status status = CheckAtLeast(index, plan, field, value, minimum);
    if (!status.ok()) {
      return status;
    }
  }
  if (limits.highest_priority() < 0 || limits.highest_priority() > 2) {
    return PlanError(index, plan, "iron_worker_limits.highest_priority",
                     absl::StrCat("iron_worker_limits.highest_priority must "
                                  "be 0 to 2, got ",
                                  limits.highest_priority()));
  }
  return absl::OkStatus();
}

absl::Status CheckMqLimits(int index, const v1::Plan& plan) {
  const v1::IronMqLimits& limits = plan.iron_mq_limits();
  absl::Status status =
      CheckAtLeast(index, plan, "iron_mq_limits.api_requests_per_month",
                   limits.api_requests_per_month(), 1);
  if (!status.ok()) {
    return status;
  }
  return CheckAtLeast(index, plan, "iron_mq_limits.max_message_size_kb",
                      limits.max_message_size_kb(), 1);
}

absl::Status CheckCacheLimits(int index, const v1::Plan& plan) {
  const v1::IronCacheLimits& limits = plan.iron_cache_limits();
  absl::Status status =
      CheckAtLeast(index, plan, "iron_cache_limits.cache_size_mb",
                   limits.cache_size_mb(), 1);
  if (!status.ok()) {
    return status;
  }
  return CheckAtLeast(index, plan, "iron_cache_limits.api_requests_per_month",
                      limits.api_requests_per_month(), 1);
}

// Returns the field name of a `limits` case, for error messages.
absl::string_view LimitsFieldName(v1::Plan::LimitsCase limits_case) {
  switch (limits_case) {
    case v1::Plan::kIronWorkerLimits:
      return "iron_worker_limits";
    case v1::Plan::kIronMqLimits:
      return "iron_mq_limits";
    case v1::Plan::kIronCacheLimits:
      return "iron_cache_limits";
    default:
      return "no limits";
  }
}

absl::Status CheckLimits(int index, const v1::Plan& plan) {
  const v1::Plan::LimitsCase expected = LimitsCaseOf(plan.product());
  if (plan.limits_case() != expected) {
    return PlanError(
        index, plan, LimitsFieldName(expected),
        absl::StrCat("product ", v1::Product_Name(plan.product()), " needs ",
                     LimitsFieldName(expected), ", got ",
                     LimitsFieldName(plan.limits_case())));
  }
  switch (expected) {
    case v1::Plan::kIronWorkerLimits:
      return CheckWorkerLimits(index, plan);
    case v1::Plan::kIronMqLimits:
      return CheckMqLimits(index, plan);
    default:
      return CheckCacheLimits(index, plan);
  }
}

// Checks one plan on its own and fills in its normalized display name and
// catalog version.
absl::Status CheckPlan(int index, absl::string_view version, v1::Plan& plan) {
  absl::StatusOr<std::vector<std::string>> ids =
      names::Parse(plan.name(), "plans/{plan}", "name");
  if (!ids.ok()) {
    return PlanError(index, plan, "name", ids.status().message());
  }
  if (!IsKnownProduct(plan.product())) {
    return PlanError(
        index, plan, "product",
        absl::StrCat("product must be PRODUCT_IRON_WORKER, PRODUCT_IRON_MQ "
                     "or PRODUCT_IRON_CACHE, got ",
                     v1::Product_Name(plan.product()).empty()
                         ? absl::StrCat(static_cast<int>(plan.product()))
                         : v1::Product_Name(plan.product())));
  }
  absl::StatusOr<std::string> display_name =
      validation::NormalizeDisplayName(plan.display_name(), "display_name");
  if (!display_name.ok()) {
    return PlanError(index, plan, "display_name",
                     display_name.status().message());
  }
  plan.set_display_name(*display_name);
  if (plan.monthly_price_cents() < 0) {
    return PlanError(index, plan, "monthly_price_cents",
                     absl::StrCat("monthly_price_cents must be at least 0, "
                                  "got ",
                                  plan.monthly_price_cents()));
  }
  if (!plan.catalog_version().empty() && plan.catalog_version() != version) {
    return PlanError(
        index, plan, "catalog_version",
        absl::StrCat("catalog_version must be empty or the "
                     "catalog's version \"",
                     version, "\", got \"", plan.catalog_version(), "\""));
  }
  plan.set_catalog_version(std::string(version));
  return CheckLimits(index, plan);
}

absl::Status CheckVersion(absl::string_view version) {
  if (version.empty()) {
    return errors::MissingField("version");
  }
  const bool printable =
      std::all_of(version.begin(), version.end(),
                  [](char c) { return c > 0x20 && c < 0x7f; });
  if (version.size() > kMaxVersionBytes || !printable) {
    return errors::InvalidArgument(
        "version",
        absl::StrCat("plan catalog: version must be 1 to ", kMaxVersionBytes,
                     " printable ASCII characters without spaces, "
                     "got \"",
                     version, "\""));
  }
  return absl::OkStatus();
}

absl::Status CheckUniqueNames(const v1::PlanCatalog& catalog) {
  std::map<std::string, int> first_index;
  for (int i = 0; i < catalog.plans_size(); ++i) {
    const v1::Plan& plan = catalog.plans(i);
    auto [it, inserted] = first_index.emplace(plan.name(), i);
    if (!inserted) {
      return PlanError(
          i, plan, "name",
          absl::StrCat("name \"", plan.name(), "\" is already used by plans[",
                       it->second, "]; plan names must be unique"));
    }
  }
  return absl::OkStatus();
}

// Every product needs exactly one plan at 0 cents, because an
// organization's subscription starts on that plan before anyone chooses.
absl::Status CheckOneFreePlanPerProduct(const v1::PlanCatalog& catalog) {
  for (v1::Product product : AllProducts()) {
    std::vector<std::string> free_plans;
    for (const v1::Plan& plan : catalog.plans()) {
      if (plan.product() == product && plan.monthly_price_cents() == 0) {
        free_plans.push_back(absl::StrCat("\"", plan.name(), "\""));
      }
    }
    if (free_plans.size() == 1) {
      continue;
    }
    const std::string message =
        free_plans.empty()
            ? absl::StrCat("plan catalog: product ", v1::Product_Name(product),
                           " has no free plan; add exactly one plan with "
                           "monthly_price_cents 0, which new organizations "
                           "start on")
            : absl::StrCat("plan catalog: product ", v1::Product_Name(product),
                           " has ", free_plans.size(), " free plans (",
                           absl::StrJoin(free_plans, ", "),
                           "); keep exactly one plan with "
                           "monthly_price_cents 0");
    return errors::InvalidArgument("plans.monthly_price_cents", message);
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<PlanCatalog> PlanCatalog::FromProto(v1::PlanCatalog catalog) {
  absl::Status status = CheckVersion(catalog.version());
  if (!status.ok()) {
    return status;
  }
  for (int i = 0; i < catalog.plans_size(); ++i) {
    status = CheckPlan(i, catalog.version(), *catalog.mutable_plans(i));
    if (!status.ok()) {
      return status;
    }
  }
  status = CheckUniqueNames(catalog);
  if (!status.ok()) {
    return status;
  }
  status = CheckOneFreePlanPerProduct(catalog);
  if (!status.ok()) {
    return status;
  }

  std::vector<v1::Plan> plans(catalog.plans().begin(), catalog.plans().end());
  std::sort(plans.begin(), plans.end(),
            [](const v1::Plan& a, const v1::Plan& b) {
              return std::make_tuple(static_cast<int>(a.product()),
                                     a.monthly_price_cents(), a.name()) <
                     std::make_tuple(static_cast<int>(b.product()),
                                     b.monthly_price_cents(), b.name());
            });
  return PlanCatalog(catalog.version(), std::move(plans));
}

absl::StatusOr<PlanCatalog> PlanCatalog::FromText(absl::string_view text) {
  google::protobuf::TextFormat::Parser parser;
  TextErrorCollector collector;
  parser.RecordErrorsTo(&collector);
  v1::PlanCatalog catalog;
  if (!parser.ParseFromString(std::string(text), &catalog)) {
    return errors::InvalidArgument(
        "plan_catalog", absl::StrCat("plan catalog is not a valid text-format "
                                     "ironorg.billing.v1.PlanCatalog: ",
                                     collector.Join()));
  }
  return FromProto(std::move(catalog));
}

absl::StatusOr<PlanCatalog> PlanCatalog::FromFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    return errors::FailedPrecondition(
        absl::StrCat("cannot read the plan catalog file \"", path,
                     "\"; check --plan_catalog_file"));
  }
  std::stringstream contents;
  contents << in.rdbuf();

  absl::StatusOr<PlanCatalog> catalog = FromText(contents.str());
  if (!catalog.ok()) {
    absl::Status status(catalog.status().code(),
                        absl::StrCat("plan catalog file \"", path,
                                     "\": ", catalog.status().message()));
    catalog.status().ForEachPayload(
        [&status](absl::string_view type_url, const absl::Cord& payload) {
          status.SetPayload(type_url, payload);
        });
    return status;
  }
  return catalog;
}

absl::StatusOr<PlanCatalog> PlanCatalog::Default() {
  return FromText(DefaultPlanCatalogText());
}

const v1::Plan* PlanCatalog::Find(absl::string_view name) const {
  // A linear search: a catalog has a few dozen plans at most.
  for (const v1::Plan& plan : plans_) {
    if (plan.name() == name) {
      return &plan;
    }
  }
  return nullptr;
}

const v1::Plan& PlanCatalog::FreePlan(v1::Product product) const {
  for (const v1::Plan& plan : plans_) {
    if (plan.product() == product && plan.monthly_price_cents() == 0) {
      return plan;
    }
  }
  // FromProto guarantees a free plan for every known product.
  std::abort();
}

}  // namespace ironorg::billing

// The billing service's SQLite database, `<data_dir>/billing.db`:
// subscriptions, their plan history, billing accounts, request ids and
// audit events.
//
// The plan catalog is not stored here; it is loaded from text at start-up
// (see plan_catalog.h), so a subscription stores only its plan's name.
//
// Thread-safe: every method runs in one transaction of the underlying
// sqlite::Database, which serializes them.
#ifndef IRONORG_SERVICES_BILLING_BILLING_STORE_H_
#define IRONORG_SERVICES_BILLING_BILLING_STORE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/audit_log.h"
#include "common/sqlite.h"
#include "ironorg/billing/v1/plan.pb.h"

namespace ironorg::billing {

// One stored subscription: an organization's current plan for a product.
struct SubscriptionRow {
  std::string organization_id;
  ironorg::billing::v1::Product product =
      ironorg::billing::v1::PRODUCT_UNSPECIFIED;
  // The plan's resource name, `plans/{plan}`.
  std::string plan;
  // When the current plan took effect, in microseconds since the epoch.
  int64_t start_time = 0;
  // Starts at 1 and grows by one with every change; the etag.
  int64_t revision = 0;
};

class BillingStore final {
 public:
  // The schema: migrations[i] moves the database from version i to i + 1.
  static const std::vector<std::string>& Migrations();

  // Opens (creating if missing) `<data_dir>/billing.db` and applies the
  // migrations. The folder must exist. Returns Database::Open's errors:
  // UNAVAILABLE if the file cannot be opened, FAILED_PRECONDITION if it
  // was written by a newer binary.
  static absl::StatusOr<std::unique_ptr<BillingStore>> Open(
      const std::string& data_dir);

  // Returns the organization's subscriptions, one per product in
  // `default_plans`, ordered by product. A product without a stored row
  // gets one on its plan from `default_plans`, starting at `now_micros`
  // with revision 1, plus a plan_changes row with an empty actor.
  // One transaction writes all such rows, so concurrent first calls create
  // each row once and return the same rows. No audit event is written,
  // because these rows record the state an organization starts in, not a
  // caller's change.
  // Returns UNAVAILABLE when the database is busy, INTERNAL otherwise.
  absl::StatusOr<std::vector<SubscriptionRow>> ListOrCreateSubscriptions(
      absl::string_view organization_id,
      const std::vector<std::pair<ironorg::billing::v1::Product, std::string>>&
          default_plans,
      int64_t now_micros);

  // Returns one page of the organization's audit events, newest first, as
  // common/audit_log.h SelectAuditEvents does. UNAVAILABLE when the
  // database is busy.
  absl::StatusOr<std::vector<audit_log::AuditRow>> ListAuditEvents(
      const audit_log::AuditQuery& query);

 private:
  explicit BillingStore(std::unique_ptr<sqlite::Database> database)
      : database_(std::move(database)) {}

  std::unique_ptr<sqlite::Database> database_;
};

}  // namespace ironorg::billing

#endif  // IRONORG_SERVICES_BILLING_BILLING_STORE_H_

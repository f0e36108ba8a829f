// The billing service's SQLite database, `<data_dir>/billing.db`:
// subscriptions, their plan history, billing accounts, request ids and
// audit events. Billing publishes no change feed, because no other
// service follows its data.
//
// The plan catalog is not stored here; it is loaded from text at start-up
// (see plan_catalog.h), so a subscription stores only its plan's name.
//
// Thread-safe: every method runs in one transaction of the underlying
// sqlite::Database, which runs writes one at a time and reads in
// parallel, each on its own snapshot.
#ifndef IRONORG_SERVICES_BILLING_BILLING_STORE_H_
#define IRONORG_SERVICES_BILLING_BILLING_STORE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/audit_log.h"
#include "common/sqlite.h"
#include "common/store_records.h"
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

// A subscription after ChangePlan, and whether the call changed it.
struct ChangedSubscription {
  SubscriptionRow subscription;
  // False when the subscription was already on the plan or the request id
  // was replayed.
  bool changed = false;
};

// One entry of a subscription's plan history.
struct PlanChangeRow {
  // Orders the entries of the table: a later entry has a larger sequence.
  // It is the page key and is never shown to callers.
  int64_t sequence = 0;
  // The plan's resource name, `plans/{plan}`.
  std::string plan;
  // The plan it replaced, or empty for the plan the organization started
  // on.
  std::string previous_plan;
  // When the plan took effect and when the next one replaced it, in
  // microseconds since the epoch; end_time is 0 for the current plan.
  int64_t start_time = 0;
  int64_t end_time = 0;
  // The user who changed to the plan, or empty for the starting plan.
  std::string actor;
};

// One stored billing account. The address lines are stored joined by
// newlines, which the service rejects inside a line.
struct BillingAccountRow {
  std::string billing_email;
  std::string company_name;
  std::vector<std::string> address_lines;
  std::string locality;
  std::string administrative_area;
  std::string postal_code;
  std::string region_code;
  std::string tax_id;
  std::string payment_method;
  // In microseconds since the epoch.
  int64_t update_time = 0;
  // Starts at 1 and grows by one with every update; the etag.
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

  // Moves the subscription of `product` to `plan` in one transaction. The
  // subscription takes `plan` and the next revision, and starts at
  // `mutation.time_micros`, or at its current start_time if the clock
  // went back. The open history entry ends then, and a new entry records
  // the previous plan, the actor, the request id and the new revision.
  // The request id (when set) and the audit event on the subscription's
  // name are stored with it. A product without a stored row first gets one as
  // ListOrCreateSubscriptions creates it from `default_plans`.
  //
  // A subscription already on `plan` is returned unchanged, and nothing
  // is written, not even the request id. When `mutation.request_id` was
  // stored before by the same actor and action, returns the subscription
  // as that first call left it and writes nothing. The caller has checked
  // that `plan` is a catalog plan of `product`.
  // Returns UNAVAILABLE when the database is busy, INTERNAL otherwise.
  absl::StatusOr<ChangedSubscription> ChangePlan(
      absl::string_view organization_id, ironorg::billing::v1::Product product,
      absl::string_view plan,
      const std::vector<std::pair<ironorg::billing::v1::Product, std::string>>&
          default_plans,
      const Mutation& mutation);

  // Returns at most `limit` history entries of the subscription of
  // `product`, newest first, each older than `before_sequence` unless it
  // is 0. UNAVAILABLE when the database is busy.
  absl::StatusOr<std::vector<PlanChangeRow>> ListPlanChanges(
      absl::string_view organization_id, ironorg::billing::v1::Product product,
      int64_t before_sequence, int limit);

  // Returns the organization's billing account, or nothing if it was
  // never set. UNAVAILABLE when the database is busy.
  absl::StatusOr<std::optional<BillingAccountRow>> GetBillingAccount(
      absl::string_view organization_id);

  // Stores `values` as the organization's billing account with the next
  // revision and `mutation.time_micros` as update time, and writes the
  // audit event on `account_name`, in one transaction. `apply` copies the
  // masked fields of the request into the stored account (an empty
  // account if none is stored). ABORTED, with nothing written, if `etag`
  // is not empty and differs from the stored revision, or if nothing is
  // stored yet. UNAVAILABLE when the database is busy.
  absl::StatusOr<BillingAccountRow> UpdateBillingAccount(
      absl::string_view organization_id, absl::string_view account_name,
      absl::string_view etag,
      const std::function<void(BillingAccountRow&)>& apply,
      const Mutation& mutation);

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

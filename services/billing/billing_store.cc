#include "services/billing/billing_store.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/crypto.h"
#include "common/errors.h"
#include "common/log.h"
#include "services/billing/products.h"

namespace ironorg::billing {
namespace {

namespace v1 = ::ironorg::billing::v1;

// Products are stored by their id in subscription names ("iron-worker"),
// which stays readable in the sqlite3 shell and does not depend on enum
// numbers. Times are microseconds since the Unix epoch.
constexpr char kSchemaV1[] = R"sql(
CREATE TABLE subscriptions (
  organization_id TEXT NOT NULL,
  product TEXT NOT NULL,
  plan TEXT NOT NULL,
  start_time INTEGER NOT NULL,
  revision INTEGER NOT NULL,
  PRIMARY KEY (organization_id, product)
) WITHOUT ROWID;

-- Every plan a subscription has had. The current plan's row has a NULL
-- end_time; actor is empty for the free plan an organization starts on.
CREATE TABLE plan_changes (
  id TEXT PRIMARY KEY,
  organization_id TEXT NOT NULL,
  product TEXT NOT NULL,
  plan TEXT NOT NULL,
  start_time INTEGER NOT NULL,
  end_time INTEGER,
  actor TEXT NOT NULL
);
CREATE INDEX plan_changes_by_subscription
  ON plan_changes (organization_id, product, start_time, id);

-- address_lines holds the postal address lines joined by newlines;
-- UpdateBillingAccount rejects lines that contain control characters.
CREATE TABLE billing_accounts (
  organization_id TEXT PRIMARY KEY,
  billing_email TEXT NOT NULL,
  company_name TEXT NOT NULL,
  address_lines TEXT NOT NULL,
  locality TEXT NOT NULL,
  administrative_area TEXT NOT NULL,
  postal_code TEXT NOT NULL,
  region_code TEXT NOT NULL,
  tax_id TEXT NOT NULL,
  payment_method TEXT NOT NULL,
  update_time INTEGER NOT NULL,
  revision INTEGER NOT NULL
) WITHOUT ROWID;

-- Retried mutations: (caller, method, request_id) maps to the resource
-- the first call created or changed.
CREATE TABLE request_ids (
  caller TEXT NOT NULL,
  method TEXT NOT NULL,
  request_id TEXT NOT NULL,
  resource TEXT NOT NULL,
  create_time INTEGER NOT NULL,
  PRIMARY KEY (caller, method, request_id)
) WITHOUT ROWID;

CREATE TABLE audit_events (
  id TEXT PRIMARY KEY,
  organization_id TEXT NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  resource TEXT NOT NULL,
  request_id TEXT NOT NULL,
  create_time INTEGER NOT NULL
);
CREATE INDEX audit_events_by_organization
  ON audit_events (organization_id, create_time, id);
)sql";

// Version 2: an integer sequence that orders audit events, because their
// ids are random and two events can share a create_time. SQLite cannot
// add a primary key to a table, so audit_events is copied into a new one.
// The copy goes by create_time and then id, so old events keep their order.
constexpr char kSchemaV2[] = R"sql(
CREATE TABLE audit_events_v2 (
  sequence INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  organization_id TEXT NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  resource TEXT NOT NULL,
  request_id TEXT NOT NULL,
  create_time INTEGER NOT NULL
);
INSERT INTO audit_events_v2
  (id, organization_id, actor, action, resource, request_id, create_time)
  SELECT id, organization_id, actor, action, resource, request_id,
         create_time
  FROM audit_events ORDER BY create_time, id;
DROP TABLE audit_events;
ALTER TABLE audit_events_v2 RENAME TO audit_events;
CREATE INDEX audit_events_by_organization
  ON audit_events (organization_id, sequence);
)sql";

absl::StatusOr<std::vector<SubscriptionRow>> ReadSubscriptions(
    sqlite::Connection& connection, absl::string_view organization_id) {
  absl::StatusOr<sqlite::Statement*> select = connection.Prepare(
      "SELECT product, plan, start_time, revision FROM subscriptions "
      "WHERE organization_id = ?1");
  if (!select.ok()) {
    return select.status();
  }
  (*select)->Bind(1, organization_id);

  std::vector<SubscriptionRow> rows;
  while (true) {
    absl::StatusOr<bool> has_row = (*select)->Step();
    if (!has_row.ok()) {
      return has_row.status();
    }
    if (!*has_row) {
      break;
    }
    const std::string product_id = (*select)->ColumnText(0);
    const std::optional<v1::Product> product = ProductFromId(product_id);
    if (!product.has_value()) {
      IRONORG_LOG(ERROR) << "subscriptions row of organization "
                         << organization_id << " has unknown product \""
                         << product_id << "\"";
      return errors::Internal();
    }
    SubscriptionRow row;
    row.organization_id = std::string(organization_id);
    row.product = *product;
    row.plan = (*select)->ColumnText(1);
    row.start_time = (*select)->ColumnInt(2);
    row.revision = (*select)->ColumnInt(3);
    rows.push_back(std::move(row));
  }
  std::sort(rows.begin(), rows.end(),
            [](const SubscriptionRow& a, const SubscriptionRow& b) {
              return a.product < b.product;
            });
  return rows;
}

bool HasProduct(const std::vector<SubscriptionRow>& rows, v1::Product product) {
  for (const SubscriptionRow& row : rows) {
    if (row.product == product) {
      return true;
    }
  }
  return false;
}

bool HasEveryProduct(
    const std::vector<SubscriptionRow>& rows,
    const std::vector<std::pair<v1::Product, std::string>>& default_plans) {
  for (const auto& [product, plan] : default_plans) {
    if (!HasProduct(rows, product)) {
      return false;
    }
  }
  return true;
}

absl::Status InsertDefaultSubscription(sqlite::Connection& connection,
                                       absl::string_view organization_id,
                                       v1::Product product,
                                       absl::string_view plan,
                                       int64_t now_micros) {
  absl::StatusOr<sqlite::Statement*> insert = connection.Prepare(
      "INSERT INTO subscriptions "
      "(organization_id, product, plan, start_time, revision) "
      "VALUES (?1, ?2, ?3, ?4, 1)");
  if (!insert.ok()) {
    return insert.status();
  }
  const std::string product_id = ProductId(product);
  absl::Status status = (*insert)
                            ->Bind(1, organization_id)
                            .Bind(2, product_id)
                            .Bind(3, plan)
                            .Bind(4, now_micros)
                            .Run();
  if (!status.ok()) {
    return status;
  }

  absl::StatusOr<sqlite::Statement*> history = connection.Prepare(
      "INSERT INTO plan_changes "
      "(id, organization_id, product, plan, start_time, end_time, actor) "
      "VALUES (?1, ?2, ?3, ?4, ?5, NULL, '')");
  if (!history.ok()) {
    return history.status();
  }
  const std::string id = crypto::NewResourceId();
  return (*history)
      ->Bind(1, id)
      .Bind(2, organization_id)
      .Bind(3, product_id)
      .Bind(4, plan)
      .Bind(5, now_micros)
      .Run();
}

}  // namespace

const std::vector<std::string>& BillingStore::Migrations() {
  static const auto* const kMigrations =
      new std::vector<std::string>{kSchemaV1, kSchemaV2};
  return *kMigrations;
}

absl::StatusOr<std::unique_ptr<BillingStore>> BillingStore::Open(
    const std::string& data_dir) {
  absl::StatusOr<std::unique_ptr<sqlite::Database>> database =
      sqlite::Database::Open(absl::StrCat(data_dir, "/billing.db"),
                             Migrations());
  if (!database.ok()) {
    return database.status();
  }
  return std::unique_ptr<BillingStore>(new BillingStore(std::move(*database)));
}

absl::StatusOr<std::vector<SubscriptionRow>>
BillingStore::ListOrCreateSubscriptions(
    absl::string_view organization_id,
    const std::vector<std::pair<v1::Product, std::string>>& default_plans,
    int64_t now_micros) {
  // Most calls find every row, so they take only a read transaction.
  std::vector<SubscriptionRow> rows;
  absl::Status status = database_->Read([&](sqlite::Connection& connection) {
    absl::StatusOr<std::vector<SubscriptionRow>> read =
        ReadSubscriptions(connection, organization_id);
    if (!read.ok()) {
      return read.status();
    }
    rows = std::move(*read);
    return absl::OkStatus();
  });
  if (!status.ok()) {
    return status;
  }
  if (HasEveryProduct(rows, default_plans)) {
    return rows;
  }

  // The write transaction reads again, because another call may have
  // created the rows since the read above.
  bool created = false;
  status = database_->Write([&](sqlite::Connection& connection) {
    absl::StatusOr<std::vector<SubscriptionRow>> read =
        ReadSubscriptions(connection, organization_id);
    if (!read.ok()) {
      return read.status();
    }
    for (const auto& [product, plan] : default_plans) {
      if (HasProduct(*read, product)) {
        continue;
      }
      absl::Status inserted = InsertDefaultSubscription(
          connection, organization_id, product, plan, now_micros);
      if (!inserted.ok()) {
        return inserted;
      }
      created = true;
    }
    read = ReadSubscriptions(connection, organization_id);
    if (!read.ok()) {
      return read.status();
    }
    rows = std::move(*read);
    return absl::OkStatus();
  });
  if (!status.ok()) {
    return status;
  }
  if (created) {
    IRONORG_LOG(INFO) << "created the default subscriptions of organization "
                      << organization_id;
  }
  return rows;
}

absl::StatusOr<std::vector<audit_log::AuditRow>> BillingStore::ListAuditEvents(
    const audit_log::AuditQuery& query) {
  return audit_log::SelectAuditEvents(*database_, query);
}

}  // namespace ironorg::billing

#include "services/billing/billing_store.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/crypto.h"
#include "common/errors.h"
#include "common/log.h"
#include "common/names.h"
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

// Version 3: the plan history gets an integer sequence that orders it,
// because ids are random and two changes can share a start time. Each
// entry also gets the plan it replaced, and the request id and
// subscription revision of the ChangePlan call that wrote it, which a
// retried call returns. The table is copied as audit_events was in
// version 2. The rows copied are the starting plans, all at revision 1.
constexpr char kSchemaV3[] = R"sql(
CREATE TABLE plan_changes_v3 (
  sequence INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  organization_id TEXT NOT NULL,
  product TEXT NOT NULL,
  plan TEXT NOT NULL,
  previous_plan TEXT NOT NULL,
  start_time INTEGER NOT NULL,
  end_time INTEGER,
  actor TEXT NOT NULL,
  request_id TEXT NOT NULL,
  revision INTEGER NOT NULL
);
INSERT INTO plan_changes_v3
  (id, organization_id, product, plan, previous_plan, start_time, end_time,
   actor, request_id, revision)
  SELECT id, organization_id, product, plan, '', start_time, end_time,
         actor, '', 1
  FROM plan_changes ORDER BY start_time, id;
DROP TABLE plan_changes;
ALTER TABLE plan_changes_v3 RENAME TO plan_changes;
CREATE INDEX plan_changes_by_subscription
  ON plan_changes (organization_id, product, sequence);
CREATE INDEX plan_changes_by_request
  ON plan_changes (organization_id, actor, request_id);
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

absl::Status InsertPlanChange(sqlite::Connection& connection,
                              absl::string_view organization_id,
                              absl::string_view product_id,
                              absl::string_view plan,
                              absl::string_view previous_plan,
                              int64_t start_time, const Mutation& mutation,
                              int64_t revision) {
  absl::StatusOr<sqlite::Statement*> insert = connection.Prepare(
      "INSERT INTO plan_changes (id, organization_id, product, plan, "
      "previous_plan, start_time, end_time, actor, request_id, revision) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, NULL, ?7, ?8, ?9)");
  if (!insert.ok()) {
    return insert.status();
  }
  const std::string id = crypto::NewResourceId();
  return (*insert)
      ->Bind(1, id)
      .Bind(2, organization_id)
      .Bind(3, product_id)
      .Bind(4, plan)
      .Bind(5, previous_plan)
      .Bind(6, start_time)
      .Bind(7, mutation.actor)
      .Bind(8, mutation.request_id)
      .Bind(9, revision)
      .Run();
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

  return InsertPlanChange(connection, organization_id, product_id, plan,
                          /*previous_plan=*/"", now_micros, Mutation(),
                          /*revision=*/1);
}

// Creates the rows of every product in `default_plans` that has none, and
// returns the organization's subscriptions.
absl::StatusOr<std::vector<SubscriptionRow>> CreateMissingSubscriptions(
    sqlite::Connection& connection, absl::string_view organization_id,
    const std::vector<std::pair<v1::Product, std::string>>& default_plans,
    int64_t now_micros, bool* created) {
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
    *created = true;
  }
  if (!*created) {
    return read;
  }
  return ReadSubscriptions(connection, organization_id);
}

std::string SubscriptionName(absl::string_view organization_id,
                             v1::Product product) {
  return names::Child(organization_id, "subscriptions", ProductId(product));
}

// Finds the history entry that the ChangePlan call with the request id of
// `mutation` wrote, and returns the subscription as that call left it.
// Returns nothing if the request id is not stored.
absl::StatusOr<std::optional<SubscriptionRow>> SelectReplayedChange(
    sqlite::Connection& connection, absl::string_view organization_id,
    const Mutation& mutation) {
  absl::StatusOr<std::string> resource =
      SelectRequestResource(connection, mutation);
  if (!resource.ok()) {
    return resource.status();
  }
  if (resource->empty()) {
    return std::optional<SubscriptionRow>();
  }
  absl::StatusOr<sqlite::Statement*> select = connection.Prepare(
      "SELECT product, plan, start_time, revision FROM plan_changes "
      "WHERE organization_id = ?1 AND actor = ?2 AND request_id = ?3 "
      "ORDER BY sequence DESC LIMIT 1");
  if (!select.ok()) {
    return select.status();
  }
  (*select)
      ->Bind(1, organization_id)
      .Bind(2, mutation.actor)
      .Bind(3, mutation.request_id);
  absl::StatusOr<bool> has_row = (*select)->Step();
  if (!has_row.ok()) {
    return has_row.status();
  }
  if (!*has_row) {
    IRONORG_LOG(ERROR) << "request id of " << mutation.actor << " for "
                       << *resource << " has no plan_changes row";
    return errors::Internal();
  }
  const std::string product_id = (*select)->ColumnText(0);
  const std::optional<v1::Product> product = ProductFromId(product_id);
  if (!product.has_value()) {
    IRONORG_LOG(ERROR) << "plan_changes row of organization " << organization_id
                       << " has unknown product \"" << product_id << "\"";
    return errors::Internal();
  }
  SubscriptionRow row;
  row.organization_id = std::string(organization_id);
  row.product = *product;
  row.plan = (*select)->ColumnText(1);
  row.start_time = (*select)->ColumnInt(2);
  row.revision = (*select)->ColumnInt(3);
  return std::optional<SubscriptionRow>(std::move(row));
}

// Writes the change of `current` to `plan` and returns the new row.
absl::StatusOr<SubscriptionRow> WritePlanChange(sqlite::Connection& connection,
                                                const SubscriptionRow& current,
                                                absl::string_view plan,
                                                const Mutation& mutation) {
  SubscriptionRow changed = current;
  changed.plan = std::string(plan);
  // The history stays ordered in time even if the clock went back.
  changed.start_time = std::max(mutation.time_micros, current.start_time);
  changed.revision = current.revision + 1;
  const std::string product_id = ProductId(current.product);

  absl::StatusOr<sqlite::Statement*> update = connection.Prepare(
      "UPDATE subscriptions SET plan = ?3, start_time = ?4, revision = ?5 "
      "WHERE organization_id = ?1 AND product = ?2");
  if (!update.ok()) {
    return update.status();
  }
  absl::Status status = (*update)
                            ->Bind(1, current.organization_id)
                            .Bind(2, product_id)
                            .Bind(3, changed.plan)
                            .Bind(4, changed.start_time)
                            .Bind(5, changed.revision)
                            .Run();
  if (!status.ok()) {
    return status;
  }

  absl::StatusOr<sqlite::Statement*> close = connection.Prepare(
      "UPDATE plan_changes SET end_time = ?3 WHERE organization_id = ?1 AND "
      "product = ?2 AND end_time IS NULL");
  if (!close.ok()) {
    return close.status();
  }
  status = (*close)
               ->Bind(1, current.organization_id)
               .Bind(2, product_id)
               .Bind(3, changed.start_time)
               .Run();
  if (!status.ok()) {
    return status;
  }
  status = InsertPlanChange(connection, current.organization_id, product_id,
                            changed.plan, current.plan, changed.start_time,
                            mutation, changed.revision);
  if (!status.ok()) {
    return status;
  }

  const std::string name =
      SubscriptionName(current.organization_id, current.product);
  if (!mutation.request_id.empty()) {
    status = InsertRequestId(connection, mutation, name);
    if (!status.ok()) {
      return status;
    }
  }
  status =
      InsertAuditEvent(connection, current.organization_id, name, mutation);
  if (!status.ok()) {
    return status;
  }
  return changed;
}

std::vector<std::string> SplitLines(const std::string& joined) {
  if (joined.empty()) {
    return {};
  }
  return absl::StrSplit(joined, '\n');
}

absl::StatusOr<std::optional<BillingAccountRow>> SelectBillingAccount(
    sqlite::Connection& connection, absl::string_view organization_id) {
  absl::StatusOr<sqlite::Statement*> select = connection.Prepare(
      "SELECT billing_email, company_name, address_lines, locality, "
      "administrative_area, postal_code, region_code, tax_id, "
      "payment_method, update_time, revision FROM billing_accounts "
      "WHERE organization_id = ?1");
  if (!select.ok()) {
    return select.status();
  }
  (*select)->Bind(1, organization_id);
  absl::StatusOr<bool> has_row = (*select)->Step();
  if (!has_row.ok()) {
    return has_row.status();
  }
  if (!*has_row) {
    return std::optional<BillingAccountRow>();
  }
  BillingAccountRow row;
  row.billing_email = (*select)->ColumnText(0);
  row.company_name = (*select)->ColumnText(1);
  row.address_lines = SplitLines((*select)->ColumnText(2));
  row.locality = (*select)->ColumnText(3);
  row.administrative_area = (*select)->ColumnText(4);
  row.postal_code = (*select)->ColumnText(5);
  row.region_code = (*select)->ColumnText(6);
  row.tax_id = (*select)->ColumnText(7);
  row.payment_method = (*select)->ColumnText(8);
  row.update_time = (*select)->ColumnInt(9);
  row.revision = (*select)->ColumnInt(10);
  return std::optional<BillingAccountRow>(std::move(row));
}

absl::Status UpsertBillingAccount(sqlite::Connection& connection,
                                  absl::string_view organization_id,
                                  const BillingAccountRow& row) {
  absl::StatusOr<sqlite::Statement*> upsert = connection.Prepare(
      "INSERT INTO billing_accounts (organization_id, billing_email, "
      "company_name, address_lines, locality, administrative_area, "
      "postal_code, region_code, tax_id, payment_method, update_time, "
      "revision) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) "
      "ON CONFLICT (organization_id) DO UPDATE SET "
      "billing_email = excluded.billing_email, "
      "company_name = excluded.company_name, "
      "address_lines = excluded.address_lines, "
      "locality = excluded.locality, "
      "administrative_area = excluded.administrative_area, "
      "postal_code = excluded.postal_code, "
      "region_code = excluded.region_code, tax_id = excluded.tax_id, "
      "payment_method = excluded.payment_method, "
      "update_time = excluded.update_time, revision = excluded.revision");
  if (!upsert.ok()) {
    return upsert.status();
  }
  const std::string address_lines = absl::StrJoin(row.address_lines, "\n");
  return (*upsert)
      ->Bind(1, organization_id)
      .Bind(2, row.billing_email)
      .Bind(3, row.company_name)
      .Bind(4, address_lines)
      .Bind(5, row.locality)
      .Bind(6, row.administrative_area)
      .Bind(7, row.postal_code)
      .Bind(8, row.region_code)
      .Bind(9, row.tax_id)
      .Bind(10, row.payment_method)
      .Bind(11, row.update_time)
      .Bind(12, row.revision)
      .Run();
}

}  // namespace

const std::vector<std::string>& BillingStore::Migrations() {
  static const auto* const kMigrations =
      new std::vector<std::string>{kSchemaV1, kSchemaV2, kSchemaV3};
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
        CreateMissingSubscriptions(connection, organization_id, default_plans,
                                   now_micros, &created);
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

absl::StatusOr<ChangedSubscription> BillingStore::ChangePlan(
    absl::string_view organization_id, v1::Product product,
    absl::string_view plan,
    const std::vector<std::pair<v1::Product, std::string>>& default_plans,
    const Mutation& mutation) {
  ChangedSubscription result;
  bool created = false;
  absl::Status status = database_->Write([&](sqlite::Connection& connection) {
    if (!mutation.request_id.empty()) {
      absl::StatusOr<std::optional<SubscriptionRow>> replayed =
          SelectReplayedChange(connection, organization_id, mutation);
      if (!replayed.ok()) {
        return replayed.status();
      }
      if (replayed->has_value()) {
        result.subscription = std::move(**replayed);
        return absl::OkStatus();
      }
    }

    absl::StatusOr<std::vector<SubscriptionRow>> rows =
        CreateMissingSubscriptions(connection, organization_id, default_plans,
                                   mutation.time_micros, &created);
    if (!rows.ok()) {
      return rows.status();
    }
    auto current = std::find_if(rows->begin(), rows->end(),
                                [product](const SubscriptionRow& row) {
                                  return row.product == product;
                                });
    if (current == rows->end()) {
      IRONORG_LOG(ERROR) << "organization " << organization_id
                         << " has no subscription row for "
                         << ProductId(product) << " after creating defaults";
      return errors::Internal();
    }
    if (current->plan == plan) {
      result.subscription = *current;
      return absl::OkStatus();
    }

    absl::StatusOr<SubscriptionRow> changed =
        WritePlanChange(connection, *current, plan, mutation);
    if (!changed.ok()) {
      return changed.status();
    }
    result.subscription = *std::move(changed);
    result.changed = true;
    return absl::OkStatus();
  });
  if (!status.ok()) {
    return status;
  }
  if (created) {
    IRONORG_LOG(INFO) << "created the default subscriptions of organization "
                      << organization_id;
  }
  return result;
}

absl::StatusOr<std::vector<PlanChangeRow>> BillingStore::ListPlanChanges(
    absl::string_view organization_id, v1::Product product,
    int64_t before_sequence, int limit) {
  std::vector<PlanChangeRow> rows;
  absl::Status status = database_->Read([&](sqlite::Connection& connection) {
    absl::StatusOr<sqlite::Statement*> select = connection.Prepare(
        "SELECT sequence, plan, previous_plan, start_time, end_time, actor "
        "FROM plan_changes WHERE organization_id = ?1 AND product = ?2 AND "
        "(?3 = 0 OR sequence < ?3) ORDER BY sequence DESC LIMIT ?4");
    if (!select.ok()) {
      return select.status();
    }
    const std::string product_id = ProductId(product);
    (*select)
        ->Bind(1, organization_id)
        .Bind(2, product_id)
        .Bind(3, before_sequence)
        .Bind(4, static_cast<int64_t>(limit));
    while (true) {
      absl::StatusOr<bool> has_row = (*select)->Step();
      if (!has_row.ok()) {
        return has_row.status();
      }
      if (!*has_row) {
        return absl::OkStatus();
      }
      PlanChangeRow row;
      row.sequence = (*select)->ColumnInt(0);
      row.plan = (*select)->ColumnText(1);
      row.previous_plan = (*select)->ColumnText(2);
      row.start_time = (*select)->ColumnInt(3);
      row.end_time = (*select)->ColumnIsNull(4) ? 0 : (*select)->ColumnInt(4);
      row.actor = (*select)->ColumnText(5);
      rows.push_back(std::move(row));
    }
  });
  if (!status.ok()) {
    return status;
  }
  return rows;
}

absl::StatusOr<std::optional<BillingAccountRow>>
BillingStore::GetBillingAccount(absl::string_view organization_id) {
  std::optional<BillingAccountRow> account;
  absl::Status status = database_->Read([&](sqlite::Connection& connection) {
    absl::StatusOr<std::optional<BillingAccountRow>> read =
        SelectBillingAccount(connection, organization_id);
    if (!read.ok()) {
      return read.status();
    }
    account = *std::move(read);
    return absl::OkStatus();
  });
  if (!status.ok()) {
    return status;
  }
  return account;
}

absl::StatusOr<BillingAccountRow> BillingStore::UpdateBillingAccount(
    absl::string_view organization_id, absl::string_view account_name,
    absl::string_view etag,
    const std::function<void(BillingAccountRow&)>& apply,
    const Mutation& mutation) {
  BillingAccountRow account;
  absl::Status status = database_->Write([&](sqlite::Connection& connection) {
    absl::StatusOr<std::optional<BillingAccountRow>> stored =
        SelectBillingAccount(connection, organization_id);
    if (!stored.ok()) {
      return stored.status();
    }
    // An account never stored has no etag, so any etag sent is stale.
    const bool stale =
        !etag.empty() &&
        (!stored->has_value() || etag != absl::StrCat((*stored)->revision));
    if (stale) {
      return errors::StaleEtag(account_name, etag);
    }

    account = stored->value_or(BillingAccountRow());
    apply(account);
    account.update_time = mutation.time_micros;
    account.revision += 1;
    absl::Status written =
        UpsertBillingAccount(connection, organization_id, account);
    if (!written.ok()) {
      return written;
    }
    return InsertAuditEvent(connection, organization_id, account_name,
                            mutation);
  });
  if (!status.ok()) {
    return status;
  }
  return account;
}

absl::StatusOr<std::vector<audit_log::AuditRow>> BillingStore::ListAuditEvents(
    const audit_log::AuditQuery& query) {
  return audit_log::SelectAuditEvents(*database_, query);
}

}  // namespace ironorg::billing

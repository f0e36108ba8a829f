#include "services/billing/billing_store.h"

#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "common/store_records.h"
#include "gtest/gtest.h"
#include "tests/testing/scoped_temp_dir.h"
#include "tests/testing/test_support.h"

namespace ironorg::billing {
namespace {

namespace v1 = ::ironorg::billing::v1;
using ::ironorg::test::CountRows;
using ::ironorg::test::ScopedTempDir;

constexpr char kActor[] = "organizations/org1/users/u1";
constexpr char kWorkerFree[] = "plans/iron-worker-free";
constexpr char kWorkerLaunch[] = "plans/iron-worker-launch";
constexpr char kWorkerProfessional[] = "plans/iron-worker-professional";
constexpr char kAccountName[] = "organizations/org1/billingAccount";

Mutation ChangeBy(const std::string& actor, const std::string& request_id,
                  int64_t time_micros) {
  return Mutation{actor, "ChangePlan", request_id, time_micros};
}

const std::vector<std::pair<v1::Product, std::string>>& DefaultPlans() {
  static const auto* const kPlans =
      new std::vector<std::pair<v1::Product, std::string>>{
          {v1::PRODUCT_IRON_WORKER, "plans/iron-worker-free"},
          {v1::PRODUCT_IRON_MQ, "plans/iron-mq-free"},
          {v1::PRODUCT_IRON_CACHE, "plans/iron-cache-free"},
      };
  return *kPlans;
}

class BillingStoreTest : public testing::Test {
 protected:
  std::unique_ptr<BillingStore> OpenStore() {
    absl::StatusOr<std::unique_ptr<BillingStore>> store =
        BillingStore::Open(data_dir_.path());
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? std::move(*store) : nullptr;
  }

  ScopedTempDir data_dir_;
};

TEST_F(BillingStoreTest, CreatesDefaultSubscriptionsOnFirstList) {
  std::unique_ptr<BillingStore> store = OpenStore();
  ASSERT_NE(store, nullptr);

  absl::StatusOr<std::vector<SubscriptionRow>> rows =
      store->ListOrCreateSubscriptions("org1", DefaultPlans(), 1000);

  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->size(), 3u);
  for (size_t i = 0; i < rows->size(); ++i) {
    const SubscriptionRow& row = (*rows)[i];
    EXPECT_EQ(row.organization_id, "org1");
    EXPECT_EQ(row.product, DefaultPlans()[i].first);
    EXPECT_EQ(row.plan, DefaultPlans()[i].second);
    EXPECT_EQ(row.start_time, 1000);
    EXPECT_EQ(row.revision, 1);
  }
}

TEST_F(BillingStoreTest, SecondListKeepsFirstStartTime) {
  std::unique_ptr<BillingStore> store = OpenStore();
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(
      store->ListOrCreateSubscriptions("org1", DefaultPlans(), 1000).ok());

  absl::StatusOr<std::vector<SubscriptionRow>> rows =
      store->ListOrCreateSubscriptions("org1", DefaultPlans(), 2000);

  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->size(), 3u);
  for (const SubscriptionRow& row : *rows) {
    EXPECT_EQ(row.start_time, 1000);
    EXPECT_EQ(row.revision, 1);
  }
}

TEST_F(BillingStoreTest, OrganizationsKeepSeparateRows) {
  std::unique_ptr<BillingStore> store = OpenStore();
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(
      store->ListOrCreateSubscriptions("org1", DefaultPlans(), 1000).ok());

  absl::StatusOr<std::vector<SubscriptionRow>> rows =
      store->ListOrCreateSubscriptions("org2", DefaultPlans(), 2000);

  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->size(), 3u);
  EXPECT_EQ((*rows)[0].organization_id, "org2");
  EXPECT_EQ((*rows)[0].start_time, 2000);
}

TEST_F(BillingStoreTest, AddsOnlyMissingProducts) {
  std::unique_ptr<BillingStore> store = OpenStore();
  ASSERT_NE(store, nullptr);
  const std::vector<std::pair<v1::Product, std::string>> worker_only = {
      DefaultPlans()[0]};
  ASSERT_TRUE(store->ListOrCreateSubscriptions("org1", worker_only, 1000).ok());

  absl::StatusOr<std::vector<SubscriptionRow>> rows =
      store->ListOrCreateSubscriptions("org1", DefaultPlans(), 2000);

  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->size(), 3u);
  EXPECT_EQ((*rows)[0].start_time, 1000);
  EXPECT_EQ((*rows)[1].start_time, 2000);
  EXPECT_EQ((*rows)[2].start_time, 2000);
}

TEST_F(BillingStoreTest, ConcurrentFirstListsCreateOnce) {
  std::unique_ptr<BillingStore> store = OpenStore();
  ASSERT_NE(store, nullptr);
  constexpr int kThreads = 8;
  std::vector<absl::StatusOr<std::vector<SubscriptionRow>>> results(
      kThreads, absl::UnknownError("not run"));

  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    // Each thread passes its own time, so rows created by two different
    // calls would show two different start times.
    threads.emplace_back([&store, &results, i] {
      results[i] =
          store->ListOrCreateSubscriptions("org1", DefaultPlans(), 1000 + i);
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }

  ASSERT_TRUE(results[0].ok()) << results[0].status();
  ASSERT_EQ(results[0]->size(), 3u);
  const int64_t start_time = (*results[0])[0].start_time;
  for (const auto& result : results) {
    ASSERT_TRUE(result.ok()) << result.status();
    ASSERT_EQ(result->size(), 3u);
    for (const SubscriptionRow& row : *result) {
      EXPECT_EQ(row.start_time, start_time);
    }
  }
}

TEST_F(BillingStoreTest, DataSurvivesReopen) {
  {
    std::unique_ptr<BillingStore> store = OpenStore();
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(
        store->ListOrCreateSubscriptions("org1", DefaultPlans(), 1000).ok());
  }

  std::unique_ptr<BillingStore> reopened = OpenStore();
  ASSERT_NE(reopened, nullptr);
  absl::StatusOr<std::vector<SubscriptionRow>> rows =
      reopened->ListOrCreateSubscriptions("org1", DefaultPlans(), 5000);

  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->size(), 3u);
  for (const SubscriptionRow& row : *rows) {
    EXPECT_EQ(row.start_time, 1000);
  }
}

TEST_F(BillingStoreTest, FirstListRecordsPlanHistory) {
  {
    std::unique_ptr<BillingStore> store = OpenStore();
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(
        store->ListOrCreateSubscriptions("org1", DefaultPlans(), 1000).ok());
    ASSERT_TRUE(
        store->ListOrCreateSubscriptions("org1", DefaultPlans(), 2000).ok());
  }

  // The store has no reader of plan_changes yet, so the test reads the
  // table itself.
  absl::StatusOr<std::unique_ptr<sqlite::Database>> database =
      sqlite::Database::Open(data_dir_.path() + "/billing.db",
                             BillingStore::Migrations());
  ASSERT_TRUE(database.ok()) << database.status();
  int64_t rows = -1;
  int64_t open_rows = -1;
  absl::Status read = (*database)->Read([&](sqlite::Connection& connection) {
    absl::StatusOr<sqlite::Statement*> count = connection.Prepare(
        "SELECT COUNT(*), COUNT(*) FILTER (WHERE end_time IS NULL AND "
        "actor = '' AND start_time = 1000) FROM plan_changes "
        "WHERE organization_id = 'org1'");
    if (!count.ok()) {
      return count.status();
    }
    absl::StatusOr<bool> has_row = (*count)->Step();
    if (!has_row.ok()) {
      return has_row.status();
    }
    rows = (*count)->ColumnInt(0);
    open_rows = (*count)->ColumnInt(1);
    return absl::OkStatus();
  });

  ASSERT_TRUE(read.ok()) << read;
  EXPECT_EQ(rows, 3);
  EXPECT_EQ(open_rows, 3);
}

TEST_F(BillingStoreTest, ChangePlanMovesSubscription) {
  std::unique_ptr<BillingStore> store = OpenStore();
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(
      store->ListOrCreateSubscriptions("org1", DefaultPlans(), 1000).ok());

  absl::StatusOr<ChangedSubscription> result =
      store->ChangePlan("org1", v1::PRODUCT_IRON_WORKER, kWorkerLaunch,
                        DefaultPlans(), ChangeBy(kActor, "", 2000));

  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_TRUE(result->changed);
  EXPECT_EQ(result->subscription.plan, kWorkerLaunch);
  EXPECT_EQ(result->subscription.start_time, 2000);
  EXPECT_EQ(result->subscription.revision, 2);
  absl::StatusOr<std::vector<SubscriptionRow>> rows =
      store->ListOrCreateSubscriptions("org1", DefaultPlans(), 3000);
  ASSERT_TRUE(rows.ok()) << rows.status();
  EXPECT_EQ((*rows)[0].plan, kWorkerLaunch);
  EXPECT_EQ((*rows)[1].plan, "plans/iron-mq-free");
}

TEST_F(BillingStoreTest, ChangePlanRecordsHistoryAndAudit) {
  std::unique_ptr<BillingStore> store = OpenStore();
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(
      store->ListOrCreateSubscriptions("org1", DefaultPlans(), 1000).ok());

  ASSERT_TRUE(store
                  ->ChangePlan("org1", v1::PRODUCT_IRON_WORKER, kWorkerLaunch,
                               DefaultPlans(), ChangeBy(kActor, "r1", 2000))
                  .ok());

  absl::StatusOr<std::vector<PlanChangeRow>> history =
      store->ListPlanChanges("org1", v1::PRODUCT_IRON_WORKER, 0, 10);
  ASSERT_TRUE(history.ok()) << history.status();
  ASSERT_EQ(history->size(), 2u);
  EXPECT_EQ((*history)[0].plan, kWorkerLaunch);
  EXPECT_EQ((*history)[0].previous_plan, kWorkerFree);
  EXPECT_EQ((*history)[0].start_time, 2000);
  EXPECT_EQ((*history)[0].end_time, 0);
  EXPECT_EQ((*history)[0].actor, kActor);
  EXPECT_EQ((*history)[1].plan, kWorkerFree);
  EXPECT_EQ((*history)[1].previous_plan, "");
  EXPECT_EQ((*history)[1].end_time, 2000);
  EXPECT_EQ((*history)[1].actor, "");
  const std::string database = data_dir_.path() + "/billing.db";
  EXPECT_EQ(CountRows(database, "audit_events"), 1);
  EXPECT_EQ(CountRows(database, "request_ids"), 1);
}

TEST_F(BillingStoreTest, ChangePlanCreatesMissingSubscriptions) {
  std::unique_ptr<BillingStore> store = OpenStore();
  ASSERT_NE(store, nullptr);

  absl::StatusOr<ChangedSubscription> result =
      store->ChangePlan("org1", v1::PRODUCT_IRON_MQ, "plans/iron-mq-launch",
                        DefaultPlans(), ChangeBy(kActor, "", 2000));

  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->subscription.revision, 2);
  absl::StatusOr<std::vector<SubscriptionRow>> rows =
      store->ListOrCreateSubscriptions("org1", DefaultPlans(), 3000);
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->size(), 3u);
  EXPECT_EQ((*rows)[0].plan, kWorkerFree);
  EXPECT_EQ((*rows)[1].plan, "plans/iron-mq-launch");
  EXPECT_EQ((*rows)[2].start_time, 2000);
}

TEST_F(BillingStoreTest, ChangePlanToCurrentPlanWritesNothing) {
  std::unique_ptr<BillingStore> store = OpenStore();
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(
      store->ListOrCreateSubscriptions("org1", DefaultPlans(), 1000).ok());
  const std::string database = data_dir_.path() + "/billing.db";
  const int64_t history_before = CountRows(database, "plan_changes");

  absl::StatusOr<ChangedSubscription> result =
      store->ChangePlan("org1", v1::PRODUCT_IRON_WORKER, kWorkerFree,
                        DefaultPlans(), ChangeBy(kActor, "r1", 2000));

  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_FALSE(result->changed);
  EXPECT_EQ(result->subscription.revision, 1);
  EXPECT_EQ(result->subscription.start_time, 1000);
  EXPECT_EQ(CountRows(database, "plan_changes"), history_before);
  EXPECT_EQ(CountRows(database, "audit_events"), 0);
  EXPECT_EQ(CountRows(database, "request_ids"), 0);
}

TEST_F(BillingStoreTest, ChangePlanReplayReturnsFirstResult) {
  std::unique_ptr<BillingStore> store = OpenStore();
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store
                  ->ChangePlan("org1", v1::PRODUCT_IRON_WORKER, kWorkerLaunch,
                               DefaultPlans(), ChangeBy(kActor, "r1", 2000))
                  .ok());
  ASSERT_TRUE(store
                  ->ChangePlan("org1", v1::PRODUCT_IRON_WORKER,
                               kWorkerProfessional, DefaultPlans(),
                               ChangeBy(kActor, "", 3000))
                  .ok());
  const std::string database = data_dir_.path() + "/billing.db";
  const int64_t audit_before = CountRows(database, "audit_events");

  // The retry even names another plan: the first result still wins.
  absl::StatusOr<ChangedSubscription> replay =
      store->ChangePlan("org1", v1::PRODUCT_IRON_WORKER, kWorkerFree,
                        DefaultPlans(), ChangeBy(kActor, "r1", 4000));

  ASSERT_TRUE(replay.ok()) << replay.status();
  EXPECT_FALSE(replay->changed);
  EXPECT_EQ(replay->subscription.plan, kWorkerLaunch);
  EXPECT_EQ(replay->subscription.start_time, 2000);
  EXPECT_EQ(replay->subscription.revision, 2);
  EXPECT_EQ(CountRows(database, "audit_events"), audit_before);
  absl::StatusOr<std::vector<SubscriptionRow>> rows =
      store->ListOrCreateSubscriptions("org1", DefaultPlans(), 5000);
  ASSERT_TRUE(rows.ok()) << rows.status();
  EXPECT_EQ((*rows)[0].plan, kWorkerProfessional);
}

TEST_F(BillingStoreTest, SameRequestIdOfAnotherActorChanges) {
  std::unique_ptr<BillingStore> store = OpenStore();
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store
                  ->ChangePlan("org1", v1::PRODUCT_IRON_WORKER, kWorkerLaunch,
                               DefaultPlans(), ChangeBy(kActor, "r1", 2000))
                  .ok());

  absl::StatusOr<ChangedSubscription> other = store->ChangePlan(
      "org1", v1::PRODUCT_IRON_WORKER, kWorkerProfessional, DefaultPlans(),
      ChangeBy("organizations/org1/users/u2", "r1", 3000));

  ASSERT_TRUE(other.ok()) << other.status();
  EXPECT_TRUE(other->changed);
  EXPECT_EQ(other->subscription.plan, kWorkerProfessional);
}

TEST_F(BillingStoreTest, ChangePlanClampsClockGoingBack) {
  std::unique_ptr<BillingStore> store = OpenStore();
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(
      store->ListOrCreateSubscriptions("org1", DefaultPlans(), 5000).ok());

  absl::StatusOr<ChangedSubscription> result =
      store->ChangePlan("org1", v1::PRODUCT_IRON_WORKER, kWorkerLaunch,
                        DefaultPlans(), ChangeBy(kActor, "", 4000));

  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->subscription.start_time, 5000);
}

TEST_F(BillingStoreTest, ListPlanChangesPagesNewestFirst) {
  std::unique_ptr<BillingStore> store = OpenStore();
  ASSERT_NE(store, nullptr);
  const std::vector<std::string> plans = {kWorkerLaunch, kWorkerProfessional,
                                          kWorkerFree, kWorkerLaunch};
  int64_t now = 1000;
  for (const std::string& plan : plans) {
    now += 1000;
    ASSERT_TRUE(store
                    ->ChangePlan("org1", v1::PRODUCT_IRON_WORKER, plan,
                                 DefaultPlans(), ChangeBy(kActor, "", now))
                    .ok());
  }

  absl::StatusOr<std::vector<PlanChangeRow>> first =
      store->ListPlanChanges("org1", v1::PRODUCT_IRON_WORKER, 0, 3);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_EQ(first->size(), 3u);
  absl::StatusOr<std::vector<PlanChangeRow>> second = store->ListPlanChanges(
      "org1", v1::PRODUCT_IRON_WORKER, first->back().sequence, 3);

  ASSERT_TRUE(second.ok()) << second.status();
  ASSERT_EQ(second->size(), 2u);
  EXPECT_EQ((*first)[0].start_time, 5000);
  EXPECT_EQ((*first)[2].start_time, 3000);
  EXPECT_EQ((*second)[0].start_time, 2000);
  EXPECT_EQ((*second)[1].plan, kWorkerFree);
  EXPECT_EQ((*second)[1].actor, "");
}

TEST_F(BillingStoreTest, ListPlanChangesKeepsProductsApart) {
  std::unique_ptr<BillingStore> store = OpenStore();
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store
                  ->ChangePlan("org1", v1::PRODUCT_IRON_WORKER, kWorkerLaunch,
                               DefaultPlans(), ChangeBy(kActor, "", 2000))
                  .ok());

  absl::StatusOr<std::vector<PlanChangeRow>> cache =
      store->ListPlanChanges("org1", v1::PRODUCT_IRON_CACHE, 0, 10);

  ASSERT_TRUE(cache.ok()) << cache.status();
  ASSERT_EQ(cache->size(), 1u);
  EXPECT_EQ((*cache)[0].plan, "plans/iron-cache-free");
}

// Opens a database at schema version 2 with a starting plan in the old
// plan_changes table, as a binary before ChangePlan left it.
TEST_F(BillingStoreTest, MigrationKeepsVersionTwoHistory) {
  {
    const std::vector<std::string> version_two(
        BillingStore::Migrations().begin(),
        BillingStore::Migrations().begin() + 2);
    absl::StatusOr<std::unique_ptr<sqlite::Database>> database =
        sqlite::Database::Open(data_dir_.path() + "/billing.db", version_two);
    ASSERT_TRUE(database.ok()) << database.status();
    absl::Status written =
        (*database)->Write([](sqlite::Connection& connection) {
          return connection.Execute(
              "INSERT INTO subscriptions VALUES "
              "('org1', 'iron-worker', 'plans/iron-worker-free', 1000, 1);"
              "INSERT INTO plan_changes VALUES ('h1', 'org1', 'iron-worker', "
              "'plans/iron-worker-free', 1000, NULL, '');");
        });
    ASSERT_TRUE(written.ok()) << written;
  }
  std::unique_ptr<BillingStore> store = OpenStore();
  ASSERT_NE(store, nullptr);

  ASSERT_TRUE(store
                  ->ChangePlan("org1", v1::PRODUCT_IRON_WORKER, kWorkerLaunch,
                               DefaultPlans(), ChangeBy(kActor, "", 2000))
                  .ok());
  absl::StatusOr<std::vector<PlanChangeRow>> history =
      store->ListPlanChanges("org1", v1::PRODUCT_IRON_WORKER, 0, 10);

  ASSERT_TRUE(history.ok()) << history.status();
  ASSERT_EQ(history->size(), 2u);
  EXPECT_EQ((*history)[0].plan, kWorkerLaunch);
  EXPECT_EQ((*history)[1].plan, kWorkerFree);
  EXPECT_EQ((*history)[1].start_time, 1000);
  EXPECT_EQ((*history)[1].end_time, 2000);
}

TEST_F(BillingStoreTest, BillingAccountMissingUntilUpdated) {
  std::unique_ptr<BillingStore> store = OpenStore();
  ASSERT_NE(store, nullptr);

  absl::StatusOr<std::optional<BillingAccountRow>> account =
      store->GetBillingAccount("org1");

  ASSERT_TRUE(account.ok()) << account.status();
  EXPECT_FALSE(account->has_value());
}

TEST_F(BillingStoreTest, UpdateBillingAccountStoresAndBumpsRevision) {
  std::unique_ptr<BillingStore> store = OpenStore();
  ASSERT_NE(store, nullptr);
  const Mutation mutation{kActor, "UpdateBillingAccount", "", 2000};
  ASSERT_TRUE(store
                  ->UpdateBillingAccount(
                      "org1", kAccountName, "",
                      [](BillingAccountRow& row) {
                        row.company_name = "Acme";
                        row.address_lines = {"1 Main St", "Suite 2"};
                      },
                      mutation)
                  .ok());

  absl::StatusOr<BillingAccountRow> second = store->UpdateBillingAccount(
      "org1", kAccountName, "1",
      [](BillingAccountRow& row) { row.tax_id = "DE123"; }, mutation);

  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->revision, 2);
  absl::StatusOr<std::optional<BillingAccountRow>> stored =
      store->GetBillingAccount("org1");
  ASSERT_TRUE(stored.ok()) << stored.status();
  ASSERT_TRUE(stored->has_value());
  EXPECT_EQ((*stored)->company_name, "Acme");
  EXPECT_EQ((*stored)->tax_id, "DE123");
  EXPECT_EQ((*stored)->address_lines,
            (std::vector<std::string>{"1 Main St", "Suite 2"}));
  EXPECT_EQ((*stored)->update_time, 2000);
  EXPECT_EQ(CountRows(data_dir_.path() + "/billing.db", "audit_events"), 2);
}

TEST_F(BillingStoreTest, UpdateBillingAccountStaleEtagWritesNothing) {
  std::unique_ptr<BillingStore> store = OpenStore();
  ASSERT_NE(store, nullptr);
  const Mutation mutation{kActor, "UpdateBillingAccount", "", 2000};
  ASSERT_TRUE(store
                  ->UpdateBillingAccount(
                      "org1", kAccountName, "",
                      [](BillingAccountRow& row) { row.company_name = "Acme"; },
                      mutation)
                  .ok());

  absl::StatusOr<BillingAccountRow> stale = store->UpdateBillingAccount(
      "org1", kAccountName, "7",
      [](BillingAccountRow& row) { row.company_name = "Other"; }, mutation);

  EXPECT_EQ(stale.status().code(), absl::StatusCode::kAborted);
  absl::StatusOr<std::optional<BillingAccountRow>> stored =
      store->GetBillingAccount("org1");
  ASSERT_TRUE(stored.ok()) << stored.status();
  ASSERT_TRUE(stored->has_value());
  EXPECT_EQ((*stored)->company_name, "Acme");
  EXPECT_EQ((*stored)->revision, 1);
  EXPECT_EQ(CountRows(data_dir_.path() + "/billing.db", "audit_events"), 1);
}

TEST_F(BillingStoreTest, EtagOnNeverStoredAccountIsAborted) {
  std::unique_ptr<BillingStore> store = OpenStore();
  ASSERT_NE(store, nullptr);

  absl::StatusOr<BillingAccountRow> result = store->UpdateBillingAccount(
      "org1", kAccountName, "1",
      [](BillingAccountRow& row) { row.company_name = "Acme"; },
      Mutation{kActor, "UpdateBillingAccount", "", 2000});

  EXPECT_EQ(result.status().code(), absl::StatusCode::kAborted);
  EXPECT_EQ(CountRows(data_dir_.path() + "/billing.db", "billing_accounts"), 0);
}

TEST_F(BillingStoreTest, OpenFailsWithoutDataDir) {
  absl::StatusOr<std::unique_ptr<BillingStore>> store =
      BillingStore::Open(data_dir_.path() + "/missing/folder");

  EXPECT_EQ(store.status().code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace ironorg::billing

#include "services/billing/billing_store.h"

#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "tests/testing/scoped_temp_dir.h"

namespace ironorg::billing {
namespace {

namespace v1 = ::ironorg::billing::v1;
using ::ironorg::test::ScopedTempDir;

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

TEST_F(BillingStoreTest, OpenFailsWithoutDataDir) {
  absl::StatusOr<std::unique_ptr<BillingStore>> store =
      BillingStore::Open(data_dir_.path() + "/missing/folder");

  EXPECT_EQ(store.status().code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace ironorg::billing

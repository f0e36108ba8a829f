#include "common/sqlite.h"

#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "tests/testing/scoped_temp_dir.h"

namespace ironorg::sqlite {
namespace {

using ::ironorg::test::ScopedTempDir;

const std::vector<std::string> kTwoMigrations = {
    "CREATE TABLE items (id TEXT PRIMARY KEY, count INTEGER NOT NULL);",
    "ALTER TABLE items ADD COLUMN note TEXT;",
};

// How long a test waits for another thread to reach a point before it
// gives up and fails, instead of hanging.
constexpr absl::Duration kWaitTimeout = absl::Seconds(10);

// A count that threads raise and wait on, with a deadline.
class Counter final {
 public:
  void Increment() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      ++value_;
    }
    changed_.notify_all();
  }

  // Returns true once the count reaches `target`, false if kWaitTimeout
  // passes first.
  bool WaitFor(int target) {
    std::unique_lock<std::mutex> lock(mutex_);
    return changed_.wait_until(
        lock, absl::ToChronoTime(absl::Now() + kWaitTimeout),
        [this, target] { return value_ >= target; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  int value_ = 0;
};

// Returns the number of rows in `items` as seen by `connection`, or -1 on
// error.
int64_t CountItemsOn(Connection& connection) {
  absl::StatusOr<Statement*> select =
      connection.Prepare("SELECT COUNT(*) FROM items");
  if (!select.ok()) {
    return -1;
  }
  absl::StatusOr<bool> row = (*select)->Step();
  if (!row.ok() || !*row) {
    return -1;
  }
  return (*select)->ColumnInt(0);
}

class SqliteTest : public testing::Test {
 protected:
  std::string DatabasePath() const { return data_dir_.path() + "/test.db"; }

  std::unique_ptr<Database> OpenDatabase(
      const std::vector<std::string>& migrations,
      const DatabaseOptions& options = DatabaseOptions()) {
    absl::StatusOr<std::unique_ptr<Database>> database =
        Database::Open(DatabasePath(), migrations, options);
    EXPECT_TRUE(database.ok()) << database.status();
    return database.ok() ? std::move(*database) : nullptr;
  }

  static absl::Status InsertItem(Connection& connection, absl::string_view id,
                                 int64_t count) {
    absl::StatusOr<Statement*> insert =
        connection.Prepare("INSERT INTO items (id, count) VALUES (?1, ?2)");
    if (!insert.ok()) {
      return insert.status();
    }
    return (*insert)->Bind(1, id).Bind(2, count).Run();
  }

  // Returns the number of rows in `items`, or -1 on error.
  static int64_t CountItems(Database& database) {
    int64_t count = -1;
    absl::Status status = database.Read([&](Connection& connection) {
      absl::StatusOr<Statement*> select =
          connection.Prepare("SELECT COUNT(*) FROM items");
      if (!select.ok()) {
        return select.status();
      }
      absl::StatusOr<bool> row = (*select)->Step();
      if (!row.ok()) {
        return row.status();
      }
      count = (*select)->ColumnInt(0);
      return absl::OkStatus();
    });
    EXPECT_TRUE(status.ok()) << status;
    return count;
  }

  static absl::Status InsertItemInWrite(Database& database,
                                        absl::string_view id) {
    return database.Write([id](Connection& connection) {
      return InsertItem(connection, id, 1);
    });
  }

  ScopedTempDir data_dir_;
};

TEST_F(SqliteTest, AppliesMigrationsInOrder) {
  std::unique_ptr<Database> database = OpenDatabase(kTwoMigrations);
  ASSERT_NE(database, nullptr);

  EXPECT_EQ(database->schema_version(), 2);
  absl::Status status = database->Write([](Connection& connection) {
    return connection.Execute(
        "INSERT INTO items (id, count, note) VALUES ('a', 1, 'added by v2')");
  });
  EXPECT_TRUE(status.ok()) << status;
}

TEST_F(SqliteTest, ReopenKeepsVersionAndDoesNotReapply) {
  {
    std::unique_ptr<Database> database = OpenDatabase(kTwoMigrations);
    ASSERT_NE(database, nullptr);
    ASSERT_TRUE(database
                    ->Write([](Connection& connection) {
                      return InsertItem(connection, "a", 1);
                    })
                    .ok());
  }

  // Running CREATE TABLE items again would fail, so a successful open
  // shows that the applied migrations were skipped.
  std::unique_ptr<Database> reopened = OpenDatabase(kTwoMigrations);
  ASSERT_NE(reopened, nullptr);
  EXPECT_EQ(reopened->schema_version(), 2);
  EXPECT_EQ(CountItems(*reopened), 1);
}

TEST_F(SqliteTest, ReopenAppliesOnlyNewMigrations) {
  {
    std::unique_ptr<Database> database = OpenDatabase({kTwoMigrations[0]});
    ASSERT_NE(database, nullptr);
    ASSERT_EQ(database->schema_version(), 1);
  }

  std::unique_ptr<Database> upgraded = OpenDatabase(kTwoMigrations);

  ASSERT_NE(upgraded, nullptr);
  EXPECT_EQ(upgraded->schema_version(), 2);
}

TEST_F(SqliteTest, FailedMigrationKeepsPreviousVersion) {
  absl::StatusOr<std::unique_ptr<Database>> broken = Database::Open(
      DatabasePath(), {kTwoMigrations[0], "ALTER TABLE no_such_table ADD x;"});
  EXPECT_FALSE(broken.ok());
  broken = absl::UnknownError("closed");

  std::unique_ptr<Database> database = OpenDatabase({kTwoMigrations[0]});

  ASSERT_NE(database, nullptr);
  EXPECT_EQ(database->schema_version(), 1);
}

TEST_F(SqliteTest, NewerDatabaseIsFailedPrecondition) {
  {
    std::unique_ptr<Database> database = OpenDatabase(kTwoMigrations);
    ASSERT_NE(database, nullptr);
  }

  absl::StatusOr<std::unique_ptr<Database>> older_binary =
      Database::Open(DatabasePath(), {kTwoMigrations[0]});

  EXPECT_EQ(older_binary.status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST_F(SqliteTest, FailingWriteRollsBack) {
  std::unique_ptr<Database> database = OpenDatabase(kTwoMigrations);
  ASSERT_NE(database, nullptr);

  absl::Status status = database->Write([](Connection& connection) {
    absl::Status inserted = InsertItem(connection, "a", 1);
    if (!inserted.ok()) {
      return inserted;
    }
    return absl::AbortedError("callback failed");
  });

  EXPECT_EQ(status.code(), absl::StatusCode::kAborted);
  EXPECT_EQ(status.message(), "callback failed");
  EXPECT_EQ(CountItems(*database), 0);
}

TEST_F(SqliteTest, WriteCommits) {
  std::unique_ptr<Database> database = OpenDatabase(kTwoMigrations);
  ASSERT_NE(database, nullptr);

  absl::Status status = database->Write([](Connection& connection) {
    absl::Status first = InsertItem(connection, "a", 1);
    if (!first.ok()) {
      return first;
    }
    return InsertItem(connection, "b", 2);
  });

  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(CountItems(*database), 2);
}

TEST_F(SqliteTest, UniqueViolationIsAlreadyExists) {
  std::unique_ptr<Database> database = OpenDatabase(kTwoMigrations);
  ASSERT_NE(database, nullptr);
  ASSERT_TRUE(database
                  ->Write([](Connection& connection) {
                    return InsertItem(connection, "a", 1);
                  })
                  .ok());

  absl::Status status = database->Write(
      [](Connection& connection) { return InsertItem(connection, "a", 2); });

  EXPECT_EQ(status.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(CountItems(*database), 1);
}

TEST_F(SqliteTest, OtherConstraintIsInternal) {
  std::unique_ptr<Database> database = OpenDatabase(kTwoMigrations);
  ASSERT_NE(database, nullptr);

  absl::Status status = database->Write([](Connection& connection) {
    return connection.Execute("INSERT INTO items (id) VALUES ('no-count')");
  });

  EXPECT_EQ(status.code(), absl::StatusCode::kInternal);
}

TEST_F(SqliteTest, BindsNullAndReadsItBack) {
  std::unique_ptr<Database> database = OpenDatabase(kTwoMigrations);
  ASSERT_NE(database, nullptr);
  bool note_is_null = false;
  std::string id;

  absl::Status status = database->Write([&](Connection& connection) {
    absl::StatusOr<Statement*> insert = connection.Prepare(
        "INSERT INTO items (id, count, note) VALUES (?1, ?2, ?3)");
    if (!insert.ok()) {
      return insert.status();
    }
    absl::Status inserted = (*insert)
                                ->Bind(1, "a")
                                .Bind(2, int64_t{7})
                                .Bind(3, std::optional<int64_t>())
                                .Run();
    if (!inserted.ok()) {
      return inserted;
    }
    absl::StatusOr<Statement*> select =
        connection.Prepare("SELECT id, note FROM items WHERE count = ?1");
    if (!select.ok()) {
      return select.status();
    }
    (*select)->Bind(1, int64_t{7});
    absl::StatusOr<bool> row = (*select)->Step();
    if (!row.ok()) {
      return row.status();
    }
    id = (*select)->ColumnText(0);
    note_is_null = (*select)->ColumnIsNull(1);
    return absl::OkStatus();
  });

  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(id, "a");
  EXPECT_TRUE(note_is_null);
}

TEST_F(SqliteTest, OpenInMissingFolderIsUnavailable) {
  absl::StatusOr<std::unique_ptr<Database>> database =
      Database::Open(data_dir_.path() + "/missing/test.db", kTwoMigrations);

  EXPECT_EQ(database.status().code(), absl::StatusCode::kUnavailable);
}

TEST_F(SqliteTest, ReadsRunWhileWriteIsOpen) {
  constexpr int kReaders = 4;
  std::unique_ptr<Database> database = OpenDatabase(kTwoMigrations);
  ASSERT_NE(database, nullptr);
  Counter readers_done;
  bool readers_finished_during_write = false;
  std::vector<int64_t> counts(kReaders, -1);

  // The Write inserts a row and keeps its transaction open until every
  // reader has finished, which they can only do if no Read waits for it.
  std::thread writer([&] {
    absl::Status status = database->Write([&](Connection& connection) {
      absl::Status inserted = InsertItem(connection, "a", 1);
      if (!inserted.ok()) {
        return inserted;
      }
      readers_finished_during_write = readers_done.WaitFor(kReaders);
      return absl::OkStatus();
    });
    EXPECT_TRUE(status.ok()) << status;
  });
  std::vector<std::thread> readers;
  for (int i = 0; i < kReaders; ++i) {
    readers.emplace_back([&, i] {
      counts[i] = CountItems(*database);
      readers_done.Increment();
    });
  }
  for (std::thread& reader : readers) {
    reader.join();
  }
  writer.join();

  EXPECT_TRUE(readers_finished_during_write);
  for (int i = 0; i < kReaders; ++i) {
    EXPECT_EQ(counts[i], 0) << "reader " << i;
  }
  EXPECT_EQ(CountItems(*database), 1);
}

TEST_F(SqliteTest, ReadSeesOneSnapshot) {
  std::unique_ptr<Database> database = OpenDatabase(kTwoMigrations);
  ASSERT_NE(database, nullptr);
  int64_t count_before_write = -1;
  int64_t count_after_write = -1;
  bool write_returned_during_read = false;
  absl::Status write_status = absl::UnknownError("not run");
  Counter write_returned;
  std::unique_ptr<std::thread> writer;

  // The Write commits between the two reads of one Read callback.
  absl::Status status = database->Read([&](Connection& connection) {
    count_before_write = CountItemsOn(connection);
    writer = std::make_unique<std::thread>([&] {
      write_status = InsertItemInWrite(*database, "a");
      write_returned.Increment();
    });
    write_returned_during_read = write_returned.WaitFor(1);
    count_after_write = CountItemsOn(connection);
    return absl::OkStatus();
  });
  writer->join();

  ASSERT_TRUE(status.ok()) << status;
  ASSERT_TRUE(write_status.ok()) << write_status;
  EXPECT_TRUE(write_returned_during_read);
  EXPECT_EQ(count_before_write, 0);
  EXPECT_EQ(count_after_write, 0);
  EXPECT_EQ(CountItems(*database), 1);
}

TEST_F(SqliteTest, ReadOnSameThreadSeesEveryReturnedWrite) {
  std::unique_ptr<Database> database = OpenDatabase(kTwoMigrations);
  ASSERT_NE(database, nullptr);

  for (int i = 1; i <= 20; ++i) {
    ASSERT_TRUE(InsertItemInWrite(*database, std::to_string(i)).ok());

    EXPECT_EQ(CountItems(*database), i);
  }
}

TEST_F(SqliteTest, EveryReadConnectionSeesReturnedWrite) {
  constexpr int kConnections = 3;
  DatabaseOptions options;
  options.read_connections = kConnections;
  std::unique_ptr<Database> database = OpenDatabase(kTwoMigrations, options);
  ASSERT_NE(database, nullptr);
  // Each reader first reads on its connection, so that every connection has
  // a cached statement and a past snapshot when the Write commits.
  ASSERT_EQ(CountItems(*database), 0);
  std::thread writer([&] {
    EXPECT_TRUE(InsertItemInWrite(*database, "a").ok());
  });
  writer.join();
  Counter inside;
  std::vector<bool> all_inside(kConnections, false);
  std::vector<int64_t> counts(kConnections, -1);

  // Each Read keeps its connection until all of them are inside, so the
  // readers use every connection of the pool at once.
  std::vector<std::thread> readers;
  for (int i = 0; i < kConnections; ++i) {
    readers.emplace_back([&, i] {
      absl::Status status = database->Read([&](Connection& connection) {
        counts[i] = CountItemsOn(connection);
        inside.Increment();
        all_inside[i] = inside.WaitFor(kConnections);
        return absl::OkStatus();
      });
      EXPECT_TRUE(status.ok()) << status;
    });
  }
  for (std::thread& reader : readers) {
    reader.join();
  }

  for (int i = 0; i < kConnections; ++i) {
    EXPECT_TRUE(all_inside[i]) << "reader " << i;
    EXPECT_EQ(counts[i], 1) << "reader " << i;
  }
}

TEST_F(SqliteTest, ReadPoolBoundsConcurrentReads) {
  constexpr int kConnections = 2;
  constexpr int kThreads = 8;
  constexpr int kReadsPerThread = 25;
  DatabaseOptions options;
  options.read_connections = kConnections;
  std::unique_ptr<Database> database = OpenDatabase(kTwoMigrations, options);
  ASSERT_NE(database, nullptr);
  std::atomic<int> active{0};
  std::atomic<int> max_active{0};

  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kReadsPerThread; ++i) {
        absl::Status status = database->Read([&](Connection& connection) {
          const int now = ++active;
          int seen = max_active.load();
          while (now > seen && !max_active.compare_exchange_weak(seen, now)) {
          }
          const int64_t count = CountItemsOn(connection);
          std::this_thread::yield();
          --active;
          return count == 0 ? absl::OkStatus()
                            : absl::InternalError("unexpected row count");
        });
        EXPECT_TRUE(status.ok()) << status;
      }
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }

  EXPECT_GE(max_active.load(), 1);
  EXPECT_LE(max_active.load(), kConnections);
}

TEST_F(SqliteTest, WriteInReadIsInternal) {
  std::unique_ptr<Database> database = OpenDatabase(kTwoMigrations);
  ASSERT_NE(database, nullptr);

  absl::Status status = database->Read(
      [](Connection& connection) { return InsertItem(connection, "a", 1); });

  EXPECT_EQ(status.code(), absl::StatusCode::kInternal);
  EXPECT_EQ(CountItems(*database), 0);
}

TEST_F(SqliteTest, ReadReturnsCallbackError) {
  std::unique_ptr<Database> database = OpenDatabase(kTwoMigrations);
  ASSERT_NE(database, nullptr);

  absl::Status status = database->Read([](Connection& connection) {
    if (CountItemsOn(connection) != 0) {
      return absl::InternalError("unexpected row count");
    }
    return absl::NotFoundError("no such item");
  });

  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(status.message(), "no such item");
}

TEST_F(SqliteTest, InvalidSqlInReadIsInternal) {
  std::unique_ptr<Database> database = OpenDatabase(kTwoMigrations);
  ASSERT_NE(database, nullptr);

  absl::Status status = database->Read([](Connection& connection) {
    return connection.Prepare("SELECT * FROM no_such_table").status();
  });

  EXPECT_EQ(status.code(), absl::StatusCode::kInternal);
}

TEST_F(SqliteTest, OtherProcessWriteLockBlocksOnlyWrite) {
  DatabaseOptions options;
  options.busy_timeout = absl::ZeroDuration();
  std::unique_ptr<Database> database = OpenDatabase(kTwoMigrations, options);
  ASSERT_NE(database, nullptr);
  // A second handle on the file acts as another process, such as the
  // sqlite3 shell, holding the write lock.
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open(DatabasePath().c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr),
            SQLITE_OK);

  absl::Status write_status = InsertItemInWrite(*database, "a");
  absl::Status read_status = database->Read([](Connection& connection) {
    return connection.Execute("SELECT COUNT(*) FROM items");
  });
  sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(other);

  EXPECT_EQ(write_status.code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(read_status.ok()) << read_status;
}

TEST_F(SqliteTest, OpenRejectsEmptyReadPool) {
  DatabaseOptions options;
  options.read_connections = 0;

  absl::StatusOr<std::unique_ptr<Database>> database =
      Database::Open(DatabasePath(), kTwoMigrations, options);

  EXPECT_EQ(database.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(SqliteTest, OpenRejectsNegativeBusyTimeout) {
  DatabaseOptions options;
  options.busy_timeout = absl::Milliseconds(-1);

  absl::StatusOr<std::unique_ptr<Database>> database =
      Database::Open(DatabasePath(), kTwoMigrations, options);

  EXPECT_EQ(database.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(SqliteTest, OpenInMemoryIsFailedPrecondition) {
  absl::StatusOr<std::unique_ptr<Database>> database =
      Database::Open(":memory:", kTwoMigrations);

  EXPECT_EQ(database.status().code(), absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace ironorg::sqlite

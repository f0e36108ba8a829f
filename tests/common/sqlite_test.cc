#include "common/sqlite.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gtest/gtest.h"
#include "tests/testing/scoped_temp_dir.h"

namespace ironorg::sqlite {
namespace {

using ::ironorg::test::ScopedTempDir;

const std::vector<std::string> kTwoMigrations = {
    "CREATE TABLE items (id TEXT PRIMARY KEY, count INTEGER NOT NULL);",
    "ALTER TABLE items ADD COLUMN note TEXT;",
};

class SqliteTest : public testing::Test {
 protected:
  std::string DatabasePath() const { return data_dir_.path() + "/test.db"; }

  std::unique_ptr<Database> OpenDatabase(
      const std::vector<std::string>& migrations) {
    absl::StatusOr<std::unique_ptr<Database>> database =
        Database::Open(DatabasePath(), migrations);
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

}  // namespace
}  // namespace ironorg::sqlite

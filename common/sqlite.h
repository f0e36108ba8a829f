// A thin layer over SQLite: one database file in WAL mode, numbered schema
// migrations, cached prepared statements, and transactions that map SQLite
// errors to absl::Status.
//
// Thread-safety: Database is thread-safe. Every Read and Write call holds
// the database's mutex for its whole callback, so callbacks see a
// consistent snapshot and writes are serialized. Connection and Statement
// are used only inside those callbacks, on the calling thread.
//
// Error mapping: SQLITE_BUSY and SQLITE_LOCKED become UNAVAILABLE, so the
// caller retries the call. A UNIQUE or PRIMARY KEY violation becomes
// ALREADY_EXISTS, which a store turns into a message for the caller.
// Everything else is INTERNAL, and the SQL and SQLite message go to the
// log only.
#ifndef IRONORG_COMMON_SQLITE_H_
#define IRONORG_COMMON_SQLITE_H_

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include "absl/strings/string_view.h"
#include <unordered_map>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

struct sqlite3;
struct sqlite3_stmt;

namespace ironorg::sqlite {

// A prepared statement. Obtained from Connection::Prepare, which resets it
// and clears its bindings, so each use starts fresh.
class Statement final {
 public:
  Statement(sqlite3* db, sqlite3_stmt* stmt, std::string sql);
  ~Statement();

  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // Binds parameters by 1-based index.
  Statement& Bind(int index, int64_t value);
  Statement& Bind(int index, absl::string_view value);
  Statement& BindNull(int index);
  Statement& Bind(int index, const std::optional<int64_t>& value);

  // Advances to the next row. Returns true if a row is available, false
  // when the statement is done.
  absl::StatusOr<bool> Step();

  // Runs a statement that returns no rows.
  absl::Status Run();

  // Column accessors for the current row, by 0-based index.
  int64_t ColumnInt(int index) const;
  std::string ColumnText(int index) const;
  bool ColumnIsNull(int index) const;

  // Clears bindings and rewinds, ready for a new use.
  void Reset();

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_;
  std::string sql_;
};

// One SQLite connection, valid inside a Database callback.
class Connection final {
 public:
  explicit Connection(sqlite3* db) : db_(db) {}

  // Returns the cached prepared statement for `sql`, reset and unbound.
  absl::StatusOr<Statement*> Prepare(absl::string_view sql);

  // Executes one or more statements that take no parameters.
  absl::Status Execute(absl::string_view sql);

  // The number of rows the last INSERT, UPDATE or DELETE changed.
  int64_t ChangedRows() const;

 private:
  friend class Database;

  sqlite3* db_;
  std::unordered_map<std::string, std::unique_ptr<Statement>> statements_;
};

// One database file with its schema.
class Database final {
 public:
  // Opens (creating if missing) the file at `path` in WAL mode with
  // synchronous=NORMAL and foreign keys on, then applies the migrations
  // the file has not seen yet, each in its own transaction.
  // `migrations[i]` moves the schema from version i to version i + 1; the
  // file's PRAGMA user_version records the version reached.
  // Returns FAILED_PRECONDITION if the file is newer than `migrations`.
  static absl::StatusOr<std::unique_ptr<Database>> Open(
      const std::string& path, const std::vector<std::string>& migrations);

  ~Database();

  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // Runs `body` inside BEGIN IMMEDIATE ... COMMIT. If `body` returns an
  // error, or the commit fails, the transaction is rolled back and that
  // error is returned: nothing is half-written.
  absl::Status Write(const std::function<absl::Status(Connection&)>& body);

  // Runs `body` inside a read transaction.
  absl::Status Read(const std::function<absl::Status(Connection&)>& body);

  // The schema version reached after Open.
  int schema_version() const { return schema_version_; }

  // The number of Write transactions committed since Open. With
  // WaitForCommit, it lets a reader wait for new rows without polling.
  uint64_t commit_count();

  // Blocks until commit_count() exceeds `seen` or `deadline` passes.
  // Returns true if it exceeds `seen`. Takes no lock of Read or Write.
  bool WaitForCommit(uint64_t seen, absl::Time deadline);

 private:
  Database(sqlite3* db, std::string path);

  absl::Status Migrate(const std::vector<std::string>& migrations);
  absl::Status RunInTransaction(
      absl::string_view begin,
      const std::function<absl::Status(Connection&)>& body);

  std::mutex mutex_;
  // Guards commit_count_ only, so that waiting readers never hold mutex_.
  std::mutex commit_mutex_;
  std::condition_variable commit_signal_;
  uint64_t commit_count_ = 0;
  sqlite3* db_;
  std::string path_;
  Connection connection_;
  int schema_version_ = 0;
};

}  // namespace ironorg::sqlite

#endif  // IRONORG_COMMON_SQLITE_H_

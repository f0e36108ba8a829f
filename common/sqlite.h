// A thin layer over SQLite: one database file in WAL mode, numbered schema
// migrations, cached prepared statements, and transactions that map SQLite
// errors to absl::Status.
//
// Connections: one read-write connection runs every Write, one at a time,
// and a pool of read-only connections runs Read calls side by side. WAL mode
// lets those readers run while a Write transaction is open. Each Read reads
// the database as of its first statement. A Read waits only for a free
// pool connection, not for the writer (tested in sqlite_test.cc).
// Each connection keeps its own cache of prepared statements.
//
// Durability: the file runs with synchronous=NORMAL in WAL mode. A committed
// Write survives a crash of the process, but the last transactions before a
// power loss or an operating system crash may be rolled back. The database
// file stays consistent in either case (SQLite's documentation of PRAGMA
// synchronous).
//
// Thread-safety: Database is thread-safe. Write calls are serialized.
// Up to DatabaseOptions::read_connections Read calls run at once, and
// further Read calls wait for a free connection. Connection and Statement
// are used only inside a Read or Write callback, on the calling thread.
//
// Error mapping: SQLITE_BUSY and SQLITE_LOCKED become UNAVAILABLE, so the
// caller retries the call. A UNIQUE or PRIMARY KEY violation becomes
// ALREADY_EXISTS, which a store turns into a message for the caller.
// Everything else is INTERNAL, and the SQL and SQLite message go to the
// log only. A write statement inside a Read callback is such an INTERNAL
// error, because reader connections are opened read-only.
#ifndef IRONORG_COMMON_SQLITE_H_
#define IRONORG_COMMON_SQLITE_H_

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
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

// One SQLite connection, valid inside a Database callback. It owns its
// handle and its prepared statements, and closes both when destroyed.
class Connection final {
 public:
  ~Connection();

  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Returns the cached prepared statement for `sql`, reset and unbound.
  absl::StatusOr<Statement*> Prepare(absl::string_view sql);

  // Executes one or more statements that take no parameters.
  absl::Status Execute(absl::string_view sql);

  // The number of rows the last INSERT, UPDATE or DELETE changed.
  int64_t ChangedRows() const;

 private:
  friend class Database;

  explicit Connection(sqlite3* db) : db_(db) {}

  // Resets every cached statement, so that none holds a read lock past
  // the end of a transaction.
  void ResetStatements();

  sqlite3* db_;
  std::unordered_map<std::string, std::unique_ptr<Statement>> statements_;
};

// Settings of Database::Open.
struct DatabaseOptions {
  // The number of read-only connections in the pool, which is the maximum
  // number of Read calls that run at once. Must be at least 1. Each
  // connection keeps its own prepared statements and its own page cache,
  // which grows to 2000 KiB with SQLite's default cache_size (-2000 in
  // Debian 12's SQLite 3.40.1). Four lets the
  // reads of several concurrent calls overlap while that memory stays
  // small.
  int read_connections = 4;

  // How long a statement waits for a lock held by another connection or
  // process before it fails with UNAVAILABLE. Must not be negative.
  absl::Duration busy_timeout = absl::Seconds(5);
};

// One database file with its schema.
class Database final {
 public:
  // Opens (creating if missing) the file at `path` in WAL mode with
  // synchronous=NORMAL and foreign keys on, applies the migrations the
  // file has not seen yet, each in its own transaction, and then opens
  // `options.read_connections` read-only connections.
  // `migrations[i]` moves the schema from version i to version i + 1; the
  // file's PRAGMA user_version records the version reached.
  // Returns INVALID_ARGUMENT for options out of range and UNAVAILABLE if the
  // file cannot be opened. Returns FAILED_PRECONDITION if the file is newer
  // than `migrations` or cannot use WAL mode, such as ":memory:", where each
  // connection would get a database of its own. Returns a failed
  // migration's error.
  static absl::StatusOr<std::unique_ptr<Database>> Open(
      const std::string& path, const std::vector<std::string>& migrations,
      const DatabaseOptions& options = DatabaseOptions());

  ~Database();

  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // Runs `body` on the writer connection inside BEGIN IMMEDIATE ...
  // COMMIT. If `body` returns an error, or the commit fails, the
  // transaction is rolled back and that error is returned: nothing is
  // half-written. Once Write returns OK, the change is visible to every
  // Read that starts afterwards, on any thread.
  absl::Status Write(const std::function<absl::Status(Connection&)>& body);

  // Runs `body` on a read-only connection inside BEGIN ... COMMIT, so every
  // statement in `body` reads the same snapshot: the database as of the
  // first statement, with every Write that returned before it. Waits while
  // all read connections are in use. Runs alongside Write and other Read
  // calls. `body` gets INTERNAL from any statement that writes.
  // NOTE: A Read called inside another Read's or a Write's callback takes
  // a second connection and reads its own snapshot, which does not include
  // the enclosing Write's uncommitted changes.
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
  Database(std::unique_ptr<Connection> writer, std::string path);

  // Opens one connection to `path` with the sqlite3_open_v2 `flags`.
  static absl::StatusOr<std::unique_ptr<Connection>> OpenConnection(
      const std::string& path, int flags, absl::Duration busy_timeout);

  // Switches the file to WAL mode. Returns FAILED_PRECONDITION if SQLite
  // cannot.
  absl::Status EnableWal();
  absl::Status Migrate(const std::vector<std::string>& migrations);
  absl::Status OpenReaders(const DatabaseOptions& options);
  static absl::Status RunInTransaction(
      Connection& connection, absl::string_view begin,
      const std::function<absl::Status(Connection&)>& body);

  // Takes an idle reader from the pool, waiting while there is none.
  Connection* AcquireReader();
  void ReleaseReader(Connection* reader);

  const std::string path_;
  int schema_version_ = 0;

  // Serializes Write and Migrate on writer_.
  std::mutex writer_mutex_;
  std::unique_ptr<Connection> writer_;

  // Guards idle_readers_.
  std::mutex readers_mutex_;
  std::condition_variable reader_released_;
  std::vector<Connection*> idle_readers_;
  // Every reader, idle or in use. Open fills it once.
  std::vector<std::unique_ptr<Connection>> readers_;

  // Guards commit_count_ only, so that waiting readers never hold another
  // lock of this class.
  std::mutex commit_mutex_;
  std::condition_variable commit_signal_;
  uint64_t commit_count_ = 0;
};

}  // namespace ironorg::sqlite

#endif  // IRONORG_COMMON_SQLITE_H_

#include "common/sqlite.h"

#include <sqlite3.h>

#include <algorithm>
#include <limits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/log.h"

namespace ironorg::sqlite {
namespace {

// The maximum busy timeout that sqlite3_busy_timeout accepts, which takes
// milliseconds as an int.
constexpr absl::Duration kMaxBusyTimeout =
    absl::Milliseconds(std::numeric_limits<int>::max());

absl::Status ErrorFromCode(sqlite3* db, int code, absl::string_view sql) {
  const int primary = code & 0xff;
  const std::string detail =
      absl::StrCat("sqlite error ", code, " (", sqlite3_errmsg(db), ")");
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) {
    IRONORG_LOG(WARNING) << detail << " in: " << sql;
    return absl::UnavailableError("the database is busy; retry the call");
  }
  if (code == SQLITE_CONSTRAINT_UNIQUE ||
      code == SQLITE_CONSTRAINT_PRIMARYKEY) {
    return absl::AlreadyExistsError(detail);
  }
  IRONORG_LOG(ERROR) << detail << " in: " << sql;
  return absl::InternalError("internal storage error");
}

}  // namespace

absl::StatusOr<std::unique_ptr<Connection>> Database::OpenConnection(
    const std::string& path, int flags, absl::Duration busy_timeout) {
  sqlite3* db = nullptr;
  // Each connection serves one thread at a time (the writer under
  // writer_mutex_, a reader while it is out of the pool), so SQLite's own
  // per-connection mutex is not needed.
  if (sqlite3_open_v2(path.c_str(), &db, flags | SQLITE_OPEN_NOMUTEX,
                      nullptr) != SQLITE_OK) {
    const std::string message =
        db == nullptr ? "out of memory" : sqlite3_errmsg(db);
    sqlite3_close_v2(db);
    return absl::UnavailableError(
        absl::StrCat("cannot open database \"", path, "\": ", message));
  }
  sqlite3_busy_timeout(db, static_cast<int>(absl::ToInt64Milliseconds(
                               std::min(busy_timeout, kMaxBusyTimeout))));
  return std::unique_ptr<Connection>(new Connection(db));
}

Statement::Statement(sqlite3* db, sqlite3_stmt* stmt, std::string sql)
    : db_(db), stmt_(stmt), sql_(std::move(sql)) {}

Statement::~Statement() { sqlite3_finalize(stmt_); }

Statement& Statement::Bind(int index, int64_t value) {
  sqlite3_bind_int64(stmt_, index, value);
  return *this;
}

Statement& Statement::Bind(int index, absl::string_view value) {
  sqlite3_bind_text(stmt_, index, value.data(), static_cast<int>(value.size()),
                    SQLITE_TRANSIENT);
  return *this;
}

Statement& Statement::BindNull(int index) {
  sqlite3_bind_null(stmt_, index);
  return *this;
}

Statement& Statement::Bind(int index, const std::optional<int64_t>& value) {
  if (value.has_value()) {
    return Bind(index, *value);
  }
  return BindNull(index);
}

absl::StatusOr<bool> Statement::Step() {
  const int code = sqlite3_step(stmt_);
  if (code == SQLITE_ROW) {
    return true;
  }
  if (code == SQLITE_DONE) {
    return false;
  }
  return ErrorFromCode(db_, sqlite3_extended_errcode(db_), sql_);
}

absl::Status Statement::Run() {
  absl::StatusOr<bool> row = Step();
  if (!row.ok()) {
    return row.status();
  }
  return absl::OkStatus();
}

int64_t Statement::ColumnInt(int index) const {
  return sqlite3_column_int64(stmt_, index);
}

std::string Statement::ColumnText(int index) const {
  const auto* text =
      reinterpret_cast<const char*>(sqlite3_column_text(stmt_, index));
  if (text == nullptr) {
    return std::string();
  }
  return std::string(text, sqlite3_column_bytes(stmt_, index));
}

bool Statement::ColumnIsNull(int index) const {
  return sqlite3_column_type(stmt_, index) == SQLITE_NULL;
}

void Statement::Reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

absl::StatusOr<Statement*> Connection::Prepare(absl::string_view sql) {
  auto it = statements_.find(std::string(sql));
  if (it != statements_.end()) {
    it->second->Reset();
    return it->second.get();
  }

  sqlite3_stmt* stmt = nullptr;
  const int code = sqlite3_prepare_v3(db_, sql.data(),
                                      static_cast<int>(sql.size()),
                                      SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (code != SQLITE_OK) {
    return ErrorFromCode(db_, code, sql);
  }
  auto statement = std::make_unique<Statement>(db_, stmt, std::string(sql));
  Statement* result = statement.get();
  statements_.emplace(std::string(sql), std::move(statement));
  return result;
}

absl::Status Connection::Execute(absl::string_view sql) {
  const std::string text(sql);
  char* message = nullptr;
  const int code = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &message);
  sqlite3_free(message);
  if (code != SQLITE_OK) {
    return ErrorFromCode(db_, sqlite3_extended_errcode(db_), sql);
  }
  return absl::OkStatus();
}

int64_t Connection::ChangedRows() const { return sqlite3_changes64(db_); }

void Connection::ResetStatements() {
  for (auto& entry : statements_) {
    entry.second->Reset();
  }
}

Connection::~Connection() {
  // sqlite3_close_v2 would keep the handle open while statements remain,
  // so finalize them first.
  statements_.clear();
  sqlite3_close_v2(db_);
}

Database::Database(std::unique_ptr<Connection> writer, std::string path)
    : path_(std::move(path)), writer_(std::move(writer)) {}

Database::~Database() {
  // The last connection to close checkpoints the WAL into the database file
  // and removes it, which only the read-write connection can do.
  idle_readers_.clear();
  readers_.clear();
  writer_.reset();
}

absl::StatusOr<std::unique_ptr<Database>> Database::Open(
    const std::string& path, const std::vector<std::string>& migrations,
    const DatabaseOptions& options) {
  if (options.read_connections < 1) {
    return errors::InvalidArgument(
        "read_connections",
        absl::StrCat("read_connections must be at least 1, got ",
                     options.read_connections));
  }
  if (options.busy_timeout < absl::ZeroDuration()) {
    return errors::InvalidArgument(
        "busy_timeout",
        absl::StrCat("busy_timeout must not be negative, got ",
                     absl::FormatDuration(options.busy_timeout)));
  }

  absl::StatusOr<std::unique_ptr<Connection>> writer = OpenConnection(
      path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, options.busy_timeout);
  if (!writer.ok()) {
    return writer.status();
  }
  std::unique_ptr<Database> database(new Database(std::move(*writer), path));

  absl::Status status = database->EnableWal();
  if (!status.ok()) {
    return status;
  }
  status = database->writer_->Execute(
      "PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;");
  if (!status.ok()) {
    return status;
  }
  status = database->Migrate(migrations);
  if (!status.ok()) {
    return status;
  }
  status = database->OpenReaders(options);
  if (!status.ok()) {
    return status;
  }
  return database;
}

absl::Status Database::EnableWal() {
  absl::StatusOr<Statement*> journal_mode =
      writer_->Prepare("PRAGMA journal_mode=WAL");
  if (!journal_mode.ok()) {
    return journal_mode.status();
  }
  absl::StatusOr<bool> row = (*journal_mode)->Step();
  if (!row.ok()) {
    return row.status();
  }
  // SQLite returns the mode it ended up in: "memory" for an in-memory
  // database, and the previous mode, such as "delete", where WAL is not
  // supported. Without WAL, the reader connections would block the writer,
  // or read a database of their own.
  const std::string mode = *row ? (*journal_mode)->ColumnText(0) : "";
  (*journal_mode)->Reset();
  if (mode != "wal") {
    return absl::FailedPreconditionError(absl::StrCat(
        "database \"", path_, "\" cannot use WAL mode (journal mode is \"",
        mode, "\"); use a file on a local file system"));
  }
  return absl::OkStatus();
}

absl::Status Database::OpenReaders(const DatabaseOptions& options) {
  for (int i = 0; i < options.read_connections; ++i) {
    absl::StatusOr<std::unique_ptr<Connection>> reader =
        OpenConnection(path_, SQLITE_OPEN_READONLY, options.busy_timeout);
    if (!reader.ok()) {
      return reader.status();
    }
    idle_readers_.push_back(reader->get());
    readers_.push_back(std::move(*reader));
  }
  return absl::OkStatus();
}

absl::Status Database::Migrate(const std::vector<std::string>& migrations) {
  std::lock_guard<std::mutex> lock(writer_mutex_);
  absl::StatusOr<Statement*> version = writer_->Prepare("PRAGMA user_version");
  if (!version.ok()) {
    return version.status();
  }
  absl::StatusOr<bool> row = (*version)->Step();
  if (!row.ok()) {
    return row.status();
  }
  int current = static_cast<int>((*version)->ColumnInt(0));
  (*version)->Reset();

  if (current > static_cast<int>(migrations.size())) {
    return absl::FailedPreconditionError(absl::StrCat(
        "database \"", path_, "\" has schema version ", current,
        ", newer than this binary's ", migrations.size(),
        "; run a newer binary"));
  }
  for (; current < static_cast<int>(migrations.size()); ++current) {
    const std::string& migration = migrations[current];
    const int next = current + 1;
    absl::Status status = RunInTransaction(
        *writer_, "BEGIN IMMEDIATE", [&migration, next](Connection& connection) {
          absl::Status applied = connection.Execute(migration);
          if (!applied.ok()) {
            return applied;
          }
          return connection.Execute(absl::StrCat("PRAGMA user_version=", next));
        });
    if (!status.ok()) {
      IRONORG_LOG(ERROR) << "migration to schema version " << next << " of \""
                         << path_ << "\" failed: " << status;
      return status;
    }
    IRONORG_LOG(INFO) << "migrated \"" << path_ << "\" to schema version "
                      << next;
  }
  schema_version_ = current;
  return absl::OkStatus();
}

namespace {

// Runs a statement without parameters through the connection's statement
// cache. BEGIN and COMMIT run around every call, and sqlite3_exec would
// parse them again each time: under callgrind that parsing was an eighth of
// the projects service's instructions for a GetProject.
absl::Status RunCached(Connection& connection, absl::string_view sql) {
  absl::StatusOr<Statement*> statement = connection.Prepare(sql);
  if (!statement.ok()) {
    return statement.status();
  }
  return (*statement)->Run();
}

}  // namespace

absl::Status Database::RunInTransaction(
    Connection& connection, absl::string_view begin,
    const std::function<absl::Status(Connection&)>& body) {
  absl::Status status = RunCached(connection, begin);
  if (!status.ok()) {
    return status;
  }
  status = body(connection);
  // A statement left mid-step would hold its read lock past the commit.
  connection.ResetStatements();
  if (status.ok()) {
    status = RunCached(connection, "COMMIT");
    if (status.ok()) {
      return status;
    }
  }
  absl::Status rollback = RunCached(connection, "ROLLBACK");
  if (!rollback.ok()) {
    IRONORG_LOG(ERROR) << "rollback failed: " << rollback;
  }
  return status;
}

absl::Status Database::Write(
    const std::function<absl::Status(Connection&)>& body) {
  absl::Status status;
  {
    std::lock_guard<std::mutex> lock(writer_mutex_);
    status = RunInTransaction(*writer_, "BEGIN IMMEDIATE", body);
  }
  if (status.ok()) {
    {
      std::lock_guard<std::mutex> lock(commit_mutex_);
      ++commit_count_;
    }
    commit_signal_.notify_all();
  }
  return status;
}

uint64_t Database::commit_count() {
  std::lock_guard<std::mutex> lock(commit_mutex_);
  return commit_count_;
}

bool Database::WaitForCommit(uint64_t seen, absl::Time deadline) {
  std::unique_lock<std::mutex> lock(commit_mutex_);
  return commit_signal_.wait_until(lock, absl::ToChronoTime(deadline),
                                   [this, seen] { return commit_count_ > seen; });
}

Connection* Database::AcquireReader() {
  std::unique_lock<std::mutex> lock(readers_mutex_);
  reader_released_.wait(lock, [this] { return !idle_readers_.empty(); });
  Connection* reader = idle_readers_.back();
  idle_readers_.pop_back();
  return reader;
}

void Database::ReleaseReader(Connection* reader) {
  {
    std::lock_guard<std::mutex> lock(readers_mutex_);
    idle_readers_.push_back(reader);
  }
  reader_released_.notify_one();
}

absl::Status Database::Read(
    const std::function<absl::Status(Connection&)>& body) {
  Connection* reader = AcquireReader();
  // A deferred BEGIN takes its snapshot at the first statement, which runs
  // after every Write that returned before this call.
  absl::Status status = RunInTransaction(*reader, "BEGIN", body);
  ReleaseReader(reader);
  return status;
}

}  // namespace ironorg::sqlite

#include "common/sqlite.h"

#include <sqlite3.h>

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/log.h"

namespace ironorg::sqlite {
namespace {

// Milliseconds a statement waits for another process's lock before
// SQLITE_BUSY. Only backups and the sqlite3 shell share the file.
constexpr int kBusyTimeoutMs = 5000;

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

Database::Database(sqlite3* db, std::string path)
    : db_(db), path_(std::move(path)), connection_(db) {}

Database::~Database() {
  connection_.statements_.clear();
  sqlite3_close_v2(db_);
}

absl::StatusOr<std::unique_ptr<Database>> Database::Open(
    const std::string& path, const std::vector<std::string>& migrations) {
  sqlite3* db = nullptr;
  const int flags =
      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  if (sqlite3_open_v2(path.c_str(), &db, flags, nullptr) != SQLITE_OK) {
    const std::string message =
        db == nullptr ? "out of memory" : sqlite3_errmsg(db);
    sqlite3_close_v2(db);
    return absl::UnavailableError(
        absl::StrCat("cannot open database \"", path, "\": ", message));
  }
  sqlite3_busy_timeout(db, kBusyTimeoutMs);

  std::unique_ptr<Database> database(new Database(db, path));
  absl::Status status = database->connection_.Execute(
      "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
      "PRAGMA foreign_keys=ON;");
  if (!status.ok()) {
    return status;
  }
  status = database->Migrate(migrations);
  if (!status.ok()) {
    return status;
  }
  return database;
}

absl::Status Database::Migrate(const std::vector<std::string>& migrations) {
  std::lock_guard<std::mutex> lock(mutex_);
  absl::StatusOr<Statement*> version = connection_.Prepare("PRAGMA user_version");
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
        "BEGIN IMMEDIATE", [&migration, next](Connection& connection) {
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

absl::Status Database::RunInTransaction(
    absl::string_view begin,
    const std::function<absl::Status(Connection&)>& body) {
  absl::Status status = connection_.Execute(begin);
  if (!status.ok()) {
    return status;
  }
  status = body(connection_);
  // A statement left mid-step would hold its read lock past the commit.
  for (auto& entry : connection_.statements_) {
    entry.second->Reset();
  }
  if (status.ok()) {
    status = connection_.Execute("COMMIT");
    if (status.ok()) {
      return status;
    }
  }
  absl::Status rollback = connection_.Execute("ROLLBACK");
  if (!rollback.ok()) {
    IRONORG_LOG(ERROR) << "rollback failed: " << rollback;
  }
  return status;
}

absl::Status Database::Write(
    const std::function<absl::Status(Connection&)>& body) {
  absl::Status status;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    status = RunInTransaction("BEGIN IMMEDIATE", body);
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

absl::Status Database::Read(
    const std::function<absl::Status(Connection&)>& body) {
  std::lock_guard<std::mutex> lock(mutex_);
  return RunInTransaction("BEGIN", body);
}

}  // namespace ironorg::sqlite

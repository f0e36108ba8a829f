// Helpers shared by the projects and clusters tests: row counts read
// straight from a database file, callers of each role, and an in-process
// UserDirectory.
#ifndef IRONORG_TESTS_TESTING_TEST_SUPPORT_H_
#define IRONORG_TESTS_TESTING_TEST_SUPPORT_H_

#include <sqlite3.h>

#include <cstdint>
#include <mutex>
#include <set>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "common/errors.h"
#include "common/user_directory.h"
#include "ironorg/identity/v1/principal.pb.h"

namespace ironorg::test {

// Returns the number of rows of `table` in the SQLite file `database_path`,
// or -1 if the file cannot be read. Opens its own connection, which reads
// every committed write.
inline int64_t CountRows(const std::string& database_path,
                         absl::string_view table) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(database_path.c_str(), &db, SQLITE_OPEN_READONLY,
                      nullptr) != SQLITE_OK) {
    sqlite3_close_v2(db);
    return -1;
  }
  int64_t count = -1;
  sqlite3_stmt* statement = nullptr;
  const std::string sql = absl::StrCat("SELECT COUNT(*) FROM ", table);
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &statement, nullptr) ==
          SQLITE_OK &&
      sqlite3_step(statement) == SQLITE_ROW) {
    count = sqlite3_column_int64(statement, 0);
  }
  sqlite3_finalize(statement);
  sqlite3_close_v2(db);
  return count;
}

inline ironorg::identity::v1::Principal UserCaller(
    absl::string_view organization_id, absl::string_view user_id,
    ironorg::identity::v1::Role role) {
  ironorg::identity::v1::Principal principal;
  principal.set_kind(ironorg::identity::v1::Principal::KIND_USER_ACCESS_TOKEN);
  principal.set_organization(absl::StrCat("organizations/", organization_id));
  principal.set_user(
      absl::StrCat("organizations/", organization_id, "/users/", user_id));
  principal.set_role(role);
  return principal;
}

// A UserDirectory over a fixed set of user names. Thread-safe.
class FakeUserDirectory final : public UserDirectory {
 public:
  void AddUser(absl::string_view user_name) {
    std::lock_guard<std::mutex> lock(mutex_);
    users_.insert(std::string(user_name));
  }

  // While set, every lookup fails with UNAVAILABLE, as when identity is
  // down.
  void SetUnavailable(bool unavailable) {
    std::lock_guard<std::mutex> lock(mutex_);
    unavailable_ = unavailable;
  }

  int lookups() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return lookups_;
  }

  absl::Status CheckUserExists(absl::string_view user_name) override {
    std::lock_guard<std::mutex> lock(mutex_);
    ++lookups_;
    if (unavailable_) {
      return absl::UnavailableError("identity is unavailable");
    }
    if (users_.count(std::string(user_name)) == 0) {
      return errors::NotFound("user", user_name);
    }
    return absl::OkStatus();
  }

 private:
  mutable std::mutex mutex_;
  std::set<std::string> users_;
  bool unavailable_ = false;
  int lookups_ = 0;
};

}  // namespace ironorg::test

#endif  // IRONORG_TESTS_TESTING_TEST_SUPPORT_H_

// Helpers shared by the clusters tests: a temporary data folder, callers
// of each role, row counts read straight from the database file, and an
// in-process UserDirectory.
#ifndef IRONORG_TESTS_CLUSTERS_TEST_SUPPORT_H_
#define IRONORG_TESTS_CLUSTERS_TEST_SUPPORT_H_

#include <sqlite3.h>
#include <stdlib.h>

#include <cstdint>
#include <filesystem>
#include <mutex>
#include <set>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "common/errors.h"
#include "gtest/gtest.h"
#include "ironorg/identity/v1/principal.pb.h"
#include "services/clusters/user_directory.h"

namespace ironorg::clusters::testing {

// A fresh folder under the test temporary directory, removed on
// destruction.
class TemporaryDirectory final {
 public:
  TemporaryDirectory() {
    std::string pattern =
        absl::StrCat(::testing::TempDir(), "/clusters_test_XXXXXX");
    path_ = mkdtemp(pattern.data()) == nullptr ? std::string() : pattern;
  }
  ~TemporaryDirectory() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TemporaryDirectory(const TemporaryDirectory&) = delete;
  TemporaryDirectory& operator=(const TemporaryDirectory&) = delete;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Returns the number of rows of `table` in `<data_dir>/clusters.db`, or -1
// if the file cannot be read. Opens its own connection, which reads every
// committed write.
inline int64_t CountRows(const std::string& data_dir, absl::string_view table) {
  sqlite3* db = nullptr;
  const std::string path = absl::StrCat(data_dir, "/clusters.db");
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) !=
      SQLITE_OK) {
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

}  // namespace ironorg::clusters::testing

#endif  // IRONORG_TESTS_CLUSTERS_TEST_SUPPORT_H_

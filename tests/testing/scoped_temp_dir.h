// A fresh folder under the test's temporary directory, removed with its
// contents when the object goes out of scope.
#ifndef IRONORG_TESTS_TESTING_SCOPED_TEMP_DIR_H_
#define IRONORG_TESTS_TESTING_SCOPED_TEMP_DIR_H_

#include <stdlib.h>

#include <filesystem>
#include <string>
#include <system_error>

#include "absl/strings/string_view.h"
#include "gtest/gtest.h"

namespace ironorg::test {

class ScopedTempDir final {
 public:
  ScopedTempDir() {
    std::string pattern = ::testing::TempDir() + "ironorg_test_XXXXXX";
    if (mkdtemp(pattern.data()) == nullptr) {
      ADD_FAILURE() << "mkdtemp failed for " << pattern;
    }
    path_ = pattern;
  }

  ~ScopedTempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }

  ScopedTempDir(const ScopedTempDir&) = delete;
  ScopedTempDir& operator=(const ScopedTempDir&) = delete;

  const std::string& path() const { return path_; }

  // Returns the path of `name` inside the folder.
  std::string File(absl::string_view name) const {
    return (std::filesystem::path(path_) / std::string(name)).string();
  }

 private:
  std::string path_;
};

}  // namespace ironorg::test

#endif  // IRONORG_TESTS_TESTING_SCOPED_TEMP_DIR_H_

// The one check the projects and clusters services need from identity:
// whether a user exists. It is an interface so that service tests can run
// without an identity process.
#ifndef IRONORG_COMMON_USER_DIRECTORY_H_
#define IRONORG_COMMON_USER_DIRECTORY_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace ironorg {

class UserDirectory {
 public:
  virtual ~UserDirectory() = default;

  // Returns OK if the user `user_name`
  // (`organizations/{organization}/users/{user}`) exists; NOT_FOUND
  // `user "<name>" not found` if it does not; UNAVAILABLE if identity
  // could not be reached, so that the caller retries.
  //
  // Implementations must be thread-safe.
  virtual absl::Status CheckUserExists(absl::string_view user_name) = 0;
};

}  // namespace ironorg

#endif  // IRONORG_COMMON_USER_DIRECTORY_H_

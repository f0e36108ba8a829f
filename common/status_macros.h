// Early-return helpers for absl::Status and absl::StatusOr, in the manner
// of the ASSIGN_OR_RETURN macros of Google's codebases, which the Abseil
// release this suite builds against does not export.
#ifndef IRONORG_COMMON_STATUS_MACROS_H_
#define IRONORG_COMMON_STATUS_MACROS_H_

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

// Returns the status of `expr` from the enclosing function unless it is OK.
#define IRONORG_RETURN_IF_ERROR(expr)            \
  do {                                           \
    const absl::Status ironorg_status_ = (expr); \
    if (!ironorg_status_.ok()) {                 \
      return ironorg_status_;                    \
    }                                            \
  } while (false)

// Evaluates `expr`, an absl::StatusOr<T>; returns its status from the
// enclosing function unless it is OK, and otherwise moves its value into
// `lhs`, which may be a declaration such as `auto row`.
#define IRONORG_ASSIGN_OR_RETURN(lhs, expr) \
  IRONORG_ASSIGN_OR_RETURN_IMPL_(           \
      IRONORG_STATUS_CONCAT_(ironorg_statusor_, __LINE__), lhs, expr)

#define IRONORG_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, expr) \
  auto statusor = (expr);                                   \
  if (!statusor.ok()) {                                     \
    return std::move(statusor).status();                    \
  }                                                         \
  lhs = std::move(statusor).value()

#define IRONORG_STATUS_CONCAT_(a, b) IRONORG_STATUS_CONCAT_INNER_(a, b)
#define IRONORG_STATUS_CONCAT_INNER_(a, b) a##b

#endif  // IRONORG_COMMON_STATUS_MACROS_H_

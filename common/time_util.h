// Time helpers. Stored times are microseconds since the Unix epoch (UTC).
#ifndef IRONORG_COMMON_TIME_UTIL_H_
#define IRONORG_COMMON_TIME_UTIL_H_

#include <cstdint>

#include "google/protobuf/timestamp.pb.h"

namespace ironorg {

// Microseconds since the Unix epoch, now.
int64_t NowMicros();

// Converts stored microseconds to a Timestamp.
google::protobuf::Timestamp ToTimestamp(int64_t unix_micros);

// Converts a Timestamp to microseconds.
int64_t FromTimestamp(const google::protobuf::Timestamp& timestamp);

}  // namespace ironorg

#endif  // IRONORG_COMMON_TIME_UTIL_H_

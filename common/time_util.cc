#include "common/time_util.h"

#include "absl/time/clock.h"

namespace ironorg {

int64_t NowMicros() { return absl::GetCurrentTimeNanos() / 1000; }

google::protobuf::Timestamp ToTimestamp(int64_t unix_micros) {
  google::protobuf::Timestamp timestamp;
  int64_t seconds = unix_micros / 1000000;
  int64_t micros = unix_micros % 1000000;
  if (micros < 0) {
    seconds -= 1;
    micros += 1000000;
  }
  timestamp.set_seconds(seconds);
  timestamp.set_nanos(static_cast<int32_t>(micros * 1000));
  return timestamp;
}

int64_t FromTimestamp(const google::protobuf::Timestamp& timestamp) {
  return timestamp.seconds() * 1000000 + timestamp.nanos() / 1000;
}

}  // namespace ironorg

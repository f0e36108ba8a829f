// A follower of one service's change feed that keeps its cursor in memory,
// for the gateway, which has no database.
//
// At start the follower reads the feed's latest_sequence and follows from
// there: a restarted gateway starts with an empty cache, so older changes
// cannot make any of its entries stale. It then long-polls ListChanges,
// passes every change to `apply`, and after each response that reached the
// feed's newest change calls `current(as_of)`, where `as_of` is the time
// the request was sent: every change committed before it has been applied.
//
// When the feed cannot be reached, the follower retries with a backoff of
// 100 ms up to 1 s and calls nothing, so its last `as_of` ages. A cursor
// beyond the feed (OUT_OF_RANGE, as after the service's database was
// replaced) makes it call `reset` and start again from latest_sequence.
//
// Thread-safe: Start and Stop may be called from any thread.
#ifndef IRONORG_SERVICES_GATEWAY_CHANGE_FEED_FOLLOWER_H_
#define IRONORG_SERVICES_GATEWAY_CHANGE_FEED_FOLLOWER_H_

#include <grpcpp/client_context.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/change_feed_client.h"
#include "common/internal_auth.h"
#include "ironorg/changes/v1/change_feed.grpc.pb.h"

namespace ironorg::gateway {

struct FollowerOptions {
  // The feed's name in log lines, such as "identity".
  std::string feed;
  // host:port of the service that serves the feed.
  std::string address;
  // How long one ListChanges call waits on the server for a change. Keep
  // it under half the staleness bound, so that a healthy follower reports
  // itself current well within the bound.
  absl::Duration max_wait = absl::Milliseconds(250);
};

struct FollowerCallbacks {
  // Applies one change, in feed order.
  std::function<void(const ironorg::changes::v1::Change&)> apply;
  // Called after every change committed before `as_of` was applied.
  std::function<void(absl::Time as_of)> current;
  // Called when the follower lost its place and starts again from the
  // newest change, so that changes in between may have been missed.
  std::function<void()> reset;
};

class ChangeFeedFollower final {
 public:
  ChangeFeedFollower(FollowerOptions options, InternalCredential credential,
                     FollowerCallbacks callbacks);

  // Stops the thread if it runs.
  ~ChangeFeedFollower();

  ChangeFeedFollower(const ChangeFeedFollower&) = delete;
  ChangeFeedFollower& operator=(const ChangeFeedFollower&) = delete;

  // Starts the thread. REQUIRES: Start has not been called before.
  void Start();

  // Cancels the call in flight, wakes a backoff and joins the thread.
  void Stop();

  // The sequence of the last change applied; 0 before the first read.
  int64_t applied_sequence() const { return applied_sequence_.load(); }

 private:
  void Run();

  // Reads the feed once: the newest sequence when the follower has no
  // cursor yet, or the changes after it. Returns the status of the call.
  absl::Status PollOnce();

  const FollowerOptions options_;
  const FollowerCallbacks callbacks_;
  change_feed::ChangeFeedClient client_;

  // Set once the follower read the feed's newest sequence. Only the
  // follower thread touches it.
  bool has_cursor_ = false;
  std::atomic<int64_t> applied_sequence_{0};

  std::thread thread_;
};

}  // namespace ironorg::gateway

#endif  // IRONORG_SERVICES_GATEWAY_CHANGE_FEED_FOLLOWER_H_

// A stoppable client of one service's InternalChangeFeedService, shared by
// the consumers that keep their cursor in SQLite (change_feed_consumer.h)
// and the gateway's in-memory followers. It signs each call as a
// KIND_SERVICE principal, and Stop cuts short both the call in flight and
// a retry delay, so that a follower's thread can be joined at once.
//
// Thread-safe: Fetch and Backoff run on the follower's thread; Stop and
// stopping may be called from any thread.
#ifndef IRONORG_COMMON_CHANGE_FEED_CLIENT_H_
#define IRONORG_COMMON_CHANGE_FEED_CLIENT_H_

#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/internal_auth.h"
#include "ironorg/changes/v1/change_feed.grpc.pb.h"

namespace ironorg::change_feed {

class ChangeFeedClient final {
 public:
  // `call_slack` is the time, beyond the requested wait, that the server
  // has to send its response before a call fails with DEADLINE_EXCEEDED.
  ChangeFeedClient(std::shared_ptr<grpc::Channel> channel,
                   InternalCredential credential,
                   absl::Duration call_slack = absl::Seconds(5));

  // Calls ListChanges for the changes after `after_sequence`, letting the
  // server wait up to `max_wait` for one. Returns the call's status as an
  // absl::Status (UNAVAILABLE when the service cannot be reached,
  // OUT_OF_RANGE for a cursor beyond the feed), or CANCELLED once Stop was
  // called.
  absl::StatusOr<ironorg::changes::v1::ListChangesResponse> Fetch(
      int64_t after_sequence, int max_changes, absl::Duration max_wait);

  // Sleeps for `delay` unless Stop is called first. Returns false if the
  // client was stopped.
  bool Backoff(absl::Duration delay);

  // Cancels the call in flight and wakes a Backoff. Every later Fetch
  // returns CANCELLED and every later Backoff returns false at once.
  void Stop();

  // True once Stop was called.
  bool stopping();

 private:
  const InternalCredential credential_;
  const absl::Duration call_slack_;
  std::unique_ptr<ironorg::changes::v1::InternalChangeFeedService::Stub> stub_;

  std::mutex mutex_;
  std::condition_variable stop_signal_;
  bool stopping_ = false;
  // The context of the call in flight, so that Stop can cancel it.
  grpc::ClientContext* active_call_ = nullptr;
};

}  // namespace ironorg::change_feed

#endif  // IRONORG_COMMON_CHANGE_FEED_CLIENT_H_

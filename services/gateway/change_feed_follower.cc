#include "services/gateway/change_feed_follower.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/channel_arguments.h>

#include <algorithm>
#include <utility>

#include "absl/time/clock.h"
#include "common/log.h"

namespace ironorg::gateway {
namespace {

using ::ironorg::changes::v1::Change;
using ::ironorg::changes::v1::ListChangesResponse;

constexpr absl::Duration kMinBackoff = absl::Milliseconds(100);
constexpr absl::Duration kMaxBackoff = absl::Seconds(1);

// Extra time, beyond the requested wait, for the server to respond. A
// longer hang only delays recovery: the cache stops serving once the
// staleness bound passes, whatever the follower is waiting for.
constexpr absl::Duration kCallSlack = absl::Seconds(2);

// The feed's own maximum batch (ListChangesRequest.max_changes).
constexpr int kMaxChanges = 1000;

// Caps gRPC's reconnect backoff, which otherwise grows to two minutes and
// would keep the cache bypassed long after a restarted service is back.
std::shared_ptr<grpc::Channel> NewChannel(const std::string& address) {
  grpc::ChannelArguments arguments;
  arguments.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  arguments.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 100);
  arguments.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
  return grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(),
                                   arguments);
}

}  // namespace

ChangeFeedFollower::ChangeFeedFollower(FollowerOptions options,
                                       InternalCredential credential,
                                       FollowerCallbacks callbacks)
    : options_(std::move(options)),
      callbacks_(std::move(callbacks)),
      client_(NewChannel(options_.address), std::move(credential),
              kCallSlack) {}

ChangeFeedFollower::~ChangeFeedFollower() { Stop(); }

void ChangeFeedFollower::Start() {
  thread_ = std::thread([this] { Run(); });
}

void ChangeFeedFollower::Stop() {
  client_.Stop();
  if (thread_.joinable()) {
    thread_.join();
  }
}

void ChangeFeedFollower::Run() {
  IRONORG_LOG(INFO) << "gateway cache following the " << options_.feed
                    << " change feed at " << options_.address;
  absl::Duration backoff = kMinBackoff;
  bool failing = false;
  for (;;) {
    if (client_.stopping()) {
      break;
    }

    const absl::Status status = PollOnce();
    if (status.ok()) {
      if (failing) {
        IRONORG_LOG(INFO) << "the " << options_.feed
                          << " change feed is followed again, at sequence "
                          << applied_sequence_.load();
        failing = false;
      }
      backoff = kMinBackoff;
      continue;
    }

    if (client_.stopping()) {
      break;
    }
    if (status.code() == absl::StatusCode::kOutOfRange) {
      IRONORG_LOG(WARNING) << "the " << options_.feed
                           << " change feed is behind the gateway's cursor "
                           << applied_sequence_.load()
                           << "; dropping the cache and starting again from "
                              "the newest change";
      has_cursor_ = false;
      callbacks_.reset();
    } else if (!failing) {
      IRONORG_LOG(WARNING) << "cannot read the " << options_.feed
                           << " change feed at " << options_.address
                           << ", so the gateway cache is bypassed until it "
                              "is read again; retrying with backoff: "
                           << status;
    }
    failing = true;
    if (!client_.Backoff(backoff)) {
      break;
    }
    backoff = std::min(backoff * 2, kMaxBackoff);
  }
  IRONORG_LOG(INFO) << "gateway cache stopped following the " << options_.feed
                    << " change feed at sequence " << applied_sequence_.load();
}

absl::Status ChangeFeedFollower::PollOnce() {
  const absl::Time sent = absl::Now();
  if (!has_cursor_) {
    absl::StatusOr<ListChangesResponse> newest =
        client_.Fetch(0, 1, absl::ZeroDuration());
    if (!newest.ok()) {
      return newest.status();
    }
    // Entries stored before this point may predate changes the follower
    // will never see, so they go.
    callbacks_.reset();
    applied_sequence_ = newest->latest_sequence();
    has_cursor_ = true;
    callbacks_.current(sent);
    return absl::OkStatus();
  }

  absl::StatusOr<ListChangesResponse> response =
      client_.Fetch(applied_sequence_.load(), kMaxChanges, options_.max_wait);
  if (!response.ok()) {
    return response.status();
  }
  for (const Change& change : response->changes()) {
    callbacks_.apply(change);
    applied_sequence_ = change.sequence();
  }
  // A full batch may leave changes behind; the follower is current only
  // once it has read up to the newest change of the response.
  if (applied_sequence_.load() >= response->latest_sequence()) {
    callbacks_.current(sent);
  }
  return absl::OkStatus();
}

}  // namespace ironorg::gateway

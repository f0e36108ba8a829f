#include "common/change_feed_client.h"

#include <string>
#include <utility>

#include "absl/time/clock.h"

namespace ironorg::change_feed {

using ::ironorg::changes::v1::InternalChangeFeedService;
using ::ironorg::changes::v1::ListChangesRequest;
using ::ironorg::changes::v1::ListChangesResponse;
using ::ironorg::identity::v1::Principal;

ChangeFeedClient::ChangeFeedClient(std::shared_ptr<grpc::Channel> channel,
                                   InternalCredential credential,
                                   absl::Duration call_slack)
    : credential_(std::move(credential)),
      call_slack_(call_slack),
      stub_(InternalChangeFeedService::NewStub(std::move(channel))) {}

absl::StatusOr<ListChangesResponse> ChangeFeedClient::Fetch(
    int64_t after_sequence, int max_changes, absl::Duration max_wait) {
  const std::string method =
      MethodPath(InternalChangeFeedService::service_full_name(), "ListChanges");
  Principal principal;
  principal.set_kind(Principal::KIND_SERVICE);

  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + max_wait + call_slack_));
  credential_.Sign(method, principal, &context);

  ListChangesRequest request;
  request.set_after_sequence(after_sequence);
  request.set_max_changes(max_changes);
  request.mutable_max_wait()->set_seconds(absl::ToInt64Seconds(max_wait));
  request.mutable_max_wait()->set_nanos(static_cast<int32_t>(
      absl::ToInt64Nanoseconds(max_wait % absl::Seconds(1))));

  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_) {
      return absl::CancelledError("the change feed client is stopping");
    }
    active_call_ = &context;
  }
  ListChangesResponse response;
  const grpc::Status status = stub_->ListChanges(&context, request, &response);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    active_call_ = nullptr;
  }

  if (!status.ok()) {
    return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                        status.error_message());
  }
  return response;
}

bool ChangeFeedClient::Backoff(absl::Duration delay) {
  std::unique_lock<std::mutex> lock(mutex_);
  stop_signal_.wait_until(lock, absl::ToChronoTime(absl::Now() + delay),
                          [this] { return stopping_; });
  return !stopping_;
}

void ChangeFeedClient::Stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
    if (active_call_ != nullptr) {
      active_call_->TryCancel();
    }
  }
  stop_signal_.notify_all();
}

bool ChangeFeedClient::stopping() {
  std::lock_guard<std::mutex> lock(mutex_);
  return stopping_;
}

}  // namespace ironorg::change_feed

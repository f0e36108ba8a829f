#include "common/change_feed_consumer.h"

#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/log.h"
#include "common/status_macros.h"

namespace ironorg::change_feed {

using ::ironorg::changes::v1::Change;
using ::ironorg::changes::v1::InternalChangeFeedService;
using ::ironorg::changes::v1::ListChangesRequest;
using ::ironorg::changes::v1::ListChangesResponse;
using ::ironorg::identity::v1::Principal;

namespace {

// Extra time, beyond the requested wait, for the server to send its
// response.
constexpr absl::Duration kCallSlack = absl::Seconds(5);

absl::StatusOr<int64_t> SelectCursor(sqlite::Connection& connection,
                                     absl::string_view feed) {
  IRONORG_ASSIGN_OR_RETURN(
      sqlite::Statement * select,
      connection.Prepare(
          "SELECT sequence FROM change_feed_cursors WHERE feed = ?1"));
  select->Bind(1, feed);
  IRONORG_ASSIGN_OR_RETURN(const bool row, select->Step());
  return row ? select->ColumnInt(0) : 0;
}

}  // namespace

absl::StatusOr<int64_t> LoadCursor(sqlite::Database& database,
                                   absl::string_view feed) {
  int64_t cursor = 0;
  IRONORG_RETURN_IF_ERROR(
      database.Read([&](sqlite::Connection& connection) -> absl::Status {
        IRONORG_ASSIGN_OR_RETURN(cursor, SelectCursor(connection, feed));
        return absl::OkStatus();
      }));
  return cursor;
}

ChangeFeedConsumer::ChangeFeedConsumer(ConsumerOptions options,
                                       InternalCredential credential,
                                       sqlite::Database* database,
                                       ApplyChange apply)
    : options_(std::move(options)),
      credential_(std::move(credential)),
      database_(database),
      apply_(std::move(apply)),
      stub_(InternalChangeFeedService::NewStub(grpc::CreateChannel(
          options_.address, grpc::InsecureChannelCredentials()))),
      lag_(metrics::Registry::Default().AddGauge(
          "ironorg_change_feed_lag",
          "Changes the feed reported beyond the last one this consumer "
          "applied, as of the feed's last response.",
          {"feed"})),
      applied_total_(metrics::Registry::Default().AddCounter(
          "ironorg_change_feed_applied_total",
          "Changes this consumer applied from the feed.", {"feed"})) {
  // Both series exist from the start, so a scrape shows the feed before
  // its first change.
  lag_.Add({options_.feed}, 0);
  applied_total_.Increment({options_.feed}, 0);
}

ChangeFeedConsumer::~ChangeFeedConsumer() { Stop(); }

void ChangeFeedConsumer::Start() {
  thread_ = std::thread([this] { Run(); });
}

void ChangeFeedConsumer::Stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
    if (active_call_ != nullptr) {
      active_call_->TryCancel();
    }
  }
  stop_signal_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
  }
}

void ChangeFeedConsumer::Run() {
  absl::StatusOr<int64_t> cursor = LoadCursor(*database_, options_.feed);
  if (cursor.ok()) {
    applied_sequence_ = *cursor;
  }
  IRONORG_LOG(INFO) << "following the " << options_.feed << " change feed at "
                    << options_.address << " after sequence "
                    << applied_sequence_.load();

  absl::Duration backoff = options_.min_backoff;
  bool failing = false;
  for (;;) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (stopping_) {
        break;
      }
    }

    const absl::StatusOr<int> applied = PollOnce(options_.max_wait);
    if (applied.ok()) {
      if (failing) {
        IRONORG_LOG(INFO) << "the " << options_.feed
                          << " change feed is followed again, at sequence "
                          << applied_sequence_.load();
        failing = false;
      }
      backoff = options_.min_backoff;
      continue;
    }

    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (stopping_) {
        break;
      }
    }
    const absl::StatusCode code = applied.status().code();
    if (code == absl::StatusCode::kUnavailable ||
        code == absl::StatusCode::kDeadlineExceeded) {
      if (!failing) {
        IRONORG_LOG(WARNING)
            << "cannot reach the " << options_.feed << " change feed at "
            << options_.address << ", retrying with backoff: "
            << applied.status();
      }
    } else {
      IRONORG_LOG(ERROR) << "following the " << options_.feed
                         << " change feed failed after sequence "
                         << applied_sequence_.load()
                         << ", retrying in " << absl::FormatDuration(backoff)
                         << ": " << applied.status();
    }
    failing = true;
    if (!Backoff(backoff)) {
      break;
    }
    backoff = std::min(backoff * 2, options_.max_backoff);
  }
  IRONORG_LOG(INFO) << "stopped following the " << options_.feed
                    << " change feed at sequence " << applied_sequence_.load();
}

absl::StatusOr<int> ChangeFeedConsumer::PollOnce(absl::Duration max_wait) {
  IRONORG_ASSIGN_OR_RETURN(const ListChangesResponse response,
                           Fetch(max_wait));
  latest_sequence_ = response.latest_sequence();
  absl::StatusOr<int> applied = 0;
  if (response.changes_size() > 0) {
    applied = Apply(response);
  }
  RecordProgress(applied.ok() ? *applied : 0);
  return applied;
}

void ChangeFeedConsumer::RecordProgress(int applied) {
  const int64_t lag = latest_sequence_.load() - applied_sequence_.load();
  lag_.Set({options_.feed}, static_cast<double>(std::max<int64_t>(lag, 0)));
  applied_total_.Increment({options_.feed}, static_cast<uint64_t>(applied));
}

absl::StatusOr<ListChangesResponse> ChangeFeedConsumer::Fetch(
    absl::Duration max_wait) {
  const std::string method =
      MethodPath(InternalChangeFeedService::service_full_name(), "ListChanges");
  Principal principal;
  principal.set_kind(Principal::KIND_SERVICE);

  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + max_wait + kCallSlack));
  credential_.Sign(method, principal, &context);

  ListChangesRequest request;
  request.set_after_sequence(applied_sequence_.load());
  request.set_max_changes(options_.max_changes);
  request.mutable_max_wait()->set_seconds(
      absl::ToInt64Seconds(max_wait));
  request.mutable_max_wait()->set_nanos(static_cast<int32_t>(
      absl::ToInt64Nanoseconds(max_wait % absl::Seconds(1))));

  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_) {
      return absl::CancelledError("the consumer is stopping");
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

absl::StatusOr<int> ChangeFeedConsumer::Apply(
    const ListChangesResponse& response) {
  int applied = 0;
  int64_t cursor = 0;
  IRONORG_RETURN_IF_ERROR(database_->Write([&](sqlite::Connection& connection)
                                               -> absl::Status {
    IRONORG_ASSIGN_OR_RETURN(cursor, SelectCursor(connection, options_.feed));
    for (const Change& change : response.changes()) {
      if (change.sequence() <= cursor) {
        continue;
      }
      IRONORG_RETURN_IF_ERROR(apply_(connection, change));
      cursor = change.sequence();
      ++applied;
    }
    IRONORG_ASSIGN_OR_RETURN(
        sqlite::Statement * upsert,
        connection.Prepare("INSERT INTO change_feed_cursors (feed, sequence) "
                           "VALUES (?1, ?2) ON CONFLICT (feed) DO UPDATE "
                           "SET sequence = excluded.sequence"));
    return upsert->Bind(1, options_.feed).Bind(2, cursor).Run();
  }));
  applied_sequence_ = cursor;
  return applied;
}

bool ChangeFeedConsumer::Backoff(absl::Duration delay) {
  std::unique_lock<std::mutex> lock(mutex_);
  stop_signal_.wait_until(lock, absl::ToChronoTime(absl::Now() + delay),
                          [this] { return stopping_; });
  return !stopping_;
}

}  // namespace ironorg::change_feed

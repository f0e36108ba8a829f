#include "common/change_feed_consumer.h"

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
using ::ironorg::changes::v1::ListChangesResponse;

namespace {

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
      database_(database),
      apply_(std::move(apply)),
      client_(grpc::CreateChannel(options_.address,
                                  grpc::InsecureChannelCredentials()),
              std::move(credential)),
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
  client_.Stop();
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
    if (client_.stopping()) {
      break;
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

    if (client_.stopping()) {
      break;
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
    if (!client_.Backoff(backoff)) {
      break;
    }
    backoff = std::min(backoff * 2, options_.max_backoff);
  }
  IRONORG_LOG(INFO) << "stopped following the " << options_.feed
                    << " change feed at sequence " << applied_sequence_.load();
}

absl::StatusOr<int> ChangeFeedConsumer::PollOnce(absl::Duration max_wait) {
  IRONORG_ASSIGN_OR_RETURN(
      const ListChangesResponse response,
      client_.Fetch(applied_sequence_.load(), options_.max_changes, max_wait));
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

}  // namespace ironorg::change_feed

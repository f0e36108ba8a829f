// The consuming side of a change feed: a thread that follows another
// service's InternalChangeFeedService and applies each change to this
// service's own database.
//
// Exactly once: each batch of changes is applied in one write transaction
// that also moves the consumer's cursor, stored in the table
// `change_feed_cursors` of the same database. A crash before the commit
// leaves neither the changes nor the cursor, so the batch is fetched and
// applied again. A crash after the commit leaves both. Inside the transaction,
// changes at or below the stored cursor are skipped, so a batch fetched
// twice is applied once.
//
// Failures: when the feed cannot be reached, the consumer retries with an
// exponential backoff and logs a WARNING when the outage starts and an
// INFO line when it ends. When applying fails, the batch is rolled back and
// retried the same way, logged as an ERROR each time, because the feed
// cannot move past a change it did not apply.
//
// Metrics, in metrics::Registry::Default() by the feed's name:
// ironorg_change_feed_lag{feed} is how many changes the feed reported
// beyond the last one applied, as of the last response (0 until the first
// one), and ironorg_change_feed_applied_total{feed} counts applied changes.
//
// Thread-safe: Start and Stop may be called from any thread; the
// accessors may be read while the thread runs.
#ifndef IRONORG_COMMON_CHANGE_FEED_CONSUMER_H_
#define IRONORG_COMMON_CHANGE_FEED_CONSUMER_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/change_feed_client.h"
#include "common/internal_auth.h"
#include "common/metrics.h"
#include "common/sqlite.h"
#include "ironorg/changes/v1/change_feed.grpc.pb.h"

namespace ironorg::change_feed {

// The table of consumer cursors, for a consuming store's migrations.
inline constexpr char kCursorTableSql[] = R"sql(
CREATE TABLE change_feed_cursors (
  feed TEXT PRIMARY KEY,
  sequence INTEGER NOT NULL
);
)sql";

// Returns the stored cursor of `feed`: the sequence of the last change
// applied, or 0 if none was.
absl::StatusOr<int64_t> LoadCursor(sqlite::Database& database,
                                   absl::string_view feed);

// Applies one change inside the consumer's write transaction. It must
// ignore change types it does not handle, and it must not start a
// transaction of its own. An error rolls the whole batch back.
using ApplyChange = std::function<absl::Status(
    sqlite::Connection&, const ironorg::changes::v1::Change&)>;

struct ConsumerOptions {
  // The feed's name in `change_feed_cursors` and in log lines, such as
  // "identity".
  std::string feed;
  // host:port of the service that serves the feed.
  std::string address;
  // How long one ListChanges call waits on the server for a new change.
  absl::Duration max_wait = absl::Seconds(10);
  // The maximum number of changes applied in one transaction.
  int max_changes = 100;
  // The first and the longest delay between retries after a failure.
  absl::Duration min_backoff = absl::Milliseconds(100);
  absl::Duration max_backoff = absl::Seconds(5);
};

class ChangeFeedConsumer final {
 public:
  // `database` must outlive the consumer and contain the table of
  // kCursorTableSql.
  ChangeFeedConsumer(ConsumerOptions options, InternalCredential credential,
                     sqlite::Database* database, ApplyChange apply);

  // Stops the thread if it runs.
  ~ChangeFeedConsumer();

  ChangeFeedConsumer(const ChangeFeedConsumer&) = delete;
  ChangeFeedConsumer& operator=(const ChangeFeedConsumer&) = delete;

  // Starts the thread.
  // REQUIRES: Start has not been called before.
  void Start();

  // Cancels the call in flight, wakes a backoff and joins the thread. A
  // batch being applied is committed or rolled back first, never cut.
  void Stop();

  // Fetches one batch (waiting up to `max_wait` for it) and applies it.
  // Returns the number of changes applied. Used by the thread, and by
  // tests that need no thread.
  absl::StatusOr<int> PollOnce(absl::Duration max_wait);

  // The sequence of the last change applied, as stored.
  int64_t applied_sequence() const { return applied_sequence_.load(); }

  // The newest sequence the feed reported on the last successful call.
  int64_t latest_sequence() const { return latest_sequence_.load(); }

 private:
  void Run();

  // Applies `changes` and moves the cursor in one transaction. Returns
  // how many were applied.
  absl::StatusOr<int> Apply(
      const ironorg::changes::v1::ListChangesResponse& changes);

  // Sets the lag gauge from the two sequences and counts `applied`.
  void RecordProgress(int applied);

  const ConsumerOptions options_;
  sqlite::Database* const database_;
  const ApplyChange apply_;
  ChangeFeedClient client_;
  metrics::Gauge& lag_;
  metrics::Counter& applied_total_;

  std::atomic<int64_t> applied_sequence_{0};
  std::atomic<int64_t> latest_sequence_{0};

  std::thread thread_;
};

}  // namespace ironorg::change_feed

#endif  // IRONORG_COMMON_CHANGE_FEED_CONSUMER_H_

// The serving side of a change feed: InternalChangeFeedService over the
// `outbox` table of a service's own database.
//
// The outbox must have the columns
//   outbox (sequence INTEGER PRIMARY KEY AUTOINCREMENT, type, resource,
//           user_name, organization_id, create_time)
// and every row is written in the same transaction as the change it
// records (common/store_records.h InsertOutboxEvent). AUTOINCREMENT keeps
// sequences increasing and never reused, even after rows are deleted, so
// a consumer's cursor stays valid.
//
// Thread-safe: OutboxFeed keeps no state besides the database pointer, and
// sqlite::Database is thread-safe.
#ifndef IRONORG_COMMON_CHANGE_FEED_H_
#define IRONORG_COMMON_CHANGE_FEED_H_

#include <grpcpp/server_context.h>
#include <grpcpp/support/status.h>

#include <functional>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/internal_auth.h"
#include "common/sqlite.h"
#include "ironorg/changes/v1/change_feed.grpc.pb.h"
#include "ironorg/identity/v1/principal.pb.h"

namespace ironorg::change_feed {

// The limits of ListChangesRequest.
inline constexpr int kDefaultMaxChanges = 100;
inline constexpr int kMaxMaxChanges = 1000;
inline constexpr absl::Duration kMaxWait = absl::Seconds(30);

class OutboxFeed final {
 public:
  // `database` must outlive the feed.
  explicit OutboxFeed(sqlite::Database* database) : database_(database) {}

  // Returns the changes after `request.after_sequence`, waiting for one up
  // to `request.max_wait` (at most kMaxWait) or `call_deadline`, whichever
  // comes first. `cancelled` is polled while waiting; it returns true when
  // the caller has gone, and the call then returns what it has.
  //
  // Returns:
  //   PERMISSION_DENIED unless `caller` is a KIND_SERVICE principal,
  //                     because a feed names users and resources of every
  //                     organization.
  //   INVALID_ARGUMENT  naming `after_sequence`, `max_changes` or
  //                     `max_wait` when one is negative.
  //   OUT_OF_RANGE      when `after_sequence` is beyond the newest change.
  //   UNAVAILABLE       when the database is busy.
  absl::StatusOr<ironorg::changes::v1::ListChangesResponse> ListChanges(
      const ironorg::identity::v1::Principal& caller,
      const ironorg::changes::v1::ListChangesRequest& request,
      absl::Time call_deadline, const std::function<bool()>& cancelled);

 private:
  // Reads up to `max_changes` changes after `after_sequence` and the
  // newest sequence, in one read transaction.
  absl::StatusOr<ironorg::changes::v1::ListChangesResponse> ReadChanges(
      int64_t after_sequence, int max_changes);

  sqlite::Database* database_;
};

// The gRPC adapter of OutboxFeed.
class ChangeFeedGrpcService final
    : public ironorg::changes::v1::InternalChangeFeedService::Service {
 public:
  // Both must outlive the service.
  ChangeFeedGrpcService(OutboxFeed* feed,
                        const InternalCredential* credential)
      : feed_(feed), credential_(credential) {}

  grpc::Status ListChanges(
      grpc::ServerContext* context,
      const ironorg::changes::v1::ListChangesRequest* request,
      ironorg::changes::v1::ListChangesResponse* response) override;

 private:
  OutboxFeed* feed_;
  const InternalCredential* credential_;
};

}  // namespace ironorg::change_feed

#endif  // IRONORG_COMMON_CHANGE_FEED_H_

#include "common/change_feed.h"

#include <algorithm>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/errors.h"
#include "common/grpc_handler.h"
#include "common/names.h"
#include "common/status_macros.h"
#include "common/time_util.h"

namespace ironorg::change_feed {

using ::ironorg::changes::v1::Change;
using ::ironorg::changes::v1::InternalChangeFeedService;
using ::ironorg::changes::v1::ListChangesRequest;
using ::ironorg::changes::v1::ListChangesResponse;
using ::ironorg::identity::v1::Principal;

namespace {

// How often a waiting call checks whether its caller has gone. A commit
// wakes it at once; this only bounds how long a cancelled call lingers.
constexpr absl::Duration kCancelCheckInterval = absl::Milliseconds(250);

absl::Duration FromProtoDuration(const google::protobuf::Duration& duration) {
  return absl::Seconds(duration.seconds()) +
         absl::Nanoseconds(duration.nanos());
}

}  // namespace

absl::StatusOr<ListChangesResponse> OutboxFeed::ListChanges(
    const Principal& caller, const ListChangesRequest& request,
    absl::Time call_deadline, const std::function<bool()>& cancelled) {
  if (caller.kind() != Principal::KIND_SERVICE) {
    return errors::PermissionDenied(
        "the change feed is served to peer services holding the internal "
        "credential only");
  }
  if (request.after_sequence() < 0) {
    return errors::InvalidArgument(
        "after_sequence",
        absl::StrCat("after_sequence must be 0 or more, got ",
                     request.after_sequence()));
  }
  if (request.max_changes() < 0) {
    return errors::InvalidArgument(
        "max_changes", absl::StrCat("max_changes must be between 0 and ",
                                    kMaxMaxChanges, ", got ",
                                    request.max_changes()));
  }
  const absl::Duration max_wait = FromProtoDuration(request.max_wait());
  if (max_wait < absl::ZeroDuration()) {
    return errors::InvalidArgument(
        "max_wait", absl::StrCat("max_wait must not be negative, got ",
                                 absl::FormatDuration(max_wait)));
  }
  const int max_changes =
      request.max_changes() == 0
          ? kDefaultMaxChanges
          : std::min(request.max_changes(), kMaxMaxChanges);
  const absl::Time deadline =
      std::min(absl::Now() + std::min(max_wait, kMaxWait), call_deadline);

  for (;;) {
    // Read the commit count before the rows, so that a commit between the
    // read and the wait still wakes the wait.
    const uint64_t commits_seen = database_->commit_count();
    IRONORG_ASSIGN_OR_RETURN(
        ListChangesResponse response,
        ReadChanges(request.after_sequence(), max_changes));
    if (request.after_sequence() > response.latest_sequence()) {
      return absl::OutOfRangeError(absl::StrCat(
          "after_sequence ", request.after_sequence(),
          " is beyond the newest change, ", response.latest_sequence(),
          "; the feed's database was replaced or restored, so reset the "
          "consumer's cursor"));
    }
    if (response.changes_size() > 0 || absl::Now() >= deadline ||
        cancelled()) {
      return response;
    }
    database_->WaitForCommit(
        commits_seen, std::min(deadline, absl::Now() + kCancelCheckInterval));
  }
}

absl::StatusOr<ListChangesResponse> OutboxFeed::ReadChanges(
    int64_t after_sequence, int max_changes) {
  ListChangesResponse response;
  IRONORG_RETURN_IF_ERROR(database_->Read([&](sqlite::Connection& connection)
                                              -> absl::Status {
    IRONORG_ASSIGN_OR_RETURN(
        sqlite::Statement * select,
        connection.Prepare(
            "SELECT sequence, type, organization_id, resource, user_name, "
            "create_time FROM outbox WHERE sequence > ?1 "
            "ORDER BY sequence LIMIT ?2"));
    select->Bind(1, after_sequence).Bind(2, int64_t{max_changes});
    for (;;) {
      IRONORG_ASSIGN_OR_RETURN(const bool row, select->Step());
      if (!row) {
        break;
      }
      Change* change = response.add_changes();
      change->set_sequence(select->ColumnInt(0));
      change->set_type(select->ColumnText(1));
      change->set_organization(names::Organization(select->ColumnText(2)));
      change->set_resource(select->ColumnText(3));
      change->set_user(select->ColumnText(4));
      *change->mutable_create_time() = ToTimestamp(select->ColumnInt(5));
    }

    IRONORG_ASSIGN_OR_RETURN(
        sqlite::Statement * latest,
        connection.Prepare("SELECT COALESCE(MAX(sequence), 0) FROM outbox"));
    IRONORG_ASSIGN_OR_RETURN(const bool has_row, latest->Step());
    if (has_row) {
      response.set_latest_sequence(latest->ColumnInt(0));
    }
    return absl::OkStatus();
  }));
  return response;
}

grpc::Status ChangeFeedGrpcService::ListChanges(
    grpc::ServerContext* context, const ListChangesRequest* request,
    ListChangesResponse* response) {
  const absl::Time call_deadline = absl::FromChrono(context->deadline());
  return HandleVerifiedCall(
      *credential_,
      MethodPath(InternalChangeFeedService::service_full_name(),
                 "ListChanges"),
      *context, response, [&](const Principal& caller) {
        return feed_->ListChanges(caller, *request, call_deadline,
                                  [context] { return context->IsCancelled(); });
      });
}

}  // namespace ironorg::change_feed

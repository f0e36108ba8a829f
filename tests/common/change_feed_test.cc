// OutboxFeed, its gRPC adapter and ChangeFeedConsumer, with a producer and
// a consumer database in temporary SQLite files and the feed served on a
// free loopback port.
#include "common/change_feed.h"

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/change_feed_consumer.h"
#include "common/names.h"
#include "common/server.h"
#include "common/status_macros.h"
#include "common/store_records.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/scoped_temp_dir.h"

namespace ironorg::change_feed {
namespace {

using ::ironorg::changes::v1::Change;
using ::ironorg::changes::v1::ListChangesRequest;
using ::ironorg::changes::v1::ListChangesResponse;
using ::ironorg::identity::v1::Principal;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr char kSecret[] = "0123456789abcdef0123456789abcdef";

const std::vector<std::string>& ProducerMigrations() {
  static const auto* const kMigrations = new std::vector<std::string>{R"sql(
CREATE TABLE outbox (
  sequence INTEGER PRIMARY KEY AUTOINCREMENT,
  type TEXT NOT NULL,
  resource TEXT NOT NULL,
  user_name TEXT NOT NULL,
  organization_id TEXT NOT NULL,
  create_time INTEGER NOT NULL
);
)sql"};
  return *kMigrations;
}

// The consumer's database: the cursor table and a table that records each
// applied change, whose primary key fails a change applied twice.
const std::vector<std::string>& ConsumerMigrations() {
  static const auto* const kMigrations = new std::vector<std::string>{
      absl::StrCat(kCursorTableSql, R"sql(
CREATE TABLE applied (
  sequence INTEGER PRIMARY KEY,
  type TEXT NOT NULL,
  resource TEXT NOT NULL
);
)sql")};
  return *kMigrations;
}

std::unique_ptr<sqlite::Database> OpenDatabase(
    const std::string& path, const std::vector<std::string>& migrations) {
  absl::StatusOr<std::unique_ptr<sqlite::Database>> database =
      sqlite::Database::Open(path, migrations);
  EXPECT_TRUE(database.ok()) << database.status();
  return database.ok() ? *std::move(database) : nullptr;
}

// Commits one outbox row per resource, each in its own transaction.
void Publish(sqlite::Database& database, const std::vector<std::string>& ids,
             absl::string_view user_name = "") {
  for (const std::string& id : ids) {
    const absl::Status status =
        database.Write([&](sqlite::Connection& connection) {
          return InsertOutboxEvent(connection, "user.deleted", "o1",
                                   names::Child("o1", "users", id), user_name,
                                   absl::ToUnixMicros(absl::Now()));
        });
    ASSERT_TRUE(status.ok()) << status;
  }
}

Principal ServicePrincipal() {
  Principal principal;
  principal.set_kind(Principal::KIND_SERVICE);
  return principal;
}

ListChangesRequest Request(int64_t after_sequence, int max_changes = 0) {
  ListChangesRequest request;
  request.set_after_sequence(after_sequence);
  request.set_max_changes(max_changes);
  return request;
}

std::vector<int64_t> Sequences(const ListChangesResponse& response) {
  std::vector<int64_t> sequences;
  for (const Change& change : response.changes()) {
    sequences.push_back(change.sequence());
  }
  return sequences;
}

class OutboxFeedTest : public ::testing::Test {
 protected:
  void SetUp() override {
    database_ = OpenDatabase(directory_.path() + "/producer.db",
                             ProducerMigrations());
    ASSERT_NE(database_, nullptr);
  }

  absl::StatusOr<ListChangesResponse> List(const ListChangesRequest& request,
                                           const Principal& caller =
                                               ServicePrincipal()) {
    return feed_.ListChanges(caller, request, absl::InfiniteFuture(),
                             [] { return false; });
  }

  test::ScopedTempDir directory_;
  std::unique_ptr<sqlite::Database> database_;
  OutboxFeed feed_{nullptr};
};

TEST_F(OutboxFeedTest, ListChangesReturnsChangesInOrder) {
  feed_ = OutboxFeed(database_.get());
  Publish(*database_, {"u1", "u2", "u3"}, "");

  const absl::StatusOr<ListChangesResponse> response = List(Request(0));

  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_THAT(Sequences(*response), ElementsAre(1, 2, 3));
  EXPECT_EQ(response->latest_sequence(), 3);
  EXPECT_EQ(response->changes(0).type(), "user.deleted");
  EXPECT_EQ(response->changes(0).organization(), "organizations/o1");
  EXPECT_EQ(response->changes(0).resource(), "organizations/o1/users/u1");
  EXPECT_TRUE(response->changes(0).has_create_time());
}

TEST_F(OutboxFeedTest, ListChangesStartsAfterSequence) {
  feed_ = OutboxFeed(database_.get());
  Publish(*database_, {"u1", "u2", "u3"});

  const absl::StatusOr<ListChangesResponse> response = List(Request(2));

  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_THAT(Sequences(*response), ElementsAre(3));
}

TEST_F(OutboxFeedTest, ListChangesHonorsMaxChanges) {
  feed_ = OutboxFeed(database_.get());
  Publish(*database_, {"u1", "u2", "u3"});

  const absl::StatusOr<ListChangesResponse> response = List(Request(0, 2));

  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_THAT(Sequences(*response), ElementsAre(1, 2));
  EXPECT_EQ(response->latest_sequence(), 3);
}

TEST_F(OutboxFeedTest, ListChangesCarriesGrantUser) {
  feed_ = OutboxFeed(database_.get());
  Publish(*database_, {"u1"}, "organizations/o1/users/u9");

  const absl::StatusOr<ListChangesResponse> response = List(Request(0));

  ASSERT_TRUE(response.ok()) << response.status();
  ASSERT_EQ(response->changes_size(), 1);
  EXPECT_EQ(response->changes(0).user(), "organizations/o1/users/u9");
}

TEST_F(OutboxFeedTest, EmptyFeedReturnsNothing) {
  feed_ = OutboxFeed(database_.get());

  const absl::StatusOr<ListChangesResponse> response = List(Request(0));

  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->changes_size(), 0);
  EXPECT_EQ(response->latest_sequence(), 0);
}

TEST_F(OutboxFeedTest, CursorBeyondFeedIsOutOfRange) {
  feed_ = OutboxFeed(database_.get());
  Publish(*database_, {"u1"});

  const absl::StatusOr<ListChangesResponse> response = List(Request(5));

  EXPECT_EQ(response.status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_THAT(response.status().message(), HasSubstr("after_sequence 5"));
}

TEST_F(OutboxFeedTest, NegativeValuesAreInvalid) {
  feed_ = OutboxFeed(database_.get());
  ListChangesRequest negative_wait = Request(0);
  negative_wait.mutable_max_wait()->set_seconds(-1);

  const absl::StatusOr<ListChangesResponse> after = List(Request(-1));
  const absl::StatusOr<ListChangesResponse> max = List(Request(0, -1));
  const absl::StatusOr<ListChangesResponse> wait = List(negative_wait);

  EXPECT_EQ(after.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(after.status().message(), HasSubstr("after_sequence"));
  EXPECT_EQ(max.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(max.status().message(), HasSubstr("max_changes"));
  EXPECT_EQ(wait.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(wait.status().message(), HasSubstr("max_wait"));
}

TEST_F(OutboxFeedTest, UserCallerIsDenied) {
  feed_ = OutboxFeed(database_.get());
  Principal user;
  user.set_kind(Principal::KIND_USER_ACCESS_TOKEN);
  user.set_organization("organizations/o1");
  user.set_user("organizations/o1/users/u1");
  user.set_role(ironorg::identity::v1::ROLE_ADMIN);

  const absl::StatusOr<ListChangesResponse> response = List(Request(0), user);

  EXPECT_EQ(response.status().code(), absl::StatusCode::kPermissionDenied);
}

TEST_F(OutboxFeedTest, WaitingCallReturnsCommittedChange) {
  feed_ = OutboxFeed(database_.get());
  ListChangesRequest request = Request(0);
  request.mutable_max_wait()->set_seconds(30);

  absl::StatusOr<ListChangesResponse> response;
  std::thread waiter([&] { response = List(request); });
  Publish(*database_, {"u1"});
  waiter.join();

  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_THAT(Sequences(*response), ElementsAre(1));
}

TEST_F(OutboxFeedTest, CancelledCallReturnsEmpty) {
  feed_ = OutboxFeed(database_.get());
  ListChangesRequest request = Request(0);
  request.mutable_max_wait()->set_seconds(30);

  const absl::StatusOr<ListChangesResponse> response = feed_.ListChanges(
      ServicePrincipal(), request, absl::InfiniteFuture(),
      [] { return true; });

  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->changes_size(), 0);
}

// A producer serving its feed on a free loopback port and a consumer
// database that records what it applied.
class ChangeFeedConsumerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<InternalCredential> credential =
        InternalCredential::Create(kSecret);
    ASSERT_TRUE(credential.ok()) << credential.status();
    credential_ = std::make_unique<InternalCredential>(*std::move(credential));

    producer_ = OpenDatabase(directory_.path() + "/producer.db",
                             ProducerMigrations());
    consumer_database_ = OpenDatabase(directory_.path() + "/consumer.db",
                                      ConsumerMigrations());
    ASSERT_NE(producer_, nullptr);
    ASSERT_NE(consumer_database_, nullptr);

    feed_ = std::make_unique<OutboxFeed>(producer_.get());
    feed_service_ =
        std::make_unique<ChangeFeedGrpcService>(feed_.get(), credential_.get());
    ServerConfig config;
    config.listen_address = "127.0.0.1:0";
    absl::StatusOr<std::unique_ptr<RunningServer>> server =
        RunningServer::Start(config, {feed_service_.get()});
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
  }

  void TearDown() override {
    if (server_ != nullptr) {
      server_->Shutdown();
    }
  }

  std::unique_ptr<ChangeFeedConsumer> MakeConsumer(ApplyChange apply) {
    ConsumerOptions options;
    options.feed = "producer";
    options.address = server_->address();
    options.max_changes = 2;
    options.max_wait = absl::Seconds(5);
    return std::make_unique<ChangeFeedConsumer>(
        options, *credential_, consumer_database_.get(), std::move(apply));
  }

  static absl::Status RecordChange(sqlite::Connection& connection,
                                   const Change& change) {
    IRONORG_ASSIGN_OR_RETURN(
        sqlite::Statement * insert,
        connection.Prepare(
            "INSERT INTO applied (sequence, type, resource) VALUES (?, ?, ?)"));
    return insert->Bind(1, change.sequence())
        .Bind(2, change.type())
        .Bind(3, change.resource())
        .Run();
  }

  std::vector<int64_t> AppliedSequences() {
    std::vector<int64_t> sequences;
    const absl::Status status =
        consumer_database_->Read([&](sqlite::Connection& connection) {
          IRONORG_ASSIGN_OR_RETURN(
              sqlite::Statement * select,
              connection.Prepare(
                  "SELECT sequence FROM applied ORDER BY sequence"));
          for (;;) {
            IRONORG_ASSIGN_OR_RETURN(const bool row, select->Step());
            if (!row) {
              return absl::OkStatus();
            }
            sequences.push_back(select->ColumnInt(0));
          }
        });
    EXPECT_TRUE(status.ok()) << status;
    return sequences;
  }

  test::ScopedTempDir directory_;
  std::unique_ptr<InternalCredential> credential_;
  std::unique_ptr<sqlite::Database> producer_;
  std::unique_ptr<sqlite::Database> consumer_database_;
  std::unique_ptr<OutboxFeed> feed_;
  std::unique_ptr<ChangeFeedGrpcService> feed_service_;
  std::unique_ptr<RunningServer> server_;
};

TEST_F(ChangeFeedConsumerTest, PollOnceAppliesBatchAndMovesCursor) {
  Publish(*producer_, {"u1", "u2", "u3"});
  std::unique_ptr<ChangeFeedConsumer> consumer = MakeConsumer(RecordChange);

  const absl::StatusOr<int> first = consumer->PollOnce(absl::ZeroDuration());
  const absl::StatusOr<int> second = consumer->PollOnce(absl::ZeroDuration());

  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(*first, 2);
  EXPECT_EQ(*second, 1);
  EXPECT_THAT(AppliedSequences(), ElementsAre(1, 2, 3));
  EXPECT_EQ(consumer->applied_sequence(), 3);
  EXPECT_EQ(consumer->latest_sequence(), 3);
  const absl::StatusOr<int64_t> cursor =
      LoadCursor(*consumer_database_, "producer");
  ASSERT_TRUE(cursor.ok()) << cursor.status();
  EXPECT_EQ(*cursor, 3);
}

TEST_F(ChangeFeedConsumerTest, FailedApplyRollsBackBatch) {
  Publish(*producer_, {"u1", "u2"});
  std::unique_ptr<ChangeFeedConsumer> consumer =
      MakeConsumer([](sqlite::Connection& connection, const Change& change) {
        IRONORG_RETURN_IF_ERROR(RecordChange(connection, change));
        if (change.sequence() == 2) {
          return absl::InternalError("planted failure");
        }
        return absl::OkStatus();
      });

  const absl::StatusOr<int> applied = consumer->PollOnce(absl::ZeroDuration());

  EXPECT_EQ(applied.status().code(), absl::StatusCode::kInternal);
  EXPECT_THAT(AppliedSequences(), ElementsAre());
  EXPECT_EQ(consumer->applied_sequence(), 0);
}

TEST_F(ChangeFeedConsumerTest, RestartedConsumerAppliesNothingTwice) {
  Publish(*producer_, {"u1", "u2"});
  {
    std::unique_ptr<ChangeFeedConsumer> first = MakeConsumer(RecordChange);
    const absl::StatusOr<int> applied = first->PollOnce(absl::ZeroDuration());
    ASSERT_TRUE(applied.ok()) << applied.status();
  }
  Publish(*producer_, {"u3"});

  // A new consumer starts from the stored cursor; the primary key of
  // `applied` would fail the batch if 1 or 2 came again.
  std::unique_ptr<ChangeFeedConsumer> second = MakeConsumer(RecordChange);
  second->Start();
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (second->applied_sequence() < 3 && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  second->Stop();

  EXPECT_THAT(AppliedSequences(), ElementsAre(1, 2, 3));
}

TEST_F(ChangeFeedConsumerTest, RunningConsumerFollowsNewChanges) {
  std::unique_ptr<ChangeFeedConsumer> consumer = MakeConsumer(RecordChange);
  consumer->Start();

  Publish(*producer_, {"u1", "u2", "u3", "u4", "u5"});
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (consumer->applied_sequence() < 5 && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  consumer->Stop();

  EXPECT_THAT(AppliedSequences(), ElementsAre(1, 2, 3, 4, 5));
}

TEST_F(ChangeFeedConsumerTest, WrongSecretIsUnauthenticated) {
  absl::StatusOr<InternalCredential> other =
      InternalCredential::Create("fedcba9876543210fedcba9876543210");
  ASSERT_TRUE(other.ok()) << other.status();
  ConsumerOptions options;
  options.feed = "producer";
  options.address = server_->address();
  ChangeFeedConsumer consumer(options, *std::move(other),
                              consumer_database_.get(), RecordChange);

  const absl::StatusOr<int> applied = consumer.PollOnce(absl::ZeroDuration());

  EXPECT_EQ(applied.status().code(), absl::StatusCode::kUnauthenticated);
}

TEST_F(ChangeFeedConsumerTest, StopEndsWaitingConsumer) {
  std::unique_ptr<ChangeFeedConsumer> consumer = MakeConsumer(RecordChange);
  consumer->Start();

  // The consumer waits on the server for a change that never comes; Stop
  // must cancel that call rather than wait for it to end.
  consumer->Stop();

  EXPECT_EQ(consumer->applied_sequence(), 0);
}

}  // namespace
}  // namespace ironorg::change_feed

#include "services/gateway/change_feed_follower.h"

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "ironorg/changes/v1/change_feed.grpc.pb.h"

namespace ironorg::gateway {
namespace {

using ::ironorg::changes::v1::Change;
using ::ironorg::changes::v1::InternalChangeFeedService;
using ::ironorg::changes::v1::ListChangesRequest;
using ::ironorg::changes::v1::ListChangesResponse;

constexpr char kSecret[] = "an internal secret for tests, 32+ bytes long";
constexpr auto kDeadline = std::chrono::seconds(10);

// An in-memory feed that long-polls like the real one: a call without
// changes after its cursor waits for an Append or for `max_wait`.
class FakeFeed final : public InternalChangeFeedService::Service {
 public:
  grpc::Status ListChanges(grpc::ServerContext* /*context*/,
                           const ListChangesRequest* request,
                           ListChangesResponse* response) override {
    const auto wait = std::chrono::seconds(request->max_wait().seconds()) +
                      std::chrono::nanoseconds(request->max_wait().nanos());
    std::unique_lock<std::mutex> lock(mutex_);
    appended_.wait_for(lock, wait, [&] {
      return Latest() > request->after_sequence();
    });
    if (request->after_sequence() > Latest()) {
      return grpc::Status(grpc::StatusCode::OUT_OF_RANGE,
                          "after_sequence is beyond the newest change");
    }
    for (const Change& change : changes_) {
      if (change.sequence() > request->after_sequence() &&
          response->changes_size() < request->max_changes()) {
        *response->add_changes() = change;
      }
    }
    response->set_latest_sequence(Latest());
    return grpc::Status::OK;
  }

  void Append(const std::string& type, const std::string& resource) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      Change change;
      change.set_sequence(Latest() + 1);
      change.set_type(type);
      change.set_resource(resource);
      changes_.push_back(change);
    }
    appended_.notify_all();
  }

  // Empties the feed, as a replaced database would.
  void Replace() {
    std::lock_guard<std::mutex> lock(mutex_);
    changes_.clear();
  }

 private:
  int64_t Latest() const {
    return changes_.empty() ? 0 : changes_.back().sequence();
  }

  std::mutex mutex_;
  std::condition_variable appended_;
  std::vector<Change> changes_;
};

// The follower's callbacks, recorded, with a way to wait for them.
class Recorder {
 public:
  FollowerCallbacks Callbacks() {
    FollowerCallbacks callbacks;
    callbacks.apply = [this](const Change& change) {
      Update([&] { applied.push_back(change.resource()); });
    };
    callbacks.current = [this](absl::Time /*as_of*/) {
      Update([&] { ++current_reports; });
    };
    callbacks.reset = [this] { Update([&] { ++resets; }); };
    return callbacks;
  }

  // Waits up to kDeadline until `condition` is true, and returns whether
  // it became true.
  bool WaitFor(const std::function<bool()>& condition) {
    std::unique_lock<std::mutex> lock(mutex_);
    return changed_.wait_for(lock, kDeadline, condition);
  }

  // The records. Tests read them inside WaitFor's condition, which runs
  // under the mutex.
  std::vector<std::string> applied;
  int current_reports = 0;
  int resets = 0;

 private:
  void Update(const std::function<void()>& change) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      change();
    }
    changed_.notify_all();
  }

  std::mutex mutex_;
  std::condition_variable changed_;
};

class ChangeFeedFollowerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                             &port);
    builder.RegisterService(&feed_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    address_ = absl::StrCat("127.0.0.1:", port);
  }

  void TearDown() override {
    if (follower_ != nullptr) {
      follower_->Stop();
    }
    server_->Shutdown();
  }

  void StartFollower() {
    FollowerOptions options;
    options.feed = "test";
    options.address = address_;
    options.max_wait = absl::Milliseconds(100);
    follower_ = std::make_unique<ChangeFeedFollower>(
        options, *InternalCredential::Create(kSecret), recorder_.Callbacks());
    follower_->Start();
  }

  FakeFeed feed_;
  std::unique_ptr<grpc::Server> server_;
  std::string address_;
  Recorder recorder_;
  std::unique_ptr<ChangeFeedFollower> follower_;
};

TEST_F(ChangeFeedFollowerTest, StartsAtNewestChange) {
  feed_.Append("user.deleted", "old-1");
  feed_.Append("user.deleted", "old-2");
  StartFollower();
  ASSERT_TRUE(recorder_.WaitFor([&] { return recorder_.current_reports > 0; }));

  feed_.Append("user.deleted", "new-3");

  ASSERT_TRUE(recorder_.WaitFor([&] { return !recorder_.applied.empty(); }));
  EXPECT_EQ(recorder_.applied, std::vector<std::string>{"new-3"});
}

TEST_F(ChangeFeedFollowerTest, AppliesChangesInOrder) {
  StartFollower();
  ASSERT_TRUE(recorder_.WaitFor([&] { return recorder_.current_reports > 0; }));

  feed_.Append("user.deleted", "a");
  feed_.Append("user.role_changed", "b");
  feed_.Append("project.deleted", "c");

  ASSERT_TRUE(
      recorder_.WaitFor([&] { return recorder_.applied.size() >= 3; }));
  EXPECT_EQ(recorder_.applied, (std::vector<std::string>{"a", "b", "c"}));
}

TEST_F(ChangeFeedFollowerTest, KeepsReportingCurrentWhileIdle) {
  StartFollower();

  EXPECT_TRUE(
      recorder_.WaitFor([&] { return recorder_.current_reports >= 3; }));
}

TEST_F(ChangeFeedFollowerTest, ResetsWhenFeedGoesBack) {
  feed_.Append("user.deleted", "a");
  StartFollower();
  ASSERT_TRUE(recorder_.WaitFor([&] { return recorder_.current_reports > 0; }));
  const int resets_at_start = recorder_.resets;

  feed_.Replace();

  EXPECT_TRUE(recorder_.WaitFor(
      [&] { return recorder_.resets > resets_at_start; }));
}

}  // namespace
}  // namespace ironorg::gateway

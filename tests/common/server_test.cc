// Tests of server start-up on loopback.
#include "common/server.h"

#include <memory>
#include <string>

#include "gtest/gtest.h"

namespace ironorg {
namespace {

TEST(RunningServerTest, SecondServerOnSamePortFails) {
  ServerConfig first_config;
  first_config.listen_address = "127.0.0.1:0";
  absl::StatusOr<std::unique_ptr<RunningServer>> first =
      RunningServer::Start(first_config, {});
  ASSERT_TRUE(first.ok()) << first.status();

  ServerConfig second_config;
  second_config.listen_address = (*first)->address();
  absl::StatusOr<std::unique_ptr<RunningServer>> second =
      RunningServer::Start(second_config, {});

  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable);
  if (second.ok()) {
    (*second)->Shutdown();
  }
  (*first)->Shutdown();
}

}  // namespace
}  // namespace ironorg

// Tests of the shared flags: the health probe against an in-process server
// on a free loopback port, and the exits of ParseFlags.
#include "common/flags.h"

#include <grpcpp/health_check_service_interface.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "common/server.h"
#include "gtest/gtest.h"

namespace ironorg {
namespace {

std::unique_ptr<RunningServer> StartServer() {
  ServerConfig config;
  config.listen_address = "127.0.0.1:0";
  absl::StatusOr<std::unique_ptr<RunningServer>> server =
      RunningServer::Start(config, {});
  EXPECT_TRUE(server.ok()) << server.status();
  return server.ok() ? std::move(*server) : nullptr;
}

// Calls ParseFlags on `args` as a binary's main would.
void ParseArgs(std::vector<std::string> args) {
  std::vector<char*> argv;
  for (std::string& arg : args) {
    argv.push_back(arg.data());
  }
  argv.push_back(nullptr);
  ParseFlags(static_cast<int>(args.size()), argv.data(), "flags_test");
}

TEST(CheckHealthTest, ServingServerReportsServing) {
  std::unique_ptr<RunningServer> server = StartServer();
  ASSERT_NE(server, nullptr);

  absl::StatusOr<std::string> result =
      CheckHealth(server->address(), absl::Seconds(5));

  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(*result, "SERVING");
  server->Shutdown();
}

TEST(CheckHealthTest, StoppingServerReportsNotServing) {
  std::unique_ptr<RunningServer> server = StartServer();
  ASSERT_NE(server, nullptr);
  server->server()->GetHealthCheckService()->SetServingStatus(false);

  absl::StatusOr<std::string> result =
      CheckHealth(server->address(), absl::Seconds(5));

  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(*result, "NOT_SERVING");
  server->Shutdown();
}

TEST(CheckHealthTest, NothingListeningIsUnavailable) {
  std::unique_ptr<RunningServer> server = StartServer();
  ASSERT_NE(server, nullptr);
  const std::string address = server->address();
  server->Shutdown();

  absl::StatusOr<std::string> result = CheckHealth(address, absl::Seconds(5));

  EXPECT_EQ(result.status().code(), absl::StatusCode::kUnavailable);
}

TEST(ParseFlagsDeathTest, UnknownLogFormatExitsWithTwo) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(ParseArgs({"flags_test", "--log_format=xml"}),
              ::testing::ExitedWithCode(2), "invalid --log_format \"xml\"");
}

TEST(ParseFlagsDeathTest, ProbeOfServingServerExitsWithZero) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  std::unique_ptr<RunningServer> server = StartServer();
  ASSERT_NE(server, nullptr);

  EXPECT_EXIT(
      ParseArgs({"flags_test", "--health_probe=" + server->address()}),
      ::testing::ExitedWithCode(0), "");
  server->Shutdown();
}

TEST(ParseFlagsDeathTest, ProbeWithNothingListeningExitsWithOne) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  std::unique_ptr<RunningServer> server = StartServer();
  ASSERT_NE(server, nullptr);
  const std::string address = server->address();
  server->Shutdown();

  EXPECT_EXIT(ParseArgs({"flags_test", "--health_probe=" + address,
                         "--health_probe_timeout=2s"}),
              ::testing::ExitedWithCode(1), "");
}

}  // namespace
}  // namespace ironorg

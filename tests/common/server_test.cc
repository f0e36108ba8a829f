// Tests of server start-up on loopback: the gRPC port, the call metrics
// and the admin HTTP port.
#include "common/server.h"

#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/security/credentials.h>
#include <httplib.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <memory>
#include <sstream>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/metrics.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "gtest/gtest.h"
#include "ironorg/changes/v1/change_feed.grpc.pb.h"
#include "tests/testing/scoped_temp_dir.h"

namespace ironorg {
namespace {

std::unique_ptr<RunningServer> StartServer(ServerConfig config) {
  absl::StatusOr<std::unique_ptr<RunningServer>> server =
      RunningServer::Start(config, {});
  EXPECT_TRUE(server.ok()) << server.status();
  return server.ok() ? *std::move(server) : nullptr;
}

ServerConfig LoopbackConfig() {
  ServerConfig config;
  config.listen_address = "127.0.0.1:0";
  config.admin_address = "127.0.0.1:0";
  return config;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream contents;
  contents << in.rdbuf();
  return std::string(absl::StripAsciiWhitespace(contents.str()));
}

httplib::Client ClientFor(const std::string& address) {
  const size_t colon = address.rfind(':');
  return httplib::Client(address.substr(0, colon),
                         std::stoi(address.substr(colon + 1)));
}

grpc::Status CheckHealth(const std::string& address) {
  auto stub = grpc::health::v1::Health::NewStub(
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(10));
  grpc::health::v1::HealthCheckRequest request;
  grpc::health::v1::HealthCheckResponse response;
  return stub->Check(&context, request, &response);
}

uint64_t CallCount(const std::string& method, const std::string& code) {
  return metrics::Registry::Default()
      .AddCounter("ironorg_grpc_server_calls_total", "", {"method", "code"})
      .Value({method, code});
}

TEST(RunningServerTest, SecondServerOnSamePortFails) {
  std::unique_ptr<RunningServer> first = StartServer(LoopbackConfig());
  ASSERT_NE(first, nullptr);

  ServerConfig second_config = LoopbackConfig();
  second_config.listen_address = first->address();
  absl::StatusOr<std::unique_ptr<RunningServer>> second =
      RunningServer::Start(second_config, {});

  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable);
  if (second.ok()) {
    (*second)->Shutdown();
  }
  first->Shutdown();
}

TEST(RunningServerTest, CallsAreCountedByMethodAndCode) {
  std::unique_ptr<RunningServer> server = StartServer(LoopbackConfig());
  ASSERT_NE(server, nullptr);
  const std::string method = "grpc.health.v1.Health/Check";
  const uint64_t before = CallCount(method, "OK");

  ASSERT_TRUE(CheckHealth(server->address()).ok());
  ASSERT_TRUE(CheckHealth(server->address()).ok());

  EXPECT_EQ(CallCount(method, "OK"), before + 2);
  const metrics::Histogram& durations =
      metrics::Registry::Default().AddHistogram(
          "ironorg_grpc_server_call_duration_seconds", "", {"method"},
          metrics::LatencyBucketsSeconds());
  EXPECT_GE(durations.Count({method}), 2u);
  server->Shutdown();
}

TEST(RunningServerTest, FailedCallIsCountedWithItsCode) {
  std::unique_ptr<RunningServer> server = StartServer(LoopbackConfig());
  ASSERT_NE(server, nullptr);
  const std::string method =
      "ironorg.changes.v1.InternalChangeFeedService/ListChanges";
  const uint64_t before = CallCount(method, "UNIMPLEMENTED");

  // The server registers no change feed, so gRPC returns UNIMPLEMENTED.
  auto stub =
      changes::v1::InternalChangeFeedService::NewStub(grpc::CreateChannel(
          server->address(), grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  changes::v1::ListChangesRequest request;
  changes::v1::ListChangesResponse response;
  const grpc::Status status = stub->ListChanges(&context, request, &response);

  ASSERT_EQ(status.error_code(), grpc::StatusCode::UNIMPLEMENTED);
  EXPECT_EQ(CallCount(method, "UNIMPLEMENTED"), before + 1);
  server->Shutdown();
}

TEST(RunningServerTest, UnknownMethodIsCountedAsUnknown) {
  std::unique_ptr<RunningServer> server = StartServer(LoopbackConfig());
  ASSERT_NE(server, nullptr);
  const uint64_t before = CallCount("unknown", "UNIMPLEMENTED");

  grpc::GenericStub stub(grpc::CreateChannel(
      server->address(), grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  // An empty message: gRPC rejects a ByteBuffer without a slice.
  grpc::Slice empty("");
  grpc::ByteBuffer request(&empty, 1);
  grpc::ByteBuffer response;
  std::promise<grpc::Status> done;
  stub.UnaryCall(
      &context, "/no.such.v1.Service/Method", {}, &request, &response,
      [&done](grpc::Status status) { done.set_value(std::move(status)); });
  const grpc::Status status = done.get_future().get();

  ASSERT_EQ(status.error_code(), grpc::StatusCode::UNIMPLEMENTED);
  EXPECT_EQ(CallCount("unknown", "UNIMPLEMENTED"), before + 1);
  EXPECT_EQ(CallCount("no.such.v1.Service/Method", "UNIMPLEMENTED"), 0u);
  server->Shutdown();
}

TEST(RunningServerTest, AdminPortServesMetricsAndHealth) {
  std::unique_ptr<RunningServer> server = StartServer(LoopbackConfig());
  ASSERT_NE(server, nullptr);
  ASSERT_TRUE(CheckHealth(server->address()).ok());
  ASSERT_FALSE(server->admin_address().empty());

  httplib::Client client = ClientFor(server->admin_address());
  httplib::Result metrics = client.Get("/metrics");
  httplib::Result health = client.Get("/healthz");

  ASSERT_TRUE(metrics) << httplib::to_string(metrics.error());
  EXPECT_EQ(metrics->status, 200);
  EXPECT_TRUE(absl::StrContains(
      metrics->body,
      "ironorg_grpc_server_calls_total{method=\"grpc.health.v1.Health/Check\","
      "code=\"OK\"}"))
      << metrics->body;
  ASSERT_TRUE(health) << httplib::to_string(health.error());
  EXPECT_EQ(health->status, 200);
  server->Shutdown();
}

TEST(RunningServerTest, ShutdownStopsAdminPort) {
  std::unique_ptr<RunningServer> server = StartServer(LoopbackConfig());
  ASSERT_NE(server, nullptr);
  const std::string admin_address = server->admin_address();

  server->Shutdown();
  httplib::Client client = ClientFor(admin_address);
  httplib::Result health = client.Get("/healthz");

  EXPECT_FALSE(health);
}

TEST(RunningServerTest, ReadyFileHasAdminAddressBesideIt) {
  test::ScopedTempDir dir;
  ServerConfig config = LoopbackConfig();
  config.ready_file = dir.File("server.addr");
  std::unique_ptr<RunningServer> server = StartServer(config);
  ASSERT_NE(server, nullptr);

  EXPECT_EQ(ReadFile(config.ready_file), server->address());
  EXPECT_EQ(ReadFile(config.ready_file + ".admin"), server->admin_address());
  server->Shutdown();
}

TEST(RunningServerTest, AdminOffServesNoAdminPort) {
  test::ScopedTempDir dir;
  ServerConfig config = LoopbackConfig();
  config.admin_address = "off";
  config.ready_file = dir.File("server.addr");
  std::unique_ptr<RunningServer> server = StartServer(config);
  ASSERT_NE(server, nullptr);

  EXPECT_EQ(server->admin_address(), "");
  EXPECT_EQ(ReadFile(config.ready_file + ".admin"), "off");
  server->Shutdown();
}

TEST(RunningServerTest, DefaultAdminAddressForFreePortIsLoopback) {
  ServerConfig config = LoopbackConfig();
  config.admin_address = "";
  std::unique_ptr<RunningServer> server = StartServer(config);
  ASSERT_NE(server, nullptr);

  EXPECT_TRUE(absl::StartsWith(server->admin_address(), "127.0.0.1:"))
      << server->admin_address();
  EXPECT_NE(server->admin_address(), "127.0.0.1:0");
  server->Shutdown();
}

TEST(RunningServerTest, NonLoopbackAdminAddressIsRejected) {
  ServerConfig config = LoopbackConfig();
  config.admin_address = "0.0.0.0:0";

  absl::StatusOr<std::unique_ptr<RunningServer>> server =
      RunningServer::Start(config, {});

  EXPECT_EQ(server.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(server.status().message(), "--admin_address"))
      << server.status();
}

TEST(RunningServerTest, BusyAdminPortStopsStartUp) {
  std::unique_ptr<RunningServer> first = StartServer(LoopbackConfig());
  ASSERT_NE(first, nullptr);
  ServerConfig config = LoopbackConfig();
  config.admin_address = first->admin_address();

  absl::StatusOr<std::unique_ptr<RunningServer>> second =
      RunningServer::Start(config, {});

  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(
      absl::StrContains(second.status().message(), first->admin_address()))
      << second.status();
  EXPECT_TRUE(absl::StrContains(second.status().message(), "--admin_address"))
      << second.status();
  first->Shutdown();
}

}  // namespace
}  // namespace ironorg

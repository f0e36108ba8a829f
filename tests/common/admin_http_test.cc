// Tests of the admin HTTP server on free loopback ports, and of the rules
// that pick its address.
#include "common/admin_http.h"

#include <httplib.h>

#include <memory>
#include <string>

#include "absl/strings/match.h"
#include "common/metrics.h"
#include "gtest/gtest.h"

namespace ironorg {
namespace {

// Splits "host:port" for httplib::Client.
httplib::Client ClientFor(const std::string& address) {
  const size_t colon = address.rfind(':');
  return httplib::Client(address.substr(0, colon),
                         std::stoi(address.substr(colon + 1)));
}

std::unique_ptr<AdminHttpServer> StartAdmin(const metrics::Registry* registry) {
  absl::StatusOr<std::unique_ptr<AdminHttpServer>> admin =
      AdminHttpServer::Start("127.0.0.1:0", registry);
  EXPECT_TRUE(admin.ok()) << admin.status();
  return admin.ok() ? *std::move(admin) : nullptr;
}

TEST(ResolveAdminAddressTest, DefaultIsGrpcPortPlusThousand) {
  absl::StatusOr<std::string> address =
      ResolveAdminAddress("", "127.0.0.1:50051");

  ASSERT_TRUE(address.ok()) << address.status();
  EXPECT_EQ(*address, "127.0.0.1:51051");
}

TEST(ResolveAdminAddressTest, DefaultKeepsLoopbackHost) {
  absl::StatusOr<std::string> address = ResolveAdminAddress("", "[::1]:50061");

  ASSERT_TRUE(address.ok()) << address.status();
  EXPECT_EQ(*address, "[::1]:51061");
}

TEST(ResolveAdminAddressTest, DefaultForFreeGrpcPortIsFreePort) {
  absl::StatusOr<std::string> address = ResolveAdminAddress("", "127.0.0.1:0");

  ASSERT_TRUE(address.ok()) << address.status();
  EXPECT_EQ(*address, "127.0.0.1:0");
}

TEST(ResolveAdminAddressTest, DefaultStaysOnLoopbackForWildcardGrpc) {
  absl::StatusOr<std::string> address =
      ResolveAdminAddress("", "0.0.0.0:50051");

  ASSERT_TRUE(address.ok()) << address.status();
  EXPECT_EQ(*address, "127.0.0.1:51051");
}

TEST(ResolveAdminAddressTest, DefaultAbovePortRangeIsRejected) {
  absl::StatusOr<std::string> address =
      ResolveAdminAddress("", "127.0.0.1:65000");

  EXPECT_EQ(address.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(address.status().message(), "--admin_address"))
      << address.status();
}

TEST(ResolveAdminAddressTest, OffDisablesAdminPort) {
  absl::StatusOr<std::string> address =
      ResolveAdminAddress("off", "127.0.0.1:50051");

  ASSERT_TRUE(address.ok()) << address.status();
  EXPECT_EQ(*address, "");
}

TEST(ResolveAdminAddressTest, ExplicitLoopbackAddressIsKept) {
  absl::StatusOr<std::string> address =
      ResolveAdminAddress("localhost:9100", "127.0.0.1:50051");

  ASSERT_TRUE(address.ok()) << address.status();
  EXPECT_EQ(*address, "localhost:9100");
}

TEST(ResolveAdminAddressTest, NonLoopbackRejectedWhenGrpcOnLoopback) {
  absl::StatusOr<std::string> address =
      ResolveAdminAddress("0.0.0.0:9100", "127.0.0.1:50051");

  EXPECT_EQ(address.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(address.status().message(),
                                "\"0.0.0.0:9100\" is not a loopback address"))
      << address.status();
}

TEST(ResolveAdminAddressTest, NonLoopbackAllowedWhenGrpcIsNot) {
  absl::StatusOr<std::string> address =
      ResolveAdminAddress("0.0.0.0:9100", "0.0.0.0:50051");

  ASSERT_TRUE(address.ok()) << address.status();
  EXPECT_EQ(*address, "0.0.0.0:9100");
}

TEST(ResolveAdminAddressTest, MalformedAddressIsRejected) {
  for (const char* bad :
       {"127.0.0.1", "127.0.0.1:http", "127.0.0.1:70000", ":", "[::1:9100"}) {
    absl::StatusOr<std::string> address =
        ResolveAdminAddress(bad, "127.0.0.1:50051");

    EXPECT_EQ(address.status().code(), absl::StatusCode::kInvalidArgument)
        << bad;
    EXPECT_TRUE(absl::StrContains(address.status().message(),
                                  "invalid --admin_address"))
        << address.status();
  }
}

TEST(AdminHttpServerTest, MetricsServesRegistryAsText) {
  metrics::Registry registry;
  registry.AddCounter("test_scrapes_total", "Scrapes.", {"k"})
      .Increment({"v"}, 3);
  std::unique_ptr<AdminHttpServer> admin = StartAdmin(&registry);
  ASSERT_NE(admin, nullptr);

  httplib::Client client = ClientFor(admin->address());
  httplib::Result response = client.Get("/metrics");

  ASSERT_TRUE(response) << httplib::to_string(response.error());
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->get_header_value("Content-Type"),
            "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(response->body,
            "# HELP test_scrapes_total Scrapes.\n"
            "# TYPE test_scrapes_total counter\n"
            "test_scrapes_total{k=\"v\"} 3\n");
}

TEST(AdminHttpServerTest, HealthzIsOkWhileServing) {
  metrics::Registry registry;
  std::unique_ptr<AdminHttpServer> admin = StartAdmin(&registry);
  ASSERT_NE(admin, nullptr);

  httplib::Client client = ClientFor(admin->address());
  httplib::Result response = client.Get("/healthz");

  ASSERT_TRUE(response) << httplib::to_string(response.error());
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "ok\n");
}

TEST(AdminHttpServerTest, HealthzIsUnavailableAfterServingEnds) {
  metrics::Registry registry;
  std::unique_ptr<AdminHttpServer> admin = StartAdmin(&registry);
  ASSERT_NE(admin, nullptr);
  admin->SetServing(false);

  httplib::Client client = ClientFor(admin->address());
  httplib::Result response = client.Get("/healthz");

  ASSERT_TRUE(response) << httplib::to_string(response.error());
  EXPECT_EQ(response->status, 503);
}

TEST(AdminHttpServerTest, UnknownPathIsNotFound) {
  metrics::Registry registry;
  std::unique_ptr<AdminHttpServer> admin = StartAdmin(&registry);
  ASSERT_NE(admin, nullptr);

  httplib::Client client = ClientFor(admin->address());
  httplib::Result response = client.Get("/debug");

  ASSERT_TRUE(response) << httplib::to_string(response.error());
  EXPECT_EQ(response->status, 404);
}

TEST(AdminHttpServerTest, SecondServerOnSamePortFails) {
  metrics::Registry registry;
  std::unique_ptr<AdminHttpServer> first = StartAdmin(&registry);
  ASSERT_NE(first, nullptr);

  absl::StatusOr<std::unique_ptr<AdminHttpServer>> second =
      AdminHttpServer::Start(first->address(), &registry);

  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(absl::StrContains(second.status().message(), first->address()))
      << second.status();
}

TEST(AdminHttpServerTest, AddressWithoutPortIsRejected) {
  metrics::Registry registry;

  absl::StatusOr<std::unique_ptr<AdminHttpServer>> admin =
      AdminHttpServer::Start("127.0.0.1", &registry);

  EXPECT_EQ(admin.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(AdminHttpServerTest, StopRightAfterStartReturns) {
  metrics::Registry registry;
  for (int i = 0; i < 20; ++i) {
    std::unique_ptr<AdminHttpServer> admin = StartAdmin(&registry);
    ASSERT_NE(admin, nullptr);

    admin->Stop();
    admin->Stop();
  }
}

TEST(AdminHttpServerTest, StoppedServerRefusesConnections) {
  metrics::Registry registry;
  std::unique_ptr<AdminHttpServer> admin = StartAdmin(&registry);
  ASSERT_NE(admin, nullptr);
  const std::string address = admin->address();

  admin->Stop();
  httplib::Client client = ClientFor(address);
  httplib::Result response = client.Get("/healthz");

  EXPECT_FALSE(response);
}

}  // namespace
}  // namespace ironorg

// End-to-end test of the admin HTTP ports: after calls through the
// gateway, /metrics of each of the five real processes shows the calls it
// served, and /healthz returns 200. Plain HTTP over loopback.
#include <grpcpp/grpcpp.h>
#include <httplib.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "common/crypto.h"
#include "gtest/gtest.h"
#include "ironorg/billing/v1/plan.grpc.pb.h"
#include "ironorg/clusters/v1/cluster.grpc.pb.h"
#include "ironorg/identity/v1/auth.grpc.pb.h"
#include "ironorg/identity/v1/organization.grpc.pb.h"
#include "ironorg/projects/v1/project.grpc.pb.h"
#include "tests/e2e/suite.h"

namespace ironorg::testing {
namespace {

namespace billing = ::ironorg::billing::v1;
namespace clusters = ::ironorg::clusters::v1;
namespace identity = ::ironorg::identity::v1;
namespace projects = ::ironorg::projects::v1;

constexpr char kPassword[] = "correct horse battery";
constexpr int kListProjectsCalls = 3;

// How long a test waits for a change feed consumer to report progress.
constexpr absl::Duration kFeedDeadline = absl::Seconds(30);

struct HttpResponse {
  int status = 0;
  std::string content_type;
  std::string body;
};

// GETs `path` from the admin server at `address` ("host:port").
std::optional<HttpResponse> HttpGet(const std::string& address,
                                    const std::string& path) {
  const size_t colon = address.rfind(':');
  int port = 0;
  if (colon == std::string::npos ||
      !absl::SimpleAtoi(address.substr(colon + 1), &port)) {
    ADD_FAILURE() << "not a host:port admin address: \"" << address << "\"";
    return std::nullopt;
  }
  httplib::Client client(address.substr(0, colon), port);
  client.set_connection_timeout(std::chrono::seconds(10));
  client.set_read_timeout(std::chrono::seconds(10));
  httplib::Result result = client.Get(path.c_str());
  if (!result) {
    ADD_FAILURE() << "GET http://" << address << path
                  << " failed: " << httplib::to_string(result.error());
    return std::nullopt;
  }
  return HttpResponse{result->status, result->get_header_value("Content-Type"),
                      result->body};
}

// Returns the value of the sample line `series` (name and labels exactly
// as rendered) in a /metrics body, or nullopt when there is no such line.
std::optional<double> SampleValue(const std::string& body,
                                  const std::string& series) {
  for (absl::string_view line : absl::StrSplit(body, '\n')) {
    if (absl::ConsumePrefix(&line, series) && absl::ConsumePrefix(&line, " ")) {
      double value = 0;
      if (absl::SimpleAtod(line, &value)) {
        return value;
      }
    }
  }
  return std::nullopt;
}

std::string CallsSeries(const std::string& method, const std::string& code) {
  return absl::StrCat("ironorg_grpc_server_calls_total{method=\"", method,
                      "\",code=\"", code, "\"}");
}

class MetricsEndToEndTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<Suite>> suite = Suite::Start();
    ASSERT_TRUE(suite.ok()) << suite.status();
    suite_ = *std::move(suite);
  }

  // Returns the /metrics body of `service`, failing the test when the
  // scrape fails.
  std::string Scrape(const std::string& service) {
    std::optional<HttpResponse> response =
        HttpGet(suite_->admin_address(service), "/metrics");
    if (!response.has_value()) {
      return "";
    }
    EXPECT_EQ(response->status, 200) << service;
    EXPECT_EQ(response->content_type,
              "text/plain; version=0.0.4; charset=utf-8")
        << service;
    return response->body;
  }

  // Waits until /metrics of `service` shows at least one change applied
  // from identity's feed, and returns that body.
  std::string ScrapeAfterFeedProgress(const std::string& service) {
    const absl::Time deadline = absl::Now() + kFeedDeadline;
    std::string body = Scrape(service);
    while (SampleValue(body,
                       "ironorg_change_feed_applied_total{feed=\"identity\"}")
                   .value_or(0) < 1 &&
           absl::Now() < deadline) {
      absl::SleepFor(absl::Milliseconds(50));
      body = Scrape(service);
    }
    return body;
  }

  std::unique_ptr<Suite> suite_;
};

TEST_F(MetricsEndToEndTest, CountersMoveOnEveryProcess) {
  std::shared_ptr<grpc::Channel> channel = suite_->GatewayChannel();

  // The operator creates an organization, whose admin logs in.
  const std::string email =
      absl::StrCat("admin-", crypto::NewResourceId(), "@example.com");
  identity::CreateOrganizationRequest create;
  create.mutable_organization()->set_display_name("Metrics Inc");
  create.set_admin_email(email);
  create.set_admin_display_name("Ada Admin");
  create.set_admin_password(kPassword);
  identity::Organization organization;
  const grpc::Status created =
      identity::OrganizationService::NewStub(channel)->CreateOrganization(
          ContextWithToken(suite_->operator_token()).get(), create,
          &organization);
  ASSERT_TRUE(created.ok()) << created.error_message();

  identity::LoginRequest login;
  login.set_email(email);
  login.set_password(kPassword);
  identity::LoginResponse session;
  const grpc::Status logged_in = identity::AuthService::NewStub(channel)->Login(
      ContextWithToken("").get(), login, &session);
  ASSERT_TRUE(logged_in.ok()) << logged_in.error_message();
  const std::string token = session.access_token();

  // Calls that reach projects, clusters and billing, and one without a
  // token, which the gateway rejects itself.
  auto project_stub = projects::ProjectService::NewStub(channel);
  projects::ListProjectsRequest list_projects;
  list_projects.set_parent(organization.name());
  for (int i = 0; i < kListProjectsCalls; ++i) {
    projects::ListProjectsResponse listed;
    const grpc::Status status = project_stub->ListProjects(
        ContextWithToken(token).get(), list_projects, &listed);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }
  projects::ListProjectsResponse rejected;
  const grpc::Status anonymous = project_stub->ListProjects(
      ContextWithToken("").get(), list_projects, &rejected);
  ASSERT_EQ(anonymous.error_code(), grpc::StatusCode::UNAUTHENTICATED);

  clusters::ListClustersRequest list_clusters;
  list_clusters.set_parent(organization.name());
  clusters::ListClustersResponse cluster_list;
  const grpc::Status clusters_listed =
      clusters::ClusterService::NewStub(channel)->ListClusters(
          ContextWithToken(token).get(), list_clusters, &cluster_list);
  ASSERT_TRUE(clusters_listed.ok()) << clusters_listed.error_message();

  billing::ListPlansRequest list_plans;
  billing::ListPlansResponse plans;
  const grpc::Status plans_listed =
      billing::PlanService::NewStub(channel)->ListPlans(
          ContextWithToken(token).get(), list_plans, &plans);
  ASSERT_TRUE(plans_listed.ok()) << plans_listed.error_message();

  const std::string create_organization =
      "ironorg.identity.v1.OrganizationService/CreateOrganization";
  const std::string login_method = "ironorg.identity.v1.AuthService/Login";
  const std::string list_projects_method =
      "ironorg.projects.v1.ProjectService/ListProjects";
  const std::string list_clusters_method =
      "ironorg.clusters.v1.ClusterService/ListClusters";
  const std::string list_plans_method =
      "ironorg.billing.v1.PlanService/ListPlans";

  // The gateway counts every call it served, including the rejected one.
  const std::string gateway = Scrape("gateway");
  EXPECT_GE(
      SampleValue(gateway, CallsSeries(create_organization, "OK")).value_or(0),
      1)
      << gateway;
  EXPECT_GE(SampleValue(gateway, CallsSeries(login_method, "OK")).value_or(0),
            1)
      << gateway;
  EXPECT_GE(
      SampleValue(gateway, CallsSeries(list_projects_method, "OK")).value_or(0),
      kListProjectsCalls)
      << gateway;
  EXPECT_GE(
      SampleValue(gateway, CallsSeries(list_projects_method, "UNAUTHENTICATED"))
          .value_or(0),
      1)
      << gateway;
  EXPECT_GE(
      SampleValue(gateway, absl::StrCat("ironorg_grpc_server_call_duration_"
                                        "seconds_count{method=\"",
                                        list_projects_method, "\"}"))
          .value_or(0),
      kListProjectsCalls + 1)
      << gateway;

  // Each service counts the calls the gateway forwarded to it.
  const std::string identity_body = Scrape("identity");
  EXPECT_GE(SampleValue(identity_body, CallsSeries(create_organization, "OK"))
                .value_or(0),
            1)
      << identity_body;
  EXPECT_GE(
      SampleValue(identity_body, CallsSeries(login_method, "OK")).value_or(0),
      1)
      << identity_body;

  const std::string projects_body = ScrapeAfterFeedProgress("projects");
  EXPECT_GE(SampleValue(projects_body, CallsSeries(list_projects_method, "OK"))
                .value_or(0),
            kListProjectsCalls)
      << projects_body;
  EXPECT_TRUE(
      SampleValue(projects_body, "ironorg_change_feed_lag{feed=\"identity\"}")
          .has_value())
      << projects_body;
  EXPECT_GE(SampleValue(projects_body,
                        "ironorg_change_feed_applied_total{feed=\"identity\"}")
                .value_or(0),
            1)
      << projects_body;

  const std::string clusters_body = ScrapeAfterFeedProgress("clusters");
  EXPECT_GE(SampleValue(clusters_body, CallsSeries(list_clusters_method, "OK"))
                .value_or(0),
            1)
      << clusters_body;
  EXPECT_TRUE(
      SampleValue(clusters_body, "ironorg_change_feed_lag{feed=\"identity\"}")
          .has_value())
      << clusters_body;

  const std::string billing_body = Scrape("billing");
  EXPECT_GE(SampleValue(billing_body, CallsSeries(list_plans_method, "OK"))
                .value_or(0),
            1)
      << billing_body;
}

TEST_F(MetricsEndToEndTest, HealthzIsOkOnEveryProcess) {
  for (const std::string& service : Suite::ServiceNames()) {
    std::optional<HttpResponse> response =
        HttpGet(suite_->admin_address(service), "/healthz");

    ASSERT_TRUE(response.has_value()) << service;
    EXPECT_EQ(response->status, 200) << service;
    EXPECT_EQ(response->body, "ok\n") << service;
  }
}

}  // namespace
}  // namespace ironorg::testing

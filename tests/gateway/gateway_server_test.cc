// Loopback tests of the gateway's server: reflection, health, and how calls
// fare with no service behind the gateway, or with a fake identity service
// that checks the signed principal the gateway forwards.
#include <arpa/inet.h>
#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/impl/client_unary_call.h>
#include <grpcpp/security/credentials.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/grpc_status.h"
#include "common/internal_auth.h"
#include "common/server.h"
#include "google/protobuf/unknown_field_set.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "grpc/health/v1/health.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ironorg/billing/v1/plan.grpc.pb.h"
#include "ironorg/gateway/v1/access.grpc.pb.h"
#include "ironorg/identity/v1/auth.grpc.pb.h"
#include "ironorg/identity/v1/internal.grpc.pb.h"
#include "ironorg/identity/v1/user.grpc.pb.h"
#include "ironorg/projects/v1/project.grpc.pb.h"
#include "services/gateway/gateway.h"

namespace ironorg::gateway {
namespace {

using ::ironorg::identity::v1::Principal;

constexpr char kSecret[] = "an internal secret for tests, 32+ bytes long";
constexpr char kOperatorToken[] = "operator-token-for-tests";
constexpr char kAdminToken[] = "ioa_admin";
constexpr char kDeveloperApiToken[] = "iok_developer";
constexpr char kAdminUser[] = "organizations/org1/users/admin";
constexpr char kDeveloperUser[] = "organizations/org1/users/dev";

// Every call of these tests gets this long at most, so a hang fails the
// test instead of blocking it.
constexpr auto kCallTimeout = std::chrono::seconds(10);

// Returns a loopback address with a port nothing listens on: the port is
// bound once to learn a free one, then released.
std::string UnusedLoopbackAddress() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof(address);
  bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address));
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  const int port = ntohs(address.sin_port);
  close(fd);
  return absl::StrCat("127.0.0.1:", port);
}

std::unique_ptr<grpc::ClientContext> NewContext(const std::string& token) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() + kCallTimeout);
  if (!token.empty()) {
    context->AddMetadata("authorization", absl::StrCat("Bearer ", token));
  }
  return context;
}

InternalCredential TestCredential() {
  return *InternalCredential::Create(kSecret);
}

// Returns the service names that server reflection lists. The reflection
// messages are encoded by hand (field numbers of
// grpc.reflection.v1alpha.ServerReflectionRequest/Response), because the
// installed gRPC ships no header for them.
absl::StatusOr<std::set<std::string>> ListServices(
    const std::shared_ptr<grpc::Channel>& channel) {
  // ServerReflectionRequest { list_services (7): "*" }
  const std::string request_bytes("\x3a\x01*", 3);
  grpc::Slice slice(request_bytes);
  grpc::ByteBuffer request(&slice, 1);

  grpc::GenericStub stub(channel);
  grpc::CompletionQueue queue;
  std::unique_ptr<grpc::ClientContext> context = NewContext("");
  std::unique_ptr<grpc::GenericClientAsyncReaderWriter> call = stub.PrepareCall(
      context.get(),
      "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo", &queue);

  void* tag = nullptr;
  bool ok = false;
  grpc::ByteBuffer response;
  grpc::Status status;
  call->StartCall(reinterpret_cast<void*>(1));
  queue.Next(&tag, &ok);
  call->Write(request, reinterpret_cast<void*>(2));
  queue.Next(&tag, &ok);
  call->WritesDone(reinterpret_cast<void*>(3));
  queue.Next(&tag, &ok);
  call->Read(&response, reinterpret_cast<void*>(4));
  queue.Next(&tag, &ok);
  const bool read_ok = ok;
  call->Finish(&status, reinterpret_cast<void*>(5));
  queue.Next(&tag, &ok);
  queue.Shutdown();
  while (queue.Next(&tag, &ok)) {
  }
  if (!status.ok()) {
    return FromGrpcStatus(status);
  }
  if (!read_ok) {
    return absl::InternalError("reflection sent no response");
  }

  std::vector<grpc::Slice> slices;
  if (!response.Dump(&slices).ok()) {
    return absl::InternalError("cannot read the reflection response");
  }
  std::string bytes;
  for (const grpc::Slice& part : slices) {
    bytes.append(reinterpret_cast<const char*>(part.begin()), part.size());
  }

  // ServerReflectionResponse { list_services_response (6) {
  //   service (1) { name (1) } } }
  google::protobuf::UnknownFieldSet top;
  if (!top.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return absl::InternalError("malformed reflection response");
  }
  std::set<std::string> names;
  for (int i = 0; i < top.field_count(); ++i) {
    if (top.field(i).number() != 6) {
      continue;
    }
    google::protobuf::UnknownFieldSet list;
    const std::string& list_bytes = top.field(i).length_delimited();
    list.ParseFromArray(list_bytes.data(), static_cast<int>(list_bytes.size()));
    for (int j = 0; j < list.field_count(); ++j) {
      google::protobuf::UnknownFieldSet service;
      const std::string& service_bytes = list.field(j).length_delimited();
      service.ParseFromArray(service_bytes.data(),
                             static_cast<int>(service_bytes.size()));
      for (int k = 0; k < service.field_count(); ++k) {
        names.insert(service.field(k).length_delimited());
      }
    }
  }
  return names;
}

// The part of identity that the gateway calls: it resolves two fixed
// tokens and serves GetUser and UpdateUser, checking the signature and
// principal of every call it receives.
class FakeIdentity final : public identity::v1::InternalAuthService::Service,
                           public identity::v1::UserService::Service {
 public:
  FakeIdentity() : credential_(TestCredential()) {}

  grpc::Status IntrospectToken(
      grpc::ServerContext* context,
      const identity::v1::IntrospectTokenRequest* request,
      identity::v1::IntrospectTokenResponse* response) override {
    absl::StatusOr<Principal> caller = credential_.Verify(
        "/ironorg.identity.v1.InternalAuthService/IntrospectToken", *context);
    if (!caller.ok()) {
      return ToGrpcStatus(caller.status());
    }
    if (caller->kind() != Principal::KIND_SERVICE) {
      return grpc::Status(grpc::StatusCode::PERMISSION_DENIED,
                          "introspection needs a service principal");
    }

    Principal* principal = response->mutable_principal();
    principal->set_organization("organizations/org1");
    principal->set_token_id("t1");
    if (request->token() == kAdminToken) {
      principal->set_kind(Principal::KIND_USER_ACCESS_TOKEN);
      principal->set_user(kAdminUser);
      principal->set_role(identity::v1::ROLE_ADMIN);
      return grpc::Status::OK;
    }
    if (request->token() == kDeveloperApiToken) {
      principal->set_kind(Principal::KIND_USER_API_TOKEN);
      principal->set_user(kDeveloperUser);
      principal->set_role(identity::v1::ROLE_DEVELOPER);
      return grpc::Status::OK;
    }
    return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "unknown token");
  }

  // Returns the user with the forwarded caller in display_name, so a test
  // can see which principal arrived, followed by the padding of
  // set_display_name_padding.
  grpc::Status GetUser(grpc::ServerContext* context,
                       const identity::v1::GetUserRequest* request,
                       identity::v1::User* response) override {
    ++forwarded_calls_;
    absl::StatusOr<Principal> caller = credential_.Verify(
        "/ironorg.identity.v1.UserService/GetUser", *context);
    if (!caller.ok()) {
      return ToGrpcStatus(caller.status());
    }
    response->set_name(request->name());
    response->set_display_name(
        absl::StrCat(caller->user(), std::string(display_name_padding_.load(), 'x')));
    return grpc::Status::OK;
  }

  // Makes later GetUser responses `bytes` longer.
  void set_display_name_padding(size_t bytes) { display_name_padding_ = bytes; }

  grpc::Status UpdateUser(grpc::ServerContext* /*context*/,
                          const identity::v1::UpdateUserRequest* /*request*/,
                          identity::v1::User* /*response*/) override {
    ++forwarded_calls_;
    return ToGrpcStatus(errors::InvalidArgument(
        "user.email", "user.email must be an email address, got \"x\""));
  }

  int forwarded_calls() const { return forwarded_calls_.load(); }

 private:
  InternalCredential credential_;
  std::atomic<int> forwarded_calls_{0};
  std::atomic<size_t> display_name_padding_{0};
};

class GatewayServerTest : public ::testing::Test {
 protected:
  // Starts the gateway; with `with_identity`, a fake identity runs behind
  // it, and every other service is down. `max_message_bytes` limits the
  // gateway's server and its channels to the services.
  void StartGateway(bool with_identity,
                    int max_message_bytes = kDefaultMaxMessageBytes) {
    GatewayOptions options;
    options.max_message_bytes = max_message_bytes;
    options.addresses.identity = UnusedLoopbackAddress();
    options.addresses.projects = UnusedLoopbackAddress();
    options.addresses.clusters = UnusedLoopbackAddress();
    options.addresses.billing = UnusedLoopbackAddress();
    options.operator_token = kOperatorToken;

    if (with_identity) {
      StartIdentity("127.0.0.1:0");
      options.addresses.identity = identity_server_->address();
    }
    identity_address_ = options.addresses.identity;

    gateway_ = std::make_unique<Gateway>(options, TestCredential());
    ServerConfig config;
    config.listen_address = "127.0.0.1:0";
    config.max_message_bytes = max_message_bytes;
    auto server = RunningServer::Start(config, gateway_->services());
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    channel_ = grpc::CreateChannel(server_->address(),
                                   grpc::InsecureChannelCredentials());
  }

  // Starts the fake identity on `address`.
  void StartIdentity(const std::string& address) {
    identity_ = std::make_unique<FakeIdentity>();
    ServerConfig config;
    config.listen_address = address;
    // A restart reuses the gRPC port, so the default admin port (gRPC port
    // + 1000) may be taken; the fake needs none.
    config.admin_address = "off";
    auto identity_server = RunningServer::Start(
        config,
        {static_cast<identity::v1::InternalAuthService::Service*>(
             identity_.get()),
         static_cast<identity::v1::UserService::Service*>(identity_.get())});
    ASSERT_TRUE(identity_server.ok()) << identity_server.status();
    identity_server_ = std::move(*identity_server);
  }

  void TearDown() override {
    if (server_ != nullptr) {
      server_->Shutdown();
    }
    if (identity_server_ != nullptr) {
      identity_server_->Shutdown();
    }
  }

  std::string identity_address_;
  std::unique_ptr<FakeIdentity> identity_;
  std::unique_ptr<RunningServer> identity_server_;
  std::unique_ptr<Gateway> gateway_;
  std::unique_ptr<RunningServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
};

TEST_F(GatewayServerTest, ReflectionListsPublicServicesOnly) {
  StartGateway(false);

  absl::StatusOr<std::set<std::string>> services = ListServices(channel_);

  ASSERT_TRUE(services.ok()) << services.status();
  const std::set<std::string> expected = {
      "grpc.health.v1.Health",
      "grpc.reflection.v1alpha.ServerReflection",
      "ironorg.billing.v1.BillingAccountService",
      "ironorg.billing.v1.PlanService",
      "ironorg.billing.v1.SubscriptionService",
      "ironorg.clusters.v1.ClusterAccessService",
      "ironorg.clusters.v1.ClusterService",
      "ironorg.clusters.v1.RunnerService",
      "ironorg.gateway.v1.AccessService",
      "ironorg.identity.v1.AuthService",
      "ironorg.identity.v1.OrganizationService",
      "ironorg.identity.v1.UserService",
      "ironorg.projects.v1.ProjectAccessService",
      "ironorg.projects.v1.ProjectService",
  };
  EXPECT_EQ(*services, expected);
}

TEST_F(GatewayServerTest, InternalServiceIsNotServed) {
  StartGateway(false);
  auto stub = identity::v1::InternalAuthService::NewStub(channel_);
  identity::v1::IntrospectTokenRequest request;
  request.set_token("ioa_anything");
  identity::v1::IntrospectTokenResponse response;

  grpc::Status status = stub->IntrospectToken(NewContext(kOperatorToken).get(),
                                              request, &response);

  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNIMPLEMENTED);
}

TEST_F(GatewayServerTest, HealthCheckServesWithoutToken) {
  StartGateway(false);
  grpc::health::v1::HealthCheckRequest request;
  grpc::health::v1::HealthCheckResponse response;

  grpc::Status status = grpc::internal::BlockingUnaryCall(
      channel_.get(),
      grpc::internal::RpcMethod("/grpc.health.v1.Health/Check",
                                grpc::internal::RpcMethod::NORMAL_RPC),
      NewContext("").get(), request, &response);

  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.status(), grpc::health::v1::HealthCheckResponse::SERVING);
}

TEST_F(GatewayServerTest, CallWithoutTokenIsUnauthenticated) {
  StartGateway(false);
  auto stub = billing::v1::PlanService::NewStub(channel_);
  billing::v1::ListPlansResponse response;

  grpc::Status status = stub->ListPlans(
      NewContext("").get(), billing::v1::ListPlansRequest(), &response);

  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(status.error_message(),
            "missing authorization metadata; send authorization: Bearer "
            "<token>");
}

TEST_F(GatewayServerTest, MalformedAuthorizationIsUnauthenticated) {
  StartGateway(false);
  auto stub = billing::v1::PlanService::NewStub(channel_);
  auto context = NewContext("");
  context->AddMetadata("authorization", "Basic dXNlcjpwYXNz");
  billing::v1::ListPlansResponse response;

  grpc::Status status = stub->ListPlans(
      context.get(), billing::v1::ListPlansRequest(), &response);

  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(GatewayServerTest, CallToServiceThatIsDownIsUnavailable) {
  StartGateway(false);
  auto stub = billing::v1::PlanService::NewStub(channel_);
  billing::v1::ListPlansResponse response;

  grpc::Status status =
      stub->ListPlans(NewContext(kOperatorToken).get(),
                      billing::v1::ListPlansRequest(), &response);

  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
}

TEST_F(GatewayServerTest, UserTokenWithIdentityDownIsUnavailable) {
  StartGateway(false);
  auto stub = billing::v1::PlanService::NewStub(channel_);
  billing::v1::ListPlansResponse response;

  grpc::Status status =
      stub->ListPlans(NewContext("ioa_someone").get(),
                      billing::v1::ListPlansRequest(), &response);

  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
}

TEST_F(GatewayServerTest, OperatorIsDeniedOrganizationData) {
  StartGateway(false);
  auto stub = identity::v1::UserService::NewStub(channel_);
  identity::v1::ListUsersRequest request;
  request.set_parent("organizations/org1");
  identity::v1::ListUsersResponse response;

  grpc::Status status =
      stub->ListUsers(NewContext(kOperatorToken).get(), request, &response);

  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(GatewayServerTest, LoginIgnoresTokenAndForwards) {
  StartGateway(false);
  auto stub = identity::v1::AuthService::NewStub(channel_);
  identity::v1::LoginResponse response;

  // A malformed header that was read would make the call UNAUTHENTICATED.
  // Ignored, the call is forwarded to identity, which is down.
  auto context = NewContext("");
  context->AddMetadata("authorization", "Basic not-a-bearer-token");
  grpc::Status status =
      stub->Login(context.get(), identity::v1::LoginRequest(), &response);

  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
}

TEST_F(GatewayServerTest, ForwardsResponseWithSignedPrincipal) {
  StartGateway(true);
  auto stub = identity::v1::UserService::NewStub(channel_);
  identity::v1::GetUserRequest request;
  request.set_name(kDeveloperUser);
  identity::v1::User response;

  grpc::Status status =
      stub->GetUser(NewContext(kAdminToken).get(), request, &response);

  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.name(), kDeveloperUser);
  EXPECT_EQ(response.display_name(), kAdminUser);
}

TEST_F(GatewayServerTest, OversizedRequestIsResourceExhausted) {
  StartGateway(false, /*max_message_bytes=*/1024);
  auto stub = identity::v1::AuthService::NewStub(channel_);
  identity::v1::LoginRequest request;
  request.set_email("someone@example.com");
  request.set_password(std::string(2000, 'p'));
  identity::v1::LoginResponse response;

  grpc::Status status = stub->Login(NewContext("").get(), request, &response);

  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
}

TEST_F(GatewayServerTest, RequestWithinLimitIsForwarded) {
  StartGateway(false, /*max_message_bytes=*/1024);
  auto stub = identity::v1::AuthService::NewStub(channel_);
  identity::v1::LoginRequest request;
  request.set_email("someone@example.com");
  request.set_password(std::string(500, 'p'));
  identity::v1::LoginResponse response;

  grpc::Status status = stub->Login(NewContext("").get(), request, &response);

  // Forwarded to identity, which is down.
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
}

TEST_F(GatewayServerTest, OversizedResponseIsResourceExhausted) {
  StartGateway(true, /*max_message_bytes=*/1024);
  identity_->set_display_name_padding(2000);
  auto stub = identity::v1::UserService::NewStub(channel_);
  identity::v1::GetUserRequest request;
  request.set_name(kDeveloperUser);
  identity::v1::User response;

  grpc::Status status =
      stub->GetUser(NewContext(kAdminToken).get(), request, &response);

  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(identity_->forwarded_calls(), 1);
}

TEST_F(GatewayServerTest, ForwardsErrorDetailsUnchanged) {
  StartGateway(true);
  auto stub = identity::v1::UserService::NewStub(channel_);
  identity::v1::UpdateUserRequest request;
  request.mutable_user()->set_name(kDeveloperUser);
  request.mutable_update_mask()->add_paths("email");
  identity::v1::User response;

  grpc::Status status =
      stub->UpdateUser(NewContext(kAdminToken).get(), request, &response);

  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  google::rpc::Status details;
  ASSERT_TRUE(details.ParseFromString(status.error_details()));
  ASSERT_EQ(details.details_size(), 1);
  google::rpc::BadRequest bad_request;
  ASSERT_TRUE(details.details(0).UnpackTo(&bad_request));
  ASSERT_EQ(bad_request.field_violations_size(), 1);
  EXPECT_EQ(bad_request.field_violations(0).field(), "user.email");
}

TEST_F(GatewayServerTest, UnknownTokenIsUnauthenticated) {
  StartGateway(true);
  auto stub = identity::v1::UserService::NewStub(channel_);
  identity::v1::GetUserRequest request;
  request.set_name(kDeveloperUser);
  identity::v1::User response;

  grpc::Status status =
      stub->GetUser(NewContext("ioa_unknown").get(), request, &response);

  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(identity_->forwarded_calls(), 0);
}

TEST_F(GatewayServerTest, DeniedCallIsNotForwarded) {
  StartGateway(true);
  auto stub = identity::v1::UserService::NewStub(channel_);
  identity::v1::GetUserRequest request;
  request.set_name(kAdminUser);
  identity::v1::User response;

  grpc::Status status =
      stub->GetUser(NewContext(kDeveloperApiToken).get(), request, &response);

  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(identity_->forwarded_calls(), 0);
}

TEST_F(GatewayServerTest, ApiTokenCannotCreateApiToken) {
  StartGateway(true);
  auto stub = identity::v1::AuthService::NewStub(channel_);
  identity::v1::CreateApiTokenRequest request;
  request.set_parent(kDeveloperUser);
  identity::v1::ApiToken response;

  grpc::Status status = stub->CreateApiToken(
      NewContext(kDeveloperApiToken).get(), request, &response);

  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(GatewayServerTest, GrantLookupWithProjectsDownIsUnavailable) {
  StartGateway(true);
  auto stub = projects::v1::ProjectService::NewStub(channel_);
  projects::v1::GetProjectRequest request;
  request.set_name("organizations/org1/projects/p1");
  projects::v1::Project response;

  grpc::Status status = stub->GetProject(NewContext(kDeveloperApiToken).get(),
                                         request, &response);

  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
}

TEST_F(GatewayServerTest, ExplainAccessWithoutMethodIsInvalid) {
  StartGateway(true);
  auto stub = gateway::v1::AccessService::NewStub(channel_);
  gateway::v1::ExplainAccessRequest request;
  request.set_user(kDeveloperUser);
  gateway::v1::ExplainAccessResponse response;

  grpc::Status status =
      stub->ExplainAccess(NewContext(kAdminToken).get(), request, &response);

  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), ::testing::HasSubstr("method"));
}

TEST_F(GatewayServerTest, ExplainAccessIsDeniedToDeveloper) {
  StartGateway(true);
  auto stub = gateway::v1::AccessService::NewStub(channel_);
  gateway::v1::ExplainAccessRequest request;
  request.set_user(kDeveloperUser);
  gateway::v1::ExplainAccessResponse response;

  grpc::Status status = stub->ExplainAccess(
      NewContext(kDeveloperApiToken).get(), request, &response);

  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(GatewayServerTest, ReachesIdentityOnceItStarts) {
  StartGateway(false);
  auto stub = identity::v1::UserService::NewStub(channel_);
  identity::v1::GetUserRequest request;
  request.set_name(kDeveloperUser);
  identity::v1::User response;
  grpc::Status before =
      stub->GetUser(NewContext(kAdminToken).get(), request, &response);
  ASSERT_EQ(before.error_code(), grpc::StatusCode::UNAVAILABLE);

  StartIdentity(identity_address_);

  // The gateway's channel retries the connection with a short backoff, so
  // calls succeed again soon after the service is back.
  const auto deadline = std::chrono::steady_clock::now() + kCallTimeout;
  grpc::Status after;
  do {
    after = stub->GetUser(NewContext(kAdminToken).get(), request, &response);
  } while (after.error_code() == grpc::StatusCode::UNAVAILABLE &&
           std::chrono::steady_clock::now() < deadline);
  EXPECT_TRUE(after.ok()) << after.error_message();
}

TEST_F(GatewayServerTest, ConcurrentCallsAreForwarded) {
  StartGateway(true);
  constexpr int kThreads = 8;
  constexpr int kCallsPerThread = 25;
  std::atomic<int> succeeded{0};

  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([this, &succeeded] {
      auto stub = identity::v1::UserService::NewStub(channel_);
      identity::v1::GetUserRequest request;
      request.set_name(kDeveloperUser);
      for (int i = 0; i < kCallsPerThread; ++i) {
        identity::v1::User response;
        if (stub->GetUser(NewContext(kAdminToken).get(), request, &response)
                .ok()) {
          ++succeeded;
        }
      }
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }

  EXPECT_EQ(succeeded.load(), kThreads * kCallsPerThread);
  EXPECT_EQ(identity_->forwarded_calls(), kThreads * kCallsPerThread);
}

}  // namespace
}  // namespace ironorg::gateway

// The gRPC adapter over a real server on a free loopback port.
#include "services/identity/identity_grpc.h"

#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>

#include <memory>
#include <string>

#include "common/internal_auth.h"
#include "common/server.h"
#include "gmock/gmock.h"
#include "google/rpc/status.pb.h"
#include "gtest/gtest.h"
#include "services/identity/identity_service.h"
#include "services/identity/identity_store.h"
#include "tests/identity/test_support.h"
#include "tests/testing/scoped_temp_dir.h"

namespace ironorg::identity {
namespace {

using ::ironorg::test::ScopedTempDir;
using testing::FastPasswordCost;
using testing::OperatorPrincipal;
using testing::ServicePrincipal;
using ::testing::StartsWith;

constexpr char kSecret[] = "0123456789abcdef0123456789abcdef-test";

class IdentityGrpcTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<InternalCredential> credential =
        InternalCredential::Create(kSecret);
    ASSERT_TRUE(credential.ok()) << credential.status();
    credential_ = std::make_unique<InternalCredential>(*credential);

    absl::StatusOr<std::unique_ptr<IdentityStore>> store =
        IdentityStore::Open(directory_.File(kDatabaseFileName));
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    IdentityServiceOptions options;
    options.password_cost = FastPasswordCost();
    options.page_token_key = credential_->DeriveKey("page-token");
    absl::StatusOr<std::unique_ptr<IdentityService>> service =
        IdentityService::Create(store_.get(), std::move(options));
    ASSERT_TRUE(service.ok()) << service.status();
    service_ = *std::move(service);

    organizations_ = std::make_unique<OrganizationGrpcService>(
        service_.get(), credential_.get());
    auth_ =
        std::make_unique<AuthGrpcService>(service_.get(), credential_.get());
    internal_auth_ = std::make_unique<InternalAuthGrpcService>(
        service_.get(), credential_.get());
    ServerConfig config;
    config.listen_address = "127.0.0.1:0";
    absl::StatusOr<std::unique_ptr<RunningServer>> server =
        RunningServer::Start(
            config, {organizations_.get(), auth_.get(), internal_auth_.get()});
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);

    channel_ = grpc::CreateChannel(server_->address(),
                                   grpc::InsecureChannelCredentials());
  }

  void TearDown() override {
    if (server_ != nullptr) {
      server_->Shutdown();
    }
  }

  v1::CreateOrganizationRequest OrganizationRequest() {
    v1::CreateOrganizationRequest request;
    request.mutable_organization()->set_display_name("Acme");
    request.set_admin_email("ada@example.com");
    request.set_admin_display_name("Ada");
    request.set_admin_password("correct horse battery");
    return request;
  }

  ScopedTempDir directory_;
  std::unique_ptr<InternalCredential> credential_;
  std::unique_ptr<IdentityStore> store_;
  std::unique_ptr<IdentityService> service_;
  std::unique_ptr<OrganizationGrpcService> organizations_;
  std::unique_ptr<AuthGrpcService> auth_;
  std::unique_ptr<InternalAuthGrpcService> internal_auth_;
  std::unique_ptr<RunningServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
};

TEST_F(IdentityGrpcTest, UnsignedCallIsUnauthenticated) {
  auto stub = v1::OrganizationService::NewStub(channel_);
  grpc::ClientContext context;
  v1::Organization response;

  const grpc::Status status =
      stub->CreateOrganization(&context, OrganizationRequest(), &response);

  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(IdentityGrpcTest, SignatureForOtherMethodIsUnauthenticated) {
  auto stub = v1::OrganizationService::NewStub(channel_);
  grpc::ClientContext context;
  credential_->Sign(MethodPath(v1::OrganizationService::service_full_name(),
                               "GetOrganization"),
                    OperatorPrincipal(), &context);
  v1::Organization response;

  const grpc::Status status =
      stub->CreateOrganization(&context, OrganizationRequest(), &response);

  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(IdentityGrpcTest, LoginTokenIntrospectsOverTheWire) {
  auto organizations = v1::OrganizationService::NewStub(channel_);
  grpc::ClientContext create_context;
  credential_->Sign(MethodPath(v1::OrganizationService::service_full_name(),
                               "CreateOrganization"),
                    OperatorPrincipal(), &create_context);
  v1::Organization organization;
  const grpc::Status created = organizations->CreateOrganization(
      &create_context, OrganizationRequest(), &organization);
  ASSERT_TRUE(created.ok()) << created.error_message();

  auto auth = v1::AuthService::NewStub(channel_);
  grpc::ClientContext login_context;
  credential_->Sign(MethodPath(v1::AuthService::service_full_name(), "Login"),
                    v1::Principal(), &login_context);
  v1::LoginRequest login_request;
  login_request.set_email("ada@example.com");
  login_request.set_password("correct horse battery");
  v1::LoginResponse login;
  const grpc::Status logged_in =
      auth->Login(&login_context, login_request, &login);
  ASSERT_TRUE(logged_in.ok()) << logged_in.error_message();

  auto internal_auth = v1::InternalAuthService::NewStub(channel_);
  grpc::ClientContext introspect_context;
  credential_->Sign(MethodPath(v1::InternalAuthService::service_full_name(),
                               "IntrospectToken"),
                    ServicePrincipal(), &introspect_context);
  v1::IntrospectTokenRequest introspect_request;
  introspect_request.set_token(login.access_token());
  v1::IntrospectTokenResponse introspected;
  const grpc::Status resolved = internal_auth->IntrospectToken(
      &introspect_context, introspect_request, &introspected);

  ASSERT_TRUE(resolved.ok()) << resolved.error_message();
  EXPECT_EQ(introspected.principal().organization(), organization.name());
  EXPECT_THAT(introspected.principal().user(),
              StartsWith(organization.name() + "/users/"));
}

TEST_F(IdentityGrpcTest, InvalidArgumentCarriesBadRequestDetail) {
  auto stub = v1::OrganizationService::NewStub(channel_);
  grpc::ClientContext context;
  credential_->Sign(MethodPath(v1::OrganizationService::service_full_name(),
                               "CreateOrganization"),
                    OperatorPrincipal(), &context);
  v1::CreateOrganizationRequest request = OrganizationRequest();
  request.set_admin_password("short");
  v1::Organization response;

  const grpc::Status status =
      stub->CreateOrganization(&context, request, &response);

  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(),
            "admin_password must be 12 to 1024 bytes long, got 5");
  EXPECT_FALSE(status.error_details().empty());
}

TEST_F(IdentityGrpcTest, ThrottledLoginCarriesRetryInfoDetail) {
  auto auth = v1::AuthService::NewStub(channel_);
  v1::LoginRequest request;
  request.set_email("nobody@example.com");
  request.set_password("correct horse battery");
  auto login = [&] {
    grpc::ClientContext context;
    credential_->Sign(MethodPath(v1::AuthService::service_full_name(), "Login"),
                      v1::Principal(), &context);
    v1::LoginResponse response;
    return auth->Login(&context, request, &response);
  };
  // The default limit is five failures.
  for (int attempt = 0; attempt < 5; ++attempt) {
    ASSERT_EQ(login().error_code(), grpc::StatusCode::UNAUTHENTICATED);
  }

  const grpc::Status status = login();

  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  google::rpc::Status details;
  ASSERT_TRUE(details.ParseFromString(status.error_details()));
  ASSERT_EQ(details.details_size(), 1);
  EXPECT_EQ(details.details(0).type_url(),
            "type.googleapis.com/google.rpc.RetryInfo");
}

}  // namespace
}  // namespace ironorg::identity

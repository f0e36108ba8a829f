// The gRPC adapters and GrpcUserDirectory against real loopback servers:
// the clusters services in process and a fake identity.
#include "services/clusters/cluster_grpc.h"

#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>

#include <memory>
#include <string>

#include "absl/time/clock.h"
#include "common/grpc_user_directory.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/fake_identity_server.h"
#include "tests/testing/scoped_temp_dir.h"
#include "tests/testing/test_support.h"

namespace ironorg::clusters {
namespace {

using ::ironorg::identity::v1::Principal;
using ::ironorg::identity::v1::ROLE_ADMIN;
using ::ironorg::test::FakeIdentityServer;
using ::ironorg::test::ScopedTempDir;
using ::ironorg::test::UserCaller;
using ::testing::HasSubstr;

constexpr char kKnownUser[] = "organizations/org1/users/dev1";

InternalCredential MakeCredential() {
  return *InternalCredential::Create(std::string(32, 's'));
}

class ClusterGrpcTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(identity_.Start());
    identity_.AddUser(kKnownUser);

    absl::StatusOr<std::unique_ptr<ClusterStore>> store =
        ClusterStore::Open(directory_.path());
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    users_ = std::make_unique<GrpcUserDirectory>(identity_.address(),
                                                 credential_, absl::Seconds(2));
    service_ = std::make_unique<ClusterService>(
        store_.get(), users_.get(),
        pagination::PageTokenCodec(credential_.DeriveKey("page-token")));
    cluster_grpc_ =
        std::make_unique<ClusterGrpcService>(&credential_, service_.get());
    access_grpc_ = std::make_unique<ClusterAccessGrpcService>(&credential_,
                                                              service_.get());
    runner_grpc_ =
        std::make_unique<RunnerGrpcService>(&credential_, service_.get());
    internal_auth_grpc_ = std::make_unique<InternalClusterAuthGrpcService>(
        &credential_, service_.get());

    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                             &port);
    builder.RegisterService(cluster_grpc_.get());
    builder.RegisterService(access_grpc_.get());
    builder.RegisterService(runner_grpc_.get());
    builder.RegisterService(internal_auth_grpc_.get());
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    ASSERT_NE(port, 0);

    auto channel = grpc::CreateChannel(absl::StrCat("127.0.0.1:", port),
                                       grpc::InsecureChannelCredentials());
    clusters_ = v1::ClusterService::NewStub(channel);
    access_ = v1::ClusterAccessService::NewStub(channel);
    runners_ = v1::RunnerService::NewStub(channel);
    internal_auth_ = v1::InternalClusterAuthService::NewStub(channel);
  }

  void TearDown() override {
    if (server_ != nullptr) {
      server_->Shutdown();
    }
  }

  // Prepares `context` for a call of `method` by `caller`, as the gateway
  // would.
  void SignAs(absl::string_view service_full_name, absl::string_view method,
              const Principal& caller, grpc::ClientContext* context) {
    context->set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
    credential_.Sign(MethodPath(service_full_name, method), caller, context);
  }

  v1::Cluster CreateCluster() {
    grpc::ClientContext context;
    SignAs(v1::ClusterService::service_full_name(), "CreateCluster", admin_,
           &context);
    v1::CreateClusterRequest request;
    request.set_parent("organizations/org1");
    request.mutable_cluster()->set_display_name("Web");
    v1::Cluster cluster;
    const grpc::Status status =
        clusters_->CreateCluster(&context, request, &cluster);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return cluster;
  }

  grpc::Status Grant(const std::string& cluster, const std::string& user) {
    grpc::ClientContext context;
    SignAs(v1::ClusterAccessService::service_full_name(), "GrantClusterAccess",
           admin_, &context);
    v1::GrantClusterAccessRequest request;
    request.set_cluster(cluster);
    request.set_user(user);
    v1::GrantClusterAccessResponse response;
    return access_->GrantClusterAccess(&context, request, &response);
  }

  InternalCredential credential_ = MakeCredential();
  FakeIdentityServer identity_{MakeCredential()};
  ScopedTempDir directory_;
  std::unique_ptr<ClusterStore> store_;
  std::unique_ptr<GrpcUserDirectory> users_;
  std::unique_ptr<ClusterService> service_;
  std::unique_ptr<ClusterGrpcService> cluster_grpc_;
  std::unique_ptr<ClusterAccessGrpcService> access_grpc_;
  std::unique_ptr<RunnerGrpcService> runner_grpc_;
  std::unique_ptr<InternalClusterAuthGrpcService> internal_auth_grpc_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<v1::ClusterService::Stub> clusters_;
  std::unique_ptr<v1::ClusterAccessService::Stub> access_;
  std::unique_ptr<v1::RunnerService::Stub> runners_;
  std::unique_ptr<v1::InternalClusterAuthService::Stub> internal_auth_;
  const Principal admin_ = UserCaller("org1", "admin1", ROLE_ADMIN);
};

TEST_F(ClusterGrpcTest, UnsignedCallIsUnauthenticated) {
  grpc::ClientContext context;
  v1::CreateClusterRequest request;
  request.set_parent("organizations/org1");
  request.mutable_cluster()->set_display_name("Web");
  v1::Cluster cluster;

  const grpc::Status status =
      clusters_->CreateCluster(&context, request, &cluster);

  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(ClusterGrpcTest, SignatureForOtherMethodIsUnauthenticated) {
  grpc::ClientContext context;
  SignAs(v1::ClusterService::service_full_name(), "GetCluster", admin_,
         &context);
  v1::CreateClusterRequest request;
  request.set_parent("organizations/org1");
  request.mutable_cluster()->set_display_name("Web");
  v1::Cluster cluster;

  const grpc::Status status =
      clusters_->CreateCluster(&context, request, &cluster);

  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(ClusterGrpcTest, SignedCreateClusterReturnsToken) {
  const v1::Cluster cluster = CreateCluster();

  EXPECT_THAT(cluster.name(), ::testing::StartsWith("organizations/org1/"));
  EXPECT_THAT(cluster.cluster_token(), ::testing::StartsWith("ioc_"));
}

TEST_F(ClusterGrpcTest, TokenIntrospectsToItsCluster) {
  const v1::Cluster cluster = CreateCluster();
  Principal gateway;
  gateway.set_kind(Principal::KIND_SERVICE);
  grpc::ClientContext context;
  SignAs(v1::InternalClusterAuthService::service_full_name(),
         "IntrospectClusterToken", gateway, &context);
  v1::IntrospectClusterTokenRequest request;
  request.set_token(cluster.cluster_token());
  v1::IntrospectClusterTokenResponse response;

  const grpc::Status status =
      internal_auth_->IntrospectClusterToken(&context, request, &response);

  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.cluster(), cluster.name());
}

TEST_F(ClusterGrpcTest, WrongTokenIsUnauthenticated) {
  CreateCluster();
  Principal gateway;
  gateway.set_kind(Principal::KIND_SERVICE);
  grpc::ClientContext context;
  SignAs(v1::InternalClusterAuthService::service_full_name(),
         "IntrospectClusterToken", gateway, &context);
  v1::IntrospectClusterTokenRequest request;
  request.set_token("ioc_wrong");
  v1::IntrospectClusterTokenResponse response;

  const grpc::Status status =
      internal_auth_->IntrospectClusterToken(&context, request, &response);

  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(status.error_message(), "invalid cluster token");
}

TEST_F(ClusterGrpcTest, RegisterRunnerWithClusterTokenReturnsSizes) {
  const v1::Cluster cluster = CreateCluster();
  Principal runner;
  runner.set_kind(Principal::KIND_CLUSTER_TOKEN);
  runner.set_organization("organizations/org1");
  runner.set_cluster(cluster.name());
  grpc::ClientContext context;
  SignAs(v1::RunnerService::service_full_name(), "RegisterRunner", runner,
         &context);
  v1::RegisterRunnerRequest request;
  request.set_cluster(cluster.name());
  request.set_hostname("runner-1.example.com");
  v1::RegisterRunnerResponse response;

  const grpc::Status status =
      runners_->RegisterRunner(&context, request, &response);

  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.runner().hostname(), "runner-1.example.com");
  EXPECT_EQ(response.runner().state(), v1::Runner::STATE_ONLINE);
  EXPECT_EQ(response.memory_per_runner_mb(), 512);
  EXPECT_EQ(response.disk_per_runner_gb(), 10);
}

TEST_F(ClusterGrpcTest, RegisterRunnerAsUserIsPermissionDenied) {
  const v1::Cluster cluster = CreateCluster();
  grpc::ClientContext context;
  SignAs(v1::RunnerService::service_full_name(), "RegisterRunner", admin_,
         &context);
  v1::RegisterRunnerRequest request;
  request.set_cluster(cluster.name());
  request.set_hostname("runner-1");
  v1::RegisterRunnerResponse response;

  const grpc::Status status =
      runners_->RegisterRunner(&context, request, &response);

  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(ClusterGrpcTest, GrantToKnownUserAsksIdentityAsService) {
  const v1::Cluster cluster = CreateCluster();

  const grpc::Status status = Grant(cluster.name(), kKnownUser);

  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(identity_.last_caller_kind(), Principal::KIND_SERVICE);
}

TEST_F(ClusterGrpcTest, GrantToUnknownUserIsNotFound) {
  const v1::Cluster cluster = CreateCluster();

  const grpc::Status status =
      Grant(cluster.name(), "organizations/org1/users/ghost");

  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(status.error_message(),
            "user \"organizations/org1/users/ghost\" not found");
}

TEST_F(ClusterGrpcTest, GrantWhileIdentityIsDownIsUnavailable) {
  const v1::Cluster cluster = CreateCluster();
  identity_.Stop();

  const grpc::Status status = Grant(cluster.name(), kKnownUser);

  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_THAT(status.error_message(), HasSubstr("identity service"));
}

TEST_F(ClusterGrpcTest, StaleEtagOnDeleteIsAborted) {
  const v1::Cluster cluster = CreateCluster();
  grpc::ClientContext context;
  SignAs(v1::ClusterService::service_full_name(), "DeleteCluster", admin_,
         &context);
  v1::DeleteClusterRequest request;
  request.set_name(cluster.name());
  request.set_etag("9");
  v1::DeleteClusterResponse response;

  const grpc::Status status =
      clusters_->DeleteCluster(&context, request, &response);

  EXPECT_EQ(status.error_code(), grpc::StatusCode::ABORTED);
  EXPECT_THAT(status.error_message(), HasSubstr(cluster.name()));
}

}  // namespace
}  // namespace ironorg::clusters

// The gRPC adapters and GrpcUserDirectory against real loopback servers:
// the projects services in process and a fake identity.
#include "services/projects/project_grpc.h"

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

namespace ironorg::projects {
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

class ProjectGrpcTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(identity_.Start());
    identity_.AddUser(kKnownUser);

    absl::StatusOr<std::unique_ptr<ProjectStore>> store =
        ProjectStore::Open(directory_.path());
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    users_ = std::make_unique<GrpcUserDirectory>(identity_.address(),
                                                 credential_, absl::Seconds(2));
    service_ = std::make_unique<ProjectService>(
        store_.get(), users_.get(),
        pagination::PageTokenCodec(credential_.DeriveKey("page-token")));
    project_grpc_ =
        std::make_unique<ProjectGrpcService>(&credential_, service_.get());
    access_grpc_ = std::make_unique<ProjectAccessGrpcService>(&credential_,
                                                              service_.get());

    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                             &port);
    builder.RegisterService(project_grpc_.get());
    builder.RegisterService(access_grpc_.get());
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    ASSERT_NE(port, 0);

    auto channel = grpc::CreateChannel(absl::StrCat("127.0.0.1:", port),
                                       grpc::InsecureChannelCredentials());
    projects_ = v1::ProjectService::NewStub(channel);
    access_ = v1::ProjectAccessService::NewStub(channel);
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

  v1::Project CreateProject() {
    grpc::ClientContext context;
    SignAs(v1::ProjectService::service_full_name(), "CreateProject", admin_,
           &context);
    v1::CreateProjectRequest request;
    request.set_parent("organizations/org1");
    request.mutable_project()->set_display_name("Web");
    v1::Project project;
    const grpc::Status status =
        projects_->CreateProject(&context, request, &project);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return project;
  }

  grpc::Status Grant(const std::string& project, const std::string& user) {
    grpc::ClientContext context;
    SignAs(v1::ProjectAccessService::service_full_name(), "GrantProjectAccess",
           admin_, &context);
    v1::GrantProjectAccessRequest request;
    request.set_project(project);
    request.set_user(user);
    v1::GrantProjectAccessResponse response;
    return access_->GrantProjectAccess(&context, request, &response);
  }

  InternalCredential credential_ = MakeCredential();
  FakeIdentityServer identity_{MakeCredential()};
  ScopedTempDir directory_;
  std::unique_ptr<ProjectStore> store_;
  std::unique_ptr<GrpcUserDirectory> users_;
  std::unique_ptr<ProjectService> service_;
  std::unique_ptr<ProjectGrpcService> project_grpc_;
  std::unique_ptr<ProjectAccessGrpcService> access_grpc_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<v1::ProjectService::Stub> projects_;
  std::unique_ptr<v1::ProjectAccessService::Stub> access_;
  const Principal admin_ = UserCaller("org1", "admin1", ROLE_ADMIN);
};

TEST_F(ProjectGrpcTest, UnsignedCallIsUnauthenticated) {
  grpc::ClientContext context;
  v1::CreateProjectRequest request;
  request.set_parent("organizations/org1");
  request.mutable_project()->set_display_name("Web");
  v1::Project project;

  const grpc::Status status =
      projects_->CreateProject(&context, request, &project);

  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(ProjectGrpcTest, SignatureForOtherMethodIsUnauthenticated) {
  grpc::ClientContext context;
  SignAs(v1::ProjectService::service_full_name(), "GetProject", admin_,
         &context);
  v1::CreateProjectRequest request;
  request.set_parent("organizations/org1");
  request.mutable_project()->set_display_name("Web");
  v1::Project project;

  const grpc::Status status =
      projects_->CreateProject(&context, request, &project);

  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(ProjectGrpcTest, SignedCreateProjectSucceeds) {
  const v1::Project project = CreateProject();

  EXPECT_THAT(project.name(), ::testing::StartsWith("organizations/org1/"));
  EXPECT_EQ(project.etag(), "1");
}

TEST_F(ProjectGrpcTest, GrantToKnownUserAsksIdentityAsService) {
  const v1::Project project = CreateProject();

  const grpc::Status status = Grant(project.name(), kKnownUser);

  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(identity_.last_caller_kind(), Principal::KIND_SERVICE);
}

TEST_F(ProjectGrpcTest, GrantToUnknownUserIsNotFound) {
  const v1::Project project = CreateProject();

  const grpc::Status status =
      Grant(project.name(), "organizations/org1/users/ghost");

  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(status.error_message(),
            "user \"organizations/org1/users/ghost\" not found");
}

TEST_F(ProjectGrpcTest, GrantWhileIdentityIsDownIsUnavailable) {
  const v1::Project project = CreateProject();
  identity_.Stop();

  const grpc::Status status = Grant(project.name(), kKnownUser);

  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_THAT(status.error_message(), HasSubstr("identity service"));
}

TEST_F(ProjectGrpcTest, DeleteProjectWithStaleEtagIsAborted) {
  const v1::Project project = CreateProject();
  grpc::ClientContext context;
  SignAs(v1::ProjectService::service_full_name(), "DeleteProject", admin_,
         &context);
  v1::DeleteProjectRequest request;
  request.set_name(project.name());
  request.set_etag("9");
  v1::DeleteProjectResponse response;

  const grpc::Status status =
      projects_->DeleteProject(&context, request, &response);

  EXPECT_EQ(status.error_code(), grpc::StatusCode::ABORTED);
  EXPECT_THAT(status.error_message(), HasSubstr(project.name()));
}

}  // namespace
}  // namespace ironorg::projects

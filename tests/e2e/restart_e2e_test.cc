// End-to-end: everything written through the gateway survives a restart
// of all five processes on the same data folder.
#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/crypto.h"
#include "gtest/gtest.h"
#include "ironorg/clusters/v1/cluster.grpc.pb.h"
#include "ironorg/identity/v1/auth.grpc.pb.h"
#include "ironorg/identity/v1/organization.grpc.pb.h"
#include "ironorg/identity/v1/user.grpc.pb.h"
#include "ironorg/projects/v1/project.grpc.pb.h"
#include "ironorg/projects/v1/project_access.grpc.pb.h"
#include "tests/e2e/suite.h"

namespace ironorg::testing {
namespace {

namespace clusters = ::ironorg::clusters::v1;
namespace identity = ::ironorg::identity::v1;
namespace projects = ::ironorg::projects::v1;

constexpr char kPassword[] = "correct horse battery";

std::string Login(identity::AuthService::Stub& auth, const std::string& email) {
  identity::LoginRequest request;
  request.set_email(email);
  request.set_password(kPassword);
  identity::LoginResponse response;
  grpc::Status status = auth.Login(ContextWithToken("").get(), request, &response);
  EXPECT_TRUE(status.ok()) << status.error_message();
  return response.access_token();
}

TEST(RestartEndToEndTest, DataSurvivesRestartOfEveryProcess) {
  absl::StatusOr<std::unique_ptr<Suite>> started = Suite::Start();
  ASSERT_TRUE(started.ok()) << started.status();
  Suite& suite = **started;
  auto channel = suite.GatewayChannel();
  auto organizations = identity::OrganizationService::NewStub(channel);
  auto users = identity::UserService::NewStub(channel);
  auto auth = identity::AuthService::NewStub(channel);
  auto project_service = projects::ProjectService::NewStub(channel);
  auto project_access = projects::ProjectAccessService::NewStub(channel);
  auto cluster_service = clusters::ClusterService::NewStub(channel);

  const std::string admin_email =
      absl::StrCat("admin-", crypto::NewResourceId(), "@example.com");
  identity::CreateOrganizationRequest create_org;
  create_org.mutable_organization()->set_display_name("Durable Inc");
  create_org.set_admin_email(admin_email);
  create_org.set_admin_display_name("Dora Durable");
  create_org.set_admin_password(kPassword);
  identity::Organization org;
  ASSERT_TRUE(organizations
                  ->CreateOrganization(
                      ContextWithToken(suite.operator_token()).get(),
                      create_org, &org)
                  .ok());
  const std::string admin_token = Login(*auth, admin_email);

  const std::string developer_email =
      absl::StrCat("dev-", crypto::NewResourceId(), "@example.com");
  identity::CreateUserRequest create_user;
  create_user.set_parent(org.name());
  create_user.mutable_user()->set_email(developer_email);
  create_user.mutable_user()->set_display_name("Devon");
  create_user.mutable_user()->set_role(identity::ROLE_DEVELOPER);
  create_user.set_password(kPassword);
  identity::User developer;
  ASSERT_TRUE(
      users->CreateUser(ContextWithToken(admin_token).get(), create_user,
                        &developer)
          .ok());

  projects::CreateProjectRequest create_project;
  create_project.set_parent(org.name());
  create_project.mutable_project()->set_display_name("Survivor");
  projects::Project project;
  ASSERT_TRUE(project_service
                  ->CreateProject(ContextWithToken(admin_token).get(),
                                  create_project, &project)
                  .ok());
  projects::GrantProjectAccessRequest grant;
  grant.set_project(project.name());
  grant.set_user(developer.name());
  projects::GrantProjectAccessResponse granted;
  ASSERT_TRUE(project_access
                  ->GrantProjectAccess(ContextWithToken(admin_token).get(),
                                       grant, &granted)
                  .ok());

  clusters::CreateClusterRequest create_cluster;
  create_cluster.set_parent(org.name());
  create_cluster.mutable_cluster()->set_display_name("Persistent");
  create_cluster.mutable_cluster()->set_memory_per_runner_mb(2048);
  clusters::Cluster cluster;
  ASSERT_TRUE(cluster_service
                  ->CreateCluster(ContextWithToken(admin_token).get(),
                                  create_cluster, &cluster)
                  .ok());

  ASSERT_TRUE(suite.RestartAll().ok());

  // A token issued before the restart still works: tokens are stored.
  identity::GetUserRequest get_user;
  get_user.set_name(developer.name());
  identity::User read_user;
  grpc::Status user_status =
      users->GetUser(ContextWithToken(admin_token).get(), get_user, &read_user);
  const std::string developer_token = Login(*auth, developer_email);
  projects::ListProjectsRequest list_projects;
  list_projects.set_parent(org.name());
  projects::ListProjectsResponse listed;
  grpc::Status list_status = project_service->ListProjects(
      ContextWithToken(developer_token).get(), list_projects, &listed);
  clusters::GetClusterRequest get_cluster;
  get_cluster.set_name(cluster.name());
  clusters::Cluster read_cluster;
  grpc::Status cluster_status = cluster_service->GetCluster(
      ContextWithToken(admin_token).get(), get_cluster, &read_cluster);

  ASSERT_TRUE(user_status.ok()) << user_status.error_message();
  EXPECT_EQ(read_user.email(), developer_email);
  ASSERT_TRUE(list_status.ok()) << list_status.error_message();
  ASSERT_EQ(listed.projects_size(), 1);
  EXPECT_EQ(listed.projects(0).name(), project.name());
  ASSERT_TRUE(cluster_status.ok()) << cluster_status.error_message();
  EXPECT_EQ(read_cluster.memory_per_runner_mb(), 2048);
}

}  // namespace
}  // namespace ironorg::testing

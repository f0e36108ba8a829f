#include "tests/e2e/organization_setup.h"

#include <grpcpp/grpcpp.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "common/crypto.h"
#include "gtest/gtest.h"

namespace ironorg::testing {

namespace clusters = ::ironorg::clusters::v1;
namespace identity = ::ironorg::identity::v1;
namespace projects = ::ironorg::projects::v1;

std::string UniqueEmail(const std::string& label) {
  return absl::StrCat(label, "-", crypto::NewResourceId(), "@example.com");
}

OrganizationSetup::OrganizationSetup(const Suite& suite)
    : suite_(suite),
      channel_(suite.GatewayChannel()),
      organizations_(identity::OrganizationService::NewStub(channel_)),
      users_(identity::UserService::NewStub(channel_)),
      auth_(identity::AuthService::NewStub(channel_)),
      projects_(projects::ProjectService::NewStub(channel_)),
      project_access_(projects::ProjectAccessService::NewStub(channel_)),
      clusters_(clusters::ClusterService::NewStub(channel_)),
      cluster_access_(clusters::ClusterAccessService::NewStub(channel_)) {}

std::string OrganizationSetup::Login(const std::string& email) {
  identity::LoginRequest request;
  request.set_email(email);
  request.set_password(kPassword);
  identity::LoginResponse response;
  grpc::Status status =
      auth_->Login(ContextWithToken("").get(), request, &response);
  EXPECT_TRUE(status.ok()) << status.error_message();
  return response.access_token();
}

identity::User OrganizationSetup::CreateUser(const std::string& admin_token,
                                             const std::string& organization,
                                             const std::string& email,
                                             identity::Role role) {
  identity::CreateUserRequest request;
  request.set_parent(organization);
  request.mutable_user()->set_email(email);
  request.mutable_user()->set_display_name(absl::StrCat("User ", email));
  request.mutable_user()->set_role(role);
  request.set_password(kPassword);
  identity::User user;
  grpc::Status status =
      users_->CreateUser(ContextWithToken(admin_token).get(), request, &user);
  EXPECT_TRUE(status.ok()) << status.error_message();
  return user;
}

identity::User OrganizationSetup::CreateLoggedInUser(
    const TestOrganization& org, identity::Role role, std::string* token) {
  const std::string email = UniqueEmail("user");
  identity::User user = CreateUser(org.admin_token, org.name, email, role);
  *token = Login(email);
  return user;
}

TestOrganization OrganizationSetup::CreateOrganizationWithAdmin(
    const std::string& display_name) {
  TestOrganization org;
  org.admin_email = UniqueEmail("admin");
  identity::CreateOrganizationRequest request;
  request.mutable_organization()->set_display_name(display_name);
  request.set_admin_email(org.admin_email);
  request.set_admin_display_name("Ada Admin");
  request.set_admin_password(kPassword);
  identity::Organization created;
  grpc::Status status = organizations_->CreateOrganization(
      ContextWithToken(suite_.operator_token()).get(), request, &created);
  EXPECT_TRUE(status.ok()) << status.error_message();
  org.name = created.name();
  org.admin_token = Login(org.admin_email);

  // The organization has only its first Admin yet, so the list returns
  // just that user.
  identity::ListUsersRequest list_request;
  list_request.set_parent(org.name);
  identity::ListUsersResponse listed;
  status = users_->ListUsers(ContextWithToken(org.admin_token).get(),
                             list_request, &listed);
  EXPECT_TRUE(status.ok()) << status.error_message();
  if (listed.users_size() > 0) {
    org.admin = listed.users(0);
  }
  return org;
}

TestOrganization OrganizationSetup::CreateOrganization(
    const std::string& display_name) {
  TestOrganization org = CreateOrganizationWithAdmin(display_name);
  org.read_only = CreateLoggedInUser(org, identity::ROLE_ADMIN_READ_ONLY,
                                     &org.read_only_token);
  org.developer =
      CreateLoggedInUser(org, identity::ROLE_DEVELOPER, &org.developer_token);
  org.accountant =
      CreateLoggedInUser(org, identity::ROLE_ACCOUNTANT, &org.accountant_token);
  return org;
}

projects::Project OrganizationSetup::CreateProject(
    const TestOrganization& org, const std::string& display_name) {
  projects::CreateProjectRequest request;
  request.set_parent(org.name);
  request.mutable_project()->set_display_name(display_name);
  projects::Project project;
  grpc::Status status = projects_->CreateProject(
      ContextWithToken(org.admin_token).get(), request, &project);
  EXPECT_TRUE(status.ok()) << status.error_message();
  return project;
}

clusters::Cluster OrganizationSetup::CreateCluster(
    const TestOrganization& org, const std::string& display_name) {
  clusters::CreateClusterRequest request;
  request.set_parent(org.name);
  request.mutable_cluster()->set_display_name(display_name);
  clusters::Cluster cluster;
  grpc::Status status = clusters_->CreateCluster(
      ContextWithToken(org.admin_token).get(), request, &cluster);
  EXPECT_TRUE(status.ok()) << status.error_message();
  return cluster;
}

grpc::Status OrganizationSetup::GrantProject(const std::string& token,
                                             const std::string& project,
                                             const std::string& user) {
  projects::GrantProjectAccessRequest request;
  request.set_project(project);
  request.set_user(user);
  projects::GrantProjectAccessResponse response;
  return project_access_->GrantProjectAccess(ContextWithToken(token).get(),
                                             request, &response);
}

grpc::Status OrganizationSetup::GrantCluster(const std::string& token,
                                             const std::string& cluster,
                                             const std::string& user) {
  clusters::GrantClusterAccessRequest request;
  request.set_cluster(cluster);
  request.set_user(user);
  clusters::GrantClusterAccessResponse response;
  return cluster_access_->GrantClusterAccess(ContextWithToken(token).get(),
                                             request, &response);
}

}  // namespace ironorg::testing

// End-to-end tests of the project calls that change or list grants as a
// whole: UpdateProject, DeleteProject, ListProjectMembers and
// SetUserProjects. The five real binaries run on loopback, and every call
// goes through the gateway over real gRPC with a user's access token.
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/crypto.h"
#include "gmock/gmock.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "gtest/gtest.h"
#include "ironorg/identity/v1/auth.grpc.pb.h"
#include "ironorg/identity/v1/organization.grpc.pb.h"
#include "ironorg/identity/v1/user.grpc.pb.h"
#include "ironorg/projects/v1/project.grpc.pb.h"
#include "ironorg/projects/v1/project_access.grpc.pb.h"
#include "tests/e2e/suite.h"

namespace ironorg::testing {
namespace {

namespace identity = ::ironorg::identity::v1;
namespace projects = ::ironorg::projects::v1;

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;

constexpr char kPassword[] = "correct horse battery";

// One organization with a logged-in user of each role.
struct Organization {
  std::string name;
  std::string admin_token;
  std::string read_only_token;
  std::string developer_token;
  std::string accountant_token;
  identity::User admin;
  identity::User read_only;
  identity::User developer;
  identity::User accountant;
};

std::vector<std::string> Sorted(std::vector<std::string> names) {
  std::sort(names.begin(), names.end());
  return names;
}

class ProjectsEndToEndTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    absl::StatusOr<std::unique_ptr<Suite>> suite = Suite::Start();
    ASSERT_TRUE(suite.ok()) << suite.status();
    suite_ = std::move(*suite).release();
  }

  static void TearDownTestSuite() {
    delete suite_;
    suite_ = nullptr;
  }

  void SetUp() override {
    ASSERT_NE(suite_, nullptr);
    std::shared_ptr<grpc::Channel> channel = suite_->GatewayChannel();
    organizations_ = identity::OrganizationService::NewStub(channel);
    users_ = identity::UserService::NewStub(channel);
    auth_ = identity::AuthService::NewStub(channel);
    projects_ = projects::ProjectService::NewStub(channel);
    access_ = projects::ProjectAccessService::NewStub(channel);
  }

  static std::string UniqueEmail(const std::string& label) {
    return absl::StrCat(label, "-", crypto::NewResourceId(), "@example.com");
  }

  std::string Login(const std::string& email) {
    identity::LoginRequest request;
    request.set_email(email);
    request.set_password(kPassword);
    identity::LoginResponse response;
    grpc::Status status =
        auth_->Login(ContextWithToken("").get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.access_token();
  }

  // Creates a user of `role` and returns it with an access token.
  identity::User CreateUser(const Organization& org, identity::Role role,
                            std::string* token) {
    const std::string email = UniqueEmail("user");
    identity::CreateUserRequest request;
    request.set_parent(org.name);
    request.mutable_user()->set_email(email);
    request.mutable_user()->set_display_name("Project tester");
    request.mutable_user()->set_role(role);
    request.set_password(kPassword);
    identity::User user;
    grpc::Status status = users_->CreateUser(
        ContextWithToken(org.admin_token).get(), request, &user);
    EXPECT_TRUE(status.ok()) << status.error_message();
    *token = Login(email);
    return user;
  }

  // Creates an organization through the operator and one logged-in user of
  // each role.
  Organization CreateOrganization() {
    Organization org;
    const std::string admin_email = UniqueEmail("admin");
    identity::CreateOrganizationRequest request;
    request.mutable_organization()->set_display_name("Projects Inc");
    request.set_admin_email(admin_email);
    request.set_admin_display_name("Ada Admin");
    request.set_admin_password(kPassword);
    identity::Organization created;
    grpc::Status status = organizations_->CreateOrganization(
        ContextWithToken(suite_->operator_token()).get(), request, &created);
    EXPECT_TRUE(status.ok()) << status.error_message();
    org.name = created.name();
    org.admin_token = Login(admin_email);

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

    org.read_only =
        CreateUser(org, identity::ROLE_ADMIN_READ_ONLY, &org.read_only_token);
    org.developer =
        CreateUser(org, identity::ROLE_DEVELOPER, &org.developer_token);
    org.accountant =
        CreateUser(org, identity::ROLE_ACCOUNTANT, &org.accountant_token);
    return org;
  }

  projects::Project CreateProject(const Organization& org,
                                  const std::string& display_name) {
    projects::CreateProjectRequest request;
    request.set_parent(org.name);
    request.mutable_project()->set_display_name(display_name);
    projects::Project project;
    grpc::Status status = projects_->CreateProject(
        ContextWithToken(org.admin_token).get(), request, &project);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return project;
  }

  grpc::Status GetProject(const std::string& token, const std::string& name,
                          projects::Project* project) {
    projects::GetProjectRequest request;
    request.set_name(name);
    return projects_->GetProject(ContextWithToken(token).get(), request,
                                 project);
  }

  grpc::Status UpdateProject(const std::string& token, const std::string& name,
                             const std::string& display_name,
                             const std::string& etag,
                             projects::Project* project) {
    projects::UpdateProjectRequest request;
    request.mutable_project()->set_name(name);
    request.mutable_project()->set_display_name(display_name);
    request.mutable_project()->set_etag(etag);
    request.mutable_update_mask()->add_paths("display_name");
    return projects_->UpdateProject(ContextWithToken(token).get(), request,
                                    project);
  }

  grpc::Status DeleteProject(const std::string& token, const std::string& name,
                             const std::string& etag) {
    projects::DeleteProjectRequest request;
    request.set_name(name);
    request.set_etag(etag);
    projects::DeleteProjectResponse response;
    return projects_->DeleteProject(ContextWithToken(token).get(), request,
                                    &response);
  }

  grpc::Status Grant(const Organization& org, const std::string& project,
                     const std::string& user) {
    projects::GrantProjectAccessRequest request;
    request.set_project(project);
    request.set_user(user);
    projects::GrantProjectAccessResponse response;
    return access_->GrantProjectAccess(ContextWithToken(org.admin_token).get(),
                                       request, &response);
  }

  grpc::Status ListMembers(const std::string& token, const std::string& project,
                           int page_size, const std::string& page_token,
                           projects::ListProjectMembersResponse* response) {
    projects::ListProjectMembersRequest request;
    request.set_project(project);
    request.set_page_size(page_size);
    request.set_page_token(page_token);
    return access_->ListProjectMembers(ContextWithToken(token).get(), request,
                                       response);
  }

  grpc::Status SetUserProjects(const std::string& token,
                               const std::string& user,
                               const std::vector<std::string>& project_names,
                               projects::SetUserProjectsResponse* response) {
    projects::SetUserProjectsRequest request;
    request.set_user(user);
    for (const std::string& name : project_names) {
      request.add_projects(name);
    }
    return access_->SetUserProjects(ContextWithToken(token).get(), request,
                                    response);
  }

  // Returns the names of the projects granted to `user`, listed with the
  // Admin's token, or fails the test.
  std::vector<std::string> UserProjects(const Organization& org,
                                        const std::string& user) {
    projects::ListUserProjectsRequest request;
    request.set_user(user);
    projects::ListUserProjectsResponse response;
    grpc::Status status = access_->ListUserProjects(
        ContextWithToken(org.admin_token).get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    std::vector<std::string> names;
    for (const projects::Project& project : response.projects()) {
      names.push_back(project.name());
    }
    return names;
  }

  static Suite* suite_;
  std::unique_ptr<identity::OrganizationService::Stub> organizations_;
  std::unique_ptr<identity::UserService::Stub> users_;
  std::unique_ptr<identity::AuthService::Stub> auth_;
  std::unique_ptr<projects::ProjectService::Stub> projects_;
  std::unique_ptr<projects::ProjectAccessService::Stub> access_;
};

Suite* ProjectsEndToEndTest::suite_ = nullptr;

TEST_F(ProjectsEndToEndTest, UpdateProjectRenamesAndRejectsStaleEtag) {
  const Organization org = CreateOrganization();
  const projects::Project created = CreateProject(org, "Web");

  projects::Project renamed;
  grpc::Status first = UpdateProject(org.admin_token, created.name(),
                                     "Web shop", created.etag(), &renamed);
  projects::Project not_renamed;
  grpc::Status second =
      UpdateProject(org.admin_token, created.name(), "Stale write",
                    created.etag(), &not_renamed);
  projects::Project found;
  grpc::Status get = GetProject(org.admin_token, created.name(), &found);

  ASSERT_TRUE(first.ok()) << first.error_message();
  EXPECT_EQ(renamed.display_name(), "Web shop");
  EXPECT_NE(renamed.etag(), created.etag());
  EXPECT_EQ(second.error_code(), grpc::StatusCode::ABORTED);
  ASSERT_TRUE(get.ok()) << get.error_message();
  EXPECT_EQ(found.display_name(), "Web shop");
  EXPECT_EQ(found.etag(), renamed.etag());
}

TEST_F(ProjectsEndToEndTest, UpdateProjectWithUnknownPathNamesUpdateMask) {
  const Organization org = CreateOrganization();
  const projects::Project created = CreateProject(org, "Web");
  projects::UpdateProjectRequest request;
  request.mutable_project()->set_name(created.name());
  request.mutable_project()->set_display_name("Web shop");
  request.mutable_update_mask()->add_paths("create_time");
  projects::Project response;

  grpc::Status status = projects_->UpdateProject(
      ContextWithToken(org.admin_token).get(), request, &response);

  ASSERT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("allowed paths: display_name"));
  google::rpc::Status details;
  ASSERT_TRUE(details.ParseFromString(status.error_details()));
  ASSERT_EQ(details.details_size(), 1);
  google::rpc::BadRequest bad_request;
  ASSERT_TRUE(details.details(0).UnpackTo(&bad_request));
  ASSERT_EQ(bad_request.field_violations_size(), 1);
  EXPECT_EQ(bad_request.field_violations(0).field(), "update_mask");
}

TEST_F(ProjectsEndToEndTest, DeleteProjectRemovesItsGrants) {
  const Organization org = CreateOrganization();
  const projects::Project deleted = CreateProject(org, "Deleted");
  const projects::Project retained = CreateProject(org, "Kept");
  ASSERT_TRUE(Grant(org, deleted.name(), org.developer.name()).ok());
  ASSERT_TRUE(Grant(org, retained.name(), org.developer.name()).ok());
  projects::Project before;
  ASSERT_TRUE(GetProject(org.developer_token, deleted.name(), &before).ok());

  grpc::Status status =
      DeleteProject(org.admin_token, deleted.name(), deleted.etag());
  projects::Project developer_view;
  grpc::Status developer_get =
      GetProject(org.developer_token, deleted.name(), &developer_view);
  projects::Project admin_view;
  grpc::Status admin_get =
      GetProject(org.admin_token, deleted.name(), &admin_view);
  projects::ListProjectMembersResponse members;
  grpc::Status members_status =
      ListMembers(org.admin_token, deleted.name(), 0, "", &members);

  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(developer_get.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(admin_get.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(members_status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(UserProjects(org, org.developer.name()),
              ElementsAre(retained.name()));
}

TEST_F(ProjectsEndToEndTest, DeleteProjectWithStaleEtagKeepsProject) {
  const Organization org = CreateOrganization();
  const projects::Project created = CreateProject(org, "Web");
  ASSERT_TRUE(Grant(org, created.name(), org.developer.name()).ok());
  projects::Project renamed;
  ASSERT_TRUE(
      UpdateProject(org.admin_token, created.name(), "Renamed", "", &renamed)
          .ok());

  grpc::Status status =
      DeleteProject(org.admin_token, created.name(), created.etag());
  projects::Project found;
  grpc::Status get = GetProject(org.developer_token, created.name(), &found);

  EXPECT_EQ(status.error_code(), grpc::StatusCode::ABORTED);
  EXPECT_TRUE(get.ok()) << get.error_message();
  EXPECT_THAT(UserProjects(org, org.developer.name()),
              ElementsAre(created.name()));
}

TEST_F(ProjectsEndToEndTest, ListProjectMembersPagesInNameOrder) {
  const Organization org = CreateOrganization();
  const projects::Project project = CreateProject(org, "Web");
  std::string extra_token;
  const identity::User extra =
      CreateUser(org, identity::ROLE_DEVELOPER, &extra_token);
  const std::vector<std::string> members =
      Sorted({org.admin.name(), org.read_only.name(), org.developer.name(),
              org.accountant.name(), extra.name()});
  for (const std::string& member : members) {
    ASSERT_TRUE(Grant(org, project.name(), member).ok()) << member;
  }

  std::vector<std::string> listed;
  std::string page_token;
  int pages = 0;
  do {
    projects::ListProjectMembersResponse page;
    grpc::Status status =
        ListMembers(org.read_only_token, project.name(), 2, page_token, &page);
    ASSERT_TRUE(status.ok()) << status.error_message();
    ++pages;
    listed.insert(listed.end(), page.users().begin(), page.users().end());
    page_token = page.next_page_token();
  } while (!page_token.empty() && pages < 10);

  EXPECT_EQ(pages, 3);
  EXPECT_THAT(listed, ElementsAreArray(members));
}

TEST_F(ProjectsEndToEndTest, ListMembersRejectsOtherCallerToken) {
  const Organization org = CreateOrganization();
  const projects::Project project = CreateProject(org, "Web");
  ASSERT_TRUE(Grant(org, project.name(), org.developer.name()).ok());
  ASSERT_TRUE(Grant(org, project.name(), org.accountant.name()).ok());
  projects::ListProjectMembersResponse first;
  ASSERT_TRUE(ListMembers(org.admin_token, project.name(), 1, "", &first).ok());
  ASSERT_FALSE(first.next_page_token().empty());

  projects::ListProjectMembersResponse second;
  grpc::Status status = ListMembers(org.read_only_token, project.name(), 1,
                                    first.next_page_token(), &second);

  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("page_token"));
}

TEST_F(ProjectsEndToEndTest, SetUserProjectsReplacesWholeSet) {
  const Organization org = CreateOrganization();
  const projects::Project old_project = CreateProject(org, "Old");
  const projects::Project retained = CreateProject(org, "Kept");
  const projects::Project added = CreateProject(org, "Added");
  ASSERT_TRUE(Grant(org, old_project.name(), org.developer.name()).ok());
  ASSERT_TRUE(Grant(org, retained.name(), org.developer.name()).ok());

  projects::SetUserProjectsResponse response;
  grpc::Status status =
      SetUserProjects(org.admin_token, org.developer.name(),
                      {added.name(), retained.name(), added.name()}, &response);
  projects::Project old_view;
  grpc::Status old_get =
      GetProject(org.developer_token, old_project.name(), &old_view);
  projects::Project added_view;
  grpc::Status added_get =
      GetProject(org.developer_token, added.name(), &added_view);

  ASSERT_TRUE(status.ok()) << status.error_message();
  const std::vector<std::string> expected =
      Sorted({added.name(), retained.name()});
  EXPECT_THAT(response.projects(), ElementsAreArray(expected));
  EXPECT_THAT(UserProjects(org, org.developer.name()),
              ElementsAreArray(expected));
  EXPECT_EQ(old_get.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_TRUE(added_get.ok()) << added_get.error_message();
}

TEST_F(ProjectsEndToEndTest, SetUserProjectsRefusesAtomically) {
  const Organization org = CreateOrganization();
  const Organization other = CreateOrganization();
  const projects::Project granted = CreateProject(org, "Held");
  const projects::Project requested = CreateProject(org, "Wanted");
  const projects::Project foreign = CreateProject(other, "Foreign");
  ASSERT_TRUE(Grant(org, granted.name(), org.developer.name()).ok());
  const std::string missing =
      absl::StrCat(org.name, "/projects/", crypto::NewResourceId());

  projects::SetUserProjectsResponse response;
  grpc::Status missing_status =
      SetUserProjects(org.admin_token, org.developer.name(),
                      {requested.name(), missing}, &response);
  grpc::Status foreign_status =
      SetUserProjects(org.admin_token, org.developer.name(),
                      {requested.name(), foreign.name()}, &response);
  grpc::Status malformed_status =
      SetUserProjects(org.admin_token, org.developer.name(),
                      {requested.name(), "projects/p1"}, &response);

  EXPECT_EQ(missing_status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(missing_status.error_message(), HasSubstr(missing));
  EXPECT_EQ(foreign_status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(malformed_status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(malformed_status.error_message(), HasSubstr("projects[1]"));
  EXPECT_THAT(UserProjects(org, org.developer.name()),
              ElementsAre(granted.name()));
}

TEST_F(ProjectsEndToEndTest, SetUserProjectsEmptyRemovesEveryGrant) {
  const Organization org = CreateOrganization();
  const projects::Project first = CreateProject(org, "One");
  const projects::Project second = CreateProject(org, "Two");
  ASSERT_TRUE(Grant(org, first.name(), org.developer.name()).ok());
  ASSERT_TRUE(Grant(org, second.name(), org.developer.name()).ok());

  projects::SetUserProjectsResponse response;
  grpc::Status status =
      SetUserProjects(org.admin_token, org.developer.name(), {}, &response);

  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_TRUE(response.projects().empty());
  EXPECT_TRUE(UserProjects(org, org.developer.name()).empty());
}

TEST_F(ProjectsEndToEndTest, NewCallsDenyDeveloperAndAccountant) {
  const Organization org = CreateOrganization();
  const projects::Project project = CreateProject(org, "Web");
  ASSERT_TRUE(Grant(org, project.name(), org.developer.name()).ok());

  for (const std::string& token : {org.developer_token, org.accountant_token}) {
    const std::string role =
        token == org.developer_token ? "developer" : "accountant";
    projects::Project updated;
    EXPECT_EQ(UpdateProject(token, project.name(), "Renamed", "", &updated)
                  .error_code(),
              grpc::StatusCode::PERMISSION_DENIED)
        << role;
    EXPECT_EQ(DeleteProject(token, project.name(), "").error_code(),
              grpc::StatusCode::PERMISSION_DENIED)
        << role;
    projects::ListProjectMembersResponse members;
    EXPECT_EQ(ListMembers(token, project.name(), 0, "", &members).error_code(),
              grpc::StatusCode::PERMISSION_DENIED)
        << role;
    projects::SetUserProjectsResponse set;
    EXPECT_EQ(
        SetUserProjects(token, org.developer.name(), {}, &set).error_code(),
        grpc::StatusCode::PERMISSION_DENIED)
        << role;
  }

  projects::Project found;
  ASSERT_TRUE(GetProject(org.admin_token, project.name(), &found).ok());
  EXPECT_EQ(found.display_name(), "Web");
  EXPECT_THAT(UserProjects(org, org.developer.name()),
              ElementsAre(project.name()));
}

TEST_F(ProjectsEndToEndTest, AdminReadOnlyMayOnlyListMembers) {
  const Organization org = CreateOrganization();
  const projects::Project project = CreateProject(org, "Web");
  ASSERT_TRUE(Grant(org, project.name(), org.developer.name()).ok());

  projects::Project updated;
  grpc::Status update = UpdateProject(org.read_only_token, project.name(),
                                      "Renamed", "", &updated);
  grpc::Status remove = DeleteProject(org.read_only_token, project.name(), "");
  projects::SetUserProjectsResponse set;
  grpc::Status set_status =
      SetUserProjects(org.read_only_token, org.developer.name(), {}, &set);
  projects::ListProjectMembersResponse members;
  grpc::Status list =
      ListMembers(org.read_only_token, project.name(), 0, "", &members);

  EXPECT_EQ(update.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(remove.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(set_status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  ASSERT_TRUE(list.ok()) << list.error_message();
  EXPECT_THAT(members.users(), ElementsAre(org.developer.name()));
}

TEST_F(ProjectsEndToEndTest, NewCallsDenyOtherOrganizationAdmin) {
  const Organization org = CreateOrganization();
  const Organization other = CreateOrganization();
  const projects::Project project = CreateProject(org, "Web");
  const std::string missing =
      absl::StrCat(org.name, "/projects/", crypto::NewResourceId());

  for (const std::string& name : {project.name(), missing}) {
    projects::Project updated;
    EXPECT_EQ(UpdateProject(other.admin_token, name, "Taken", "", &updated)
                  .error_code(),
              grpc::StatusCode::PERMISSION_DENIED)
        << name;
    EXPECT_EQ(DeleteProject(other.admin_token, name, "").error_code(),
              grpc::StatusCode::PERMISSION_DENIED)
        << name;
    projects::ListProjectMembersResponse members;
    EXPECT_EQ(
        ListMembers(other.admin_token, name, 0, "", &members).error_code(),
        grpc::StatusCode::PERMISSION_DENIED)
        << name;
  }
  projects::SetUserProjectsResponse set;
  EXPECT_EQ(SetUserProjects(other.admin_token, org.developer.name(), {}, &set)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

}  // namespace
}  // namespace ironorg::testing

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
#include "ironorg/identity/v1/user.grpc.pb.h"
#include "ironorg/projects/v1/project.grpc.pb.h"
#include "ironorg/projects/v1/project_access.grpc.pb.h"
#include "tests/e2e/organization_setup.h"
#include "tests/e2e/suite.h"

namespace ironorg::testing {
namespace {

namespace identity = ::ironorg::identity::v1;
namespace projects = ::ironorg::projects::v1;

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;

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
    projects_ = projects::ProjectService::NewStub(channel);
    access_ = projects::ProjectAccessService::NewStub(channel);
    setup_ = std::make_unique<OrganizationSetup>(*suite_);
  }

  // Creates the organization each test starts from.
  TestOrganization CreateOrganization() {
    return setup_->CreateOrganization("Projects Inc");
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

  grpc::Status Grant(const TestOrganization& org, const std::string& project,
                     const std::string& user) {
    return setup_->GrantProject(org.admin_token, project, user);
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
  std::vector<std::string> UserProjects(const TestOrganization& org,
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
  std::unique_ptr<projects::ProjectService::Stub> projects_;
  std::unique_ptr<projects::ProjectAccessService::Stub> access_;
  std::unique_ptr<OrganizationSetup> setup_;
};

Suite* ProjectsEndToEndTest::suite_ = nullptr;

TEST_F(ProjectsEndToEndTest, UpdateProjectRenamesAndRejectsStaleEtag) {
  const TestOrganization org = CreateOrganization();
  const projects::Project created = setup_->CreateProject(org, "Web");

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
  const TestOrganization org = CreateOrganization();
  const projects::Project created = setup_->CreateProject(org, "Web");
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
  const TestOrganization org = CreateOrganization();
  const projects::Project deleted = setup_->CreateProject(org, "Deleted");
  const projects::Project retained = setup_->CreateProject(org, "Kept");
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
  const TestOrganization org = CreateOrganization();
  const projects::Project created = setup_->CreateProject(org, "Web");
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
  const TestOrganization org = CreateOrganization();
  const projects::Project project = setup_->CreateProject(org, "Web");
  std::string extra_token;
  const identity::User extra =
      setup_->CreateLoggedInUser(org, identity::ROLE_DEVELOPER, &extra_token);
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
  const TestOrganization org = CreateOrganization();
  const projects::Project project = setup_->CreateProject(org, "Web");
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
  const TestOrganization org = CreateOrganization();
  const projects::Project old_project = setup_->CreateProject(org, "Old");
  const projects::Project retained = setup_->CreateProject(org, "Kept");
  const projects::Project added = setup_->CreateProject(org, "Added");
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
  const TestOrganization org = CreateOrganization();
  const TestOrganization other = CreateOrganization();
  const projects::Project granted = setup_->CreateProject(org, "Held");
  const projects::Project requested = setup_->CreateProject(org, "Wanted");
  const projects::Project foreign = setup_->CreateProject(other, "Foreign");
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
  const TestOrganization org = CreateOrganization();
  const projects::Project first = setup_->CreateProject(org, "One");
  const projects::Project second = setup_->CreateProject(org, "Two");
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
  const TestOrganization org = CreateOrganization();
  const projects::Project project = setup_->CreateProject(org, "Web");
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
  const TestOrganization org = CreateOrganization();
  const projects::Project project = setup_->CreateProject(org, "Web");
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
  const TestOrganization org = CreateOrganization();
  const TestOrganization other = CreateOrganization();
  const projects::Project project = setup_->CreateProject(org, "Web");
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

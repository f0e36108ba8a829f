#include "services/projects/project_service.h"

#include <memory>
#include <set>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/scoped_temp_dir.h"
#include "tests/testing/test_support.h"

namespace ironorg::projects {
namespace {

using ::ironorg::identity::v1::Principal;
using ::ironorg::identity::v1::ROLE_ACCOUNTANT;
using ::ironorg::identity::v1::ROLE_ADMIN;
using ::ironorg::identity::v1::ROLE_ADMIN_READ_ONLY;
using ::ironorg::identity::v1::ROLE_DEVELOPER;
using ::ironorg::projects::v1::CheckProjectAccessRequest;
using ::ironorg::projects::v1::CreateProjectRequest;
using ::ironorg::projects::v1::GetProjectRequest;
using ::ironorg::projects::v1::GrantProjectAccessRequest;
using ::ironorg::projects::v1::ListProjectsRequest;
using ::ironorg::projects::v1::ListProjectsResponse;
using ::ironorg::projects::v1::ListUserProjectsRequest;
using ::ironorg::projects::v1::Project;
using ::ironorg::projects::v1::RevokeProjectAccessRequest;
using ::ironorg::projects::v1::UpdateProjectRequest;
using ::ironorg::test::CountRows;
using ::ironorg::test::FakeUserDirectory;
using ::ironorg::test::ScopedTempDir;
using ::ironorg::test::UserCaller;
using ::testing::HasSubstr;

constexpr char kDeveloperName[] = "organizations/org1/users/dev1";

std::vector<std::string> NamesOf(const ListProjectsResponse& response) {
  std::vector<std::string> names;
  for (const Project& project : response.projects()) {
    names.push_back(project.name());
  }
  return names;
}

class ProjectServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(directory_.path().empty());
    absl::StatusOr<std::unique_ptr<ProjectStore>> store =
        ProjectStore::Open(directory_.path());
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    service_ = std::make_unique<ProjectService>(
        store_.get(), &users_,
        pagination::PageTokenCodec(std::string(32, 'k')));
    users_.AddUser(kDeveloperName);
  }

  Project Create(absl::string_view display_name,
                 absl::string_view request_id = "") {
    CreateProjectRequest request;
    request.set_parent("organizations/org1");
    request.mutable_project()->set_display_name(std::string(display_name));
    request.set_request_id(std::string(request_id));
    absl::StatusOr<Project> project = service_->CreateProject(admin_, request);
    EXPECT_TRUE(project.ok()) << project.status();
    return project.ok() ? *project : Project();
  }

  absl::Status Grant(const Principal& caller, absl::string_view project,
                     absl::string_view user) {
    GrantProjectAccessRequest request;
    request.set_project(std::string(project));
    request.set_user(std::string(user));
    return service_->GrantProjectAccess(caller, request).status();
  }

  absl::Status Revoke(absl::string_view project, absl::string_view user) {
    RevokeProjectAccessRequest request;
    request.set_project(std::string(project));
    request.set_user(std::string(user));
    return service_->RevokeProjectAccess(admin_, request).status();
  }

  absl::StatusOr<ListProjectsResponse> List(const Principal& caller,
                                            int page_size = 0,
                                            absl::string_view page_token = "") {
    ListProjectsRequest request;
    request.set_parent("organizations/org1");
    request.set_page_size(page_size);
    request.set_page_token(std::string(page_token));
    return service_->ListProjects(caller, request);
  }

  ScopedTempDir directory_;
  FakeUserDirectory users_;
  std::unique_ptr<ProjectStore> store_;
  std::unique_ptr<ProjectService> service_;
  const Principal admin_ = UserCaller("org1", "admin1", ROLE_ADMIN);
  const Principal developer_ = UserCaller("org1", "dev1", ROLE_DEVELOPER);
};

TEST_F(ProjectServiceTest, CreateAndGetProject) {
  const Project created = Create("  Web shop  ");
  GetProjectRequest request;
  request.set_name(created.name());

  absl::StatusOr<Project> found = service_->GetProject(admin_, request);

  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(found->display_name(), "Web shop");
  EXPECT_EQ(found->etag(), "1");
  EXPECT_EQ(found->name(), created.name());
}

TEST_F(ProjectServiceTest, CreateProjectRejectsEmptyDisplayName) {
  CreateProjectRequest request;
  request.set_parent("organizations/org1");
  request.mutable_project()->set_display_name("   ");

  absl::StatusOr<Project> project = service_->CreateProject(admin_, request);

  EXPECT_EQ(project.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(project.status().message(), HasSubstr("project.display_name"));
  EXPECT_EQ(CountRows(directory_.File(kDatabaseFileName), "projects"), 0);
}

TEST_F(ProjectServiceTest, CreateProjectByDeveloperIsPermissionDenied) {
  CreateProjectRequest request;
  request.set_parent("organizations/org1");
  request.mutable_project()->set_display_name("Web");

  absl::StatusOr<Project> project =
      service_->CreateProject(developer_, request);

  EXPECT_EQ(project.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(CountRows(directory_.File(kDatabaseFileName), "projects"), 0);
}

TEST_F(ProjectServiceTest, CreateProjectInOtherOrganizationIsPermissionDenied) {
  CreateProjectRequest request;
  request.set_parent("organizations/org2");
  request.mutable_project()->set_display_name("Web");

  absl::StatusOr<Project> project = service_->CreateProject(admin_, request);

  EXPECT_EQ(project.status().code(), absl::StatusCode::kPermissionDenied);
}

TEST_F(ProjectServiceTest, RequestIdRetryCreatesOneProject) {
  const Project first = Create("Web", "retry-1");
  const Project second = Create("Web", "retry-1");

  EXPECT_EQ(second.name(), first.name());
  EXPECT_EQ(CountRows(directory_.File(kDatabaseFileName), "projects"), 1);
  EXPECT_EQ(CountRows(directory_.File(kDatabaseFileName), "request_ids"), 1);
}

TEST_F(ProjectServiceTest, RequestIdIsScopedToCaller) {
  const Project first = Create("Web", "retry-1");
  CreateProjectRequest request;
  request.set_parent("organizations/org1");
  request.mutable_project()->set_display_name("Web");
  request.set_request_id("retry-1");

  absl::StatusOr<Project> second = service_->CreateProject(
      UserCaller("org1", "admin2", ROLE_ADMIN), request);

  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_NE(second->name(), first.name());
}

TEST_F(ProjectServiceTest, GetProjectOfOtherOrganizationIsPermissionDenied) {
  const Project created = Create("Web");
  GetProjectRequest request;
  request.set_name(created.name());

  absl::StatusOr<Project> found =
      service_->GetProject(UserCaller("org2", "admin9", ROLE_ADMIN), request);

  EXPECT_EQ(found.status().code(), absl::StatusCode::kPermissionDenied);
}

TEST_F(ProjectServiceTest,
       MissingProjectOfOtherOrganizationIsPermissionDenied) {
  GetProjectRequest request;
  request.set_name("organizations/org1/projects/missing");

  absl::StatusOr<Project> found =
      service_->GetProject(UserCaller("org2", "admin9", ROLE_ADMIN), request);

  EXPECT_EQ(found.status().code(), absl::StatusCode::kPermissionDenied);
}

TEST_F(ProjectServiceTest, GetMissingProjectIsNotFound) {
  GetProjectRequest request;
  request.set_name("organizations/org1/projects/missing");

  absl::StatusOr<Project> found = service_->GetProject(admin_, request);

  EXPECT_EQ(found.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(found.status().message(),
              HasSubstr("project \"organizations/org1/projects/missing\""));
}

TEST_F(ProjectServiceTest, GetProjectRejectsMalformedName) {
  GetProjectRequest request;
  request.set_name("projects/p1");

  absl::StatusOr<Project> found = service_->GetProject(admin_, request);

  EXPECT_EQ(found.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(found.status().message(), HasSubstr("name"));
}

TEST_F(ProjectServiceTest, DeveloperGetWithoutGrantIsPermissionDenied) {
  const Project created = Create("Web");
  GetProjectRequest request;
  request.set_name(created.name());

  absl::StatusOr<Project> found = service_->GetProject(developer_, request);

  EXPECT_EQ(found.status().code(), absl::StatusCode::kPermissionDenied);
}

TEST_F(ProjectServiceTest, DeveloperGetWithGrantReturnsProject) {
  const Project created = Create("Web");
  ASSERT_TRUE(Grant(admin_, created.name(), kDeveloperName).ok());
  GetProjectRequest request;
  request.set_name(created.name());

  absl::StatusOr<Project> found = service_->GetProject(developer_, request);

  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(found->name(), created.name());
}

TEST_F(ProjectServiceTest, DeveloperListsOnlyGrantedProjects) {
  const Project granted = Create("Granted");
  Create("Hidden");
  ASSERT_TRUE(Grant(admin_, granted.name(), kDeveloperName).ok());

  absl::StatusOr<ListProjectsResponse> listed = List(developer_);

  ASSERT_TRUE(listed.ok()) << listed.status();
  EXPECT_THAT(NamesOf(*listed), ::testing::ElementsAre(granted.name()));
}

TEST_F(ProjectServiceTest, RevokedGrantDisappearsFromDeveloperList) {
  const Project granted = Create("Granted");
  ASSERT_TRUE(Grant(admin_, granted.name(), kDeveloperName).ok());

  ASSERT_TRUE(Revoke(granted.name(), kDeveloperName).ok());
  absl::StatusOr<ListProjectsResponse> listed = List(developer_);

  ASSERT_TRUE(listed.ok()) << listed.status();
  EXPECT_TRUE(listed->projects().empty());
}

TEST_F(ProjectServiceTest, RevokeMissingGrantSucceeds) {
  const Project project = Create("Web");

  absl::Status revoked = Revoke(project.name(), kDeveloperName);

  EXPECT_TRUE(revoked.ok()) << revoked;
}

TEST_F(ProjectServiceTest, AdminReadOnlyListsAllProjects) {
  Create("One");
  Create("Two");

  absl::StatusOr<ListProjectsResponse> listed =
      List(UserCaller("org1", "reader1", ROLE_ADMIN_READ_ONLY));

  ASSERT_TRUE(listed.ok()) << listed.status();
  EXPECT_EQ(listed->projects_size(), 2);
}

TEST_F(ProjectServiceTest, AccountantListProjectsIsPermissionDenied) {
  Create("One");

  absl::StatusOr<ListProjectsResponse> listed =
      List(UserCaller("org1", "acct1", ROLE_ACCOUNTANT));

  EXPECT_EQ(listed.status().code(), absl::StatusCode::kPermissionDenied);
}

TEST_F(ProjectServiceTest, PagesReturnEachProjectOnce) {
  std::set<std::string> created;
  for (int i = 0; i < 7; ++i) {
    created.insert(Create(absl::StrCat("Project ", i)).name());
  }

  std::multiset<std::string> listed;
  std::string page_token;
  int pages = 0;
  do {
    absl::StatusOr<ListProjectsResponse> page = List(admin_, 3, page_token);
    ASSERT_TRUE(page.ok()) << page.status();
    ++pages;
    for (const std::string& name : NamesOf(*page)) {
      listed.insert(name);
    }
    page_token = page->next_page_token();
  } while (!page_token.empty());

  EXPECT_EQ(pages, 3);
  EXPECT_EQ(std::set<std::string>(listed.begin(), listed.end()), created);
  EXPECT_EQ(listed.size(), created.size());
}

TEST_F(ProjectServiceTest, PageTokenOfOtherCallerIsInvalidArgument) {
  Create("One");
  Create("Two");
  absl::StatusOr<ListProjectsResponse> first = List(admin_, 1);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_FALSE(first->next_page_token().empty());

  absl::StatusOr<ListProjectsResponse> second = List(
      UserCaller("org1", "admin2", ROLE_ADMIN), 1, first->next_page_token());

  EXPECT_EQ(second.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(second.status().message(), HasSubstr("page_token"));
}

TEST_F(ProjectServiceTest, NegativePageSizeIsInvalidArgument) {
  absl::StatusOr<ListProjectsResponse> listed = List(admin_, -1);

  EXPECT_EQ(listed.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(listed.status().message(), HasSubstr("page_size"));
}

TEST_F(ProjectServiceTest, GrantingTwiceStoresOneGrant) {
  const Project project = Create("Web");

  absl::Status first = Grant(admin_, project.name(), kDeveloperName);
  absl::Status second = Grant(admin_, project.name(), kDeveloperName);

  EXPECT_TRUE(first.ok()) << first;
  EXPECT_TRUE(second.ok()) << second;
  EXPECT_EQ(CountRows(directory_.File(kDatabaseFileName), "project_grants"), 1);
}

TEST_F(ProjectServiceTest, GrantToOtherOrganizationUserIsDenied) {
  const Project project = Create("Web");
  users_.AddUser("organizations/org2/users/dev2");

  absl::Status granted =
      Grant(admin_, project.name(), "organizations/org2/users/dev2");

  EXPECT_EQ(granted.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(CountRows(directory_.File(kDatabaseFileName), "project_grants"), 0);
  EXPECT_EQ(users_.lookups(), 0);
}

TEST_F(ProjectServiceTest, GrantToUnknownUserIsNotFound) {
  const Project project = Create("Web");

  absl::Status granted =
      Grant(admin_, project.name(), "organizations/org1/users/ghost");

  EXPECT_EQ(granted.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(granted.message(),
            "user \"organizations/org1/users/ghost\" not found");
  EXPECT_EQ(CountRows(directory_.File(kDatabaseFileName), "project_grants"), 0);
}

TEST_F(ProjectServiceTest, GrantWhileIdentityIsUnavailableIsUnavailable) {
  const Project project = Create("Web");
  users_.SetUnavailable(true);

  absl::Status granted = Grant(admin_, project.name(), kDeveloperName);

  EXPECT_EQ(granted.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(CountRows(directory_.File(kDatabaseFileName), "project_grants"), 0);
}

TEST_F(ProjectServiceTest, GrantOnMissingProjectIsNotFound) {
  absl::Status granted =
      Grant(admin_, "organizations/org1/projects/missing", kDeveloperName);

  EXPECT_EQ(granted.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(granted.message(), HasSubstr("project"));
}

TEST_F(ProjectServiceTest, GrantByOtherOrganizationAdminIsDenied) {
  const Project project = Create("Web");

  absl::Status granted = Grant(UserCaller("org2", "admin9", ROLE_ADMIN),
                               project.name(), kDeveloperName);

  EXPECT_EQ(granted.code(), absl::StatusCode::kPermissionDenied);
}

TEST_F(ProjectServiceTest, DeveloperListsOwnUserProjects) {
  const Project project = Create("Web");
  ASSERT_TRUE(Grant(admin_, project.name(), kDeveloperName).ok());
  ListUserProjectsRequest request;
  request.set_user(kDeveloperName);

  absl::StatusOr<v1::ListUserProjectsResponse> listed =
      service_->ListUserProjects(developer_, request);

  ASSERT_TRUE(listed.ok()) << listed.status();
  ASSERT_EQ(listed->projects_size(), 1);
  EXPECT_EQ(listed->projects(0).name(), project.name());
}

TEST_F(ProjectServiceTest,
       DeveloperListingOtherUserProjectsIsPermissionDenied) {
  ListUserProjectsRequest request;
  request.set_user("organizations/org1/users/dev2");

  absl::StatusOr<v1::ListUserProjectsResponse> listed =
      service_->ListUserProjects(developer_, request);

  EXPECT_EQ(listed.status().code(), absl::StatusCode::kPermissionDenied);
}

TEST_F(ProjectServiceTest, CheckProjectAccessReportsGrant) {
  const Project project = Create("Web");
  ASSERT_TRUE(Grant(admin_, project.name(), kDeveloperName).ok());
  Principal service;
  service.set_kind(Principal::KIND_SERVICE);
  CheckProjectAccessRequest granted_request;
  granted_request.set_project(project.name());
  granted_request.set_user(kDeveloperName);
  CheckProjectAccessRequest other_request;
  other_request.set_project(project.name());
  other_request.set_user("organizations/org1/users/dev2");

  absl::StatusOr<v1::CheckProjectAccessResponse> granted =
      service_->CheckProjectAccess(service, granted_request);
  absl::StatusOr<v1::CheckProjectAccessResponse> other =
      service_->CheckProjectAccess(service, other_request);

  ASSERT_TRUE(granted.ok()) << granted.status();
  EXPECT_TRUE(granted->granted());
  ASSERT_TRUE(other.ok()) << other.status();
  EXPECT_FALSE(other->granted());
}

TEST_F(ProjectServiceTest, UpdateProjectIsUnimplemented) {
  absl::StatusOr<Project> updated =
      service_->UpdateProject(admin_, UpdateProjectRequest());

  EXPECT_EQ(updated.status().code(), absl::StatusCode::kUnimplemented);
  EXPECT_THAT(updated.status().message(),
              HasSubstr("ironorg.projects.v1.ProjectService/UpdateProject"));
}

}  // namespace
}  // namespace ironorg::projects

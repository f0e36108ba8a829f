#include "services/projects/project_service.h"

#include <algorithm>
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>

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
using ::ironorg::projects::v1::DeleteProjectRequest;
using ::ironorg::projects::v1::GetProjectRequest;
using ::ironorg::projects::v1::GrantProjectAccessRequest;
using ::ironorg::projects::v1::ListProjectMembersRequest;
using ::ironorg::projects::v1::ListProjectsRequest;
using ::ironorg::projects::v1::ListProjectsResponse;
using ::ironorg::projects::v1::ListUserProjectsRequest;
using ::ironorg::projects::v1::Project;
using ::ironorg::projects::v1::RevokeProjectAccessRequest;
using ::ironorg::projects::v1::SetUserProjectsRequest;
using ::ironorg::projects::v1::UpdateProjectRequest;
using ::ironorg::test::CountRows;
using ::ironorg::test::FakeUserDirectory;
using ::ironorg::test::ScopedTempDir;
using ::ironorg::test::UserCaller;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;

constexpr char kDeveloperName[] = "organizations/org1/users/dev1";

std::vector<std::string> ProjectNames(
    const google::protobuf::RepeatedPtrField<Project>& projects) {
  std::vector<std::string> names;
  for (const Project& project : projects) {
    names.push_back(project.name());
  }
  return names;
}

std::vector<std::string> Sorted(std::vector<std::string> names) {
  std::sort(names.begin(), names.end());
  return names;
}

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

  absl::StatusOr<Project> Get(const Principal& caller, absl::string_view name) {
    GetProjectRequest request;
    request.set_name(std::string(name));
    return service_->GetProject(caller, request);
  }

  absl::StatusOr<Project> Update(
      const Principal& caller, absl::string_view name,
      absl::string_view display_name, absl::string_view etag,
      const std::vector<std::string>& paths = {"display_name"}) {
    UpdateProjectRequest request;
    request.mutable_project()->set_name(std::string(name));
    request.mutable_project()->set_display_name(std::string(display_name));
    request.mutable_project()->set_etag(std::string(etag));
    for (const std::string& path : paths) {
      request.mutable_update_mask()->add_paths(path);
    }
    return service_->UpdateProject(caller, request);
  }

  absl::Status Delete(const Principal& caller, absl::string_view name,
                      absl::string_view etag) {
    DeleteProjectRequest request;
    request.set_name(std::string(name));
    request.set_etag(std::string(etag));
    return service_->DeleteProject(caller, request).status();
  }

  absl::StatusOr<v1::ListProjectMembersResponse> ListMembers(
      const Principal& caller, absl::string_view project, int page_size = 0,
      absl::string_view page_token = "") {
    ListProjectMembersRequest request;
    request.set_project(std::string(project));
    request.set_page_size(page_size);
    request.set_page_token(std::string(page_token));
    return service_->ListProjectMembers(caller, request);
  }

  absl::StatusOr<v1::ListUserProjectsResponse> ListUserProjects(
      const Principal& caller, absl::string_view user) {
    ListUserProjectsRequest request;
    request.set_user(std::string(user));
    return service_->ListUserProjects(caller, request);
  }

  absl::StatusOr<v1::SetUserProjectsResponse> SetUserProjects(
      const Principal& caller, absl::string_view user,
      const std::vector<std::string>& projects) {
    SetUserProjectsRequest request;
    request.set_user(std::string(user));
    for (const std::string& project : projects) {
      request.add_projects(project);
    }
    return service_->SetUserProjects(caller, request);
  }

  // Returns the audit events whose resource is `resource`, newest first.
  absl::StatusOr<v1::ListAuditEventsResponse> AuditEventsOn(
      absl::string_view resource) {
    v1::ListAuditEventsRequest request;
    request.set_parent("organizations/org1");
    request.set_resource(std::string(resource));
    return service_->ListAuditEvents(admin_, request);
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

TEST_F(ProjectServiceTest, UpdateProjectRenamesAndReturnsNewEtag) {
  const Project created = Create("Web");

  absl::StatusOr<Project> updated =
      Update(admin_, created.name(), "  Web shop  ", created.etag());
  absl::StatusOr<Project> found = Get(admin_, created.name());

  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(updated->display_name(), "Web shop");
  EXPECT_EQ(updated->etag(), "2");
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(found->display_name(), "Web shop");
  EXPECT_EQ(found->etag(), "2");
}

TEST_F(ProjectServiceTest, UpdateProjectWithoutMaskIsInvalidArgument) {
  const Project created = Create("Web");
  UpdateProjectRequest request;
  request.mutable_project()->set_name(created.name());
  request.mutable_project()->set_display_name("Web shop");

  absl::StatusOr<Project> updated = service_->UpdateProject(admin_, request);

  EXPECT_EQ(updated.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(updated.status().message(), HasSubstr("update_mask"));
  EXPECT_THAT(updated.status().message(),
              HasSubstr("allowed paths: display_name"));
}

TEST_F(ProjectServiceTest, UpdateProjectWithUnknownPathIsInvalidArgument) {
  const Project created = Create("Web");

  absl::StatusOr<Project> updated =
      Update(admin_, created.name(), "Web shop", "", {"display_name", "name"});
  absl::StatusOr<Project> found = Get(admin_, created.name());

  EXPECT_EQ(updated.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(updated.status().message(),
              HasSubstr("update_mask path \"name\" cannot be updated"));
  EXPECT_THAT(updated.status().message(),
              HasSubstr("allowed paths: display_name"));
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(found->display_name(), "Web");
}

TEST_F(ProjectServiceTest, UpdateProjectRejectsBlankDisplayName) {
  const Project created = Create("Web");

  absl::StatusOr<Project> updated = Update(admin_, created.name(), "   ", "");

  EXPECT_EQ(updated.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(updated.status().message(), HasSubstr("project.display_name"));
}

TEST_F(ProjectServiceTest, UpdateProjectRejectsMalformedName) {
  absl::StatusOr<Project> updated = Update(admin_, "projects/p1", "Web", "");

  EXPECT_EQ(updated.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(updated.status().message(), HasSubstr("project.name"));
}

TEST_F(ProjectServiceTest, UpdateProjectWithStaleEtagChangesNothing) {
  const Project created = Create("Web");
  ASSERT_TRUE(Update(admin_, created.name(), "Second", "").ok());

  absl::StatusOr<Project> updated =
      Update(admin_, created.name(), "Third", created.etag());
  absl::StatusOr<Project> found = Get(admin_, created.name());

  EXPECT_EQ(updated.status().code(), absl::StatusCode::kAborted);
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(found->display_name(), "Second");
  EXPECT_EQ(found->etag(), "2");
}

TEST_F(ProjectServiceTest, UpdateMissingProjectIsNotFound) {
  absl::StatusOr<Project> updated =
      Update(admin_, "organizations/org1/projects/missing", "Web", "");

  EXPECT_EQ(updated.status().code(), absl::StatusCode::kNotFound);
}

TEST_F(ProjectServiceTest, UpdateProjectOfOtherOrganizationIsDenied) {
  const Project created = Create("Web");
  const Principal other_admin = UserCaller("org2", "admin9", ROLE_ADMIN);

  absl::StatusOr<Project> existing =
      Update(other_admin, created.name(), "Taken", "");
  absl::StatusOr<Project> missing =
      Update(other_admin, "organizations/org1/projects/missing", "Taken", "");

  EXPECT_EQ(existing.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kPermissionDenied);
}

TEST_F(ProjectServiceTest, DeleteProjectRemovesProjectAndGrants) {
  const Project deleted = Create("Deleted");
  const Project retained = Create("Kept");
  ASSERT_TRUE(Grant(admin_, deleted.name(), kDeveloperName).ok());
  ASSERT_TRUE(Grant(admin_, retained.name(), kDeveloperName).ok());

  absl::Status status = Delete(admin_, deleted.name(), deleted.etag());
  absl::StatusOr<Project> admin_get = Get(admin_, deleted.name());
  absl::StatusOr<Project> developer_get = Get(developer_, deleted.name());
  absl::StatusOr<v1::ListUserProjectsResponse> user_projects =
      ListUserProjects(admin_, kDeveloperName);

  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(admin_get.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(developer_get.status().code(), absl::StatusCode::kPermissionDenied);
  ASSERT_TRUE(user_projects.ok()) << user_projects.status();
  ASSERT_EQ(user_projects->projects_size(), 1);
  EXPECT_EQ(user_projects->projects(0).name(), retained.name());
  EXPECT_EQ(CountRows(directory_.File(kDatabaseFileName), "project_grants"), 1);
}

TEST_F(ProjectServiceTest, DeleteProjectWithStaleEtagChangesNothing) {
  const Project project = Create("Web");
  ASSERT_TRUE(Grant(admin_, project.name(), kDeveloperName).ok());

  absl::Status status = Delete(admin_, project.name(), "5");
  absl::StatusOr<Project> found = Get(admin_, project.name());

  EXPECT_EQ(status.code(), absl::StatusCode::kAborted);
  EXPECT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(CountRows(directory_.File(kDatabaseFileName), "project_grants"), 1);
}

TEST_F(ProjectServiceTest, DeleteMissingProjectIsNotFound) {
  absl::Status status =
      Delete(admin_, "organizations/org1/projects/missing", "");

  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(status.message(),
              HasSubstr("project \"organizations/org1/projects/missing\""));
}

TEST_F(ProjectServiceTest, DeleteProjectChecksPermissionBeforeExistence) {
  const Principal other_admin = UserCaller("org2", "admin9", ROLE_ADMIN);

  absl::Status status =
      Delete(other_admin, "organizations/org1/projects/missing", "");

  EXPECT_EQ(status.code(), absl::StatusCode::kPermissionDenied);
}

TEST_F(ProjectServiceTest, DeleteProjectRejectsMalformedName) {
  absl::Status status = Delete(admin_, "organizations/org1/p1", "");

  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("name"));
}

TEST_F(ProjectServiceTest, ListProjectMembersPagesByUserName) {
  const Project project = Create("Web");
  std::vector<std::string> expected;
  for (const char* user : {"u3", "u1", "u5", "u2", "u4"}) {
    const std::string name = absl::StrCat("organizations/org1/users/", user);
    users_.AddUser(name);
    ASSERT_TRUE(Grant(admin_, project.name(), name).ok());
    expected.push_back(name);
  }
  std::sort(expected.begin(), expected.end());
  const Principal reader = UserCaller("org1", "reader1", ROLE_ADMIN_READ_ONLY);

  std::vector<std::string> listed;
  std::string page_token;
  int pages = 0;
  do {
    absl::StatusOr<v1::ListProjectMembersResponse> page =
        ListMembers(reader, project.name(), 2, page_token);
    ASSERT_TRUE(page.ok()) << page.status();
    ++pages;
    listed.insert(listed.end(), page->users().begin(), page->users().end());
    page_token = page->next_page_token();
  } while (!page_token.empty() && pages < 10);

  EXPECT_EQ(pages, 3);
  EXPECT_EQ(listed, expected);
}

TEST_F(ProjectServiceTest, ListProjectMembersByServiceIsAllowed) {
  const Project project = Create("Web");
  ASSERT_TRUE(Grant(admin_, project.name(), kDeveloperName).ok());
  Principal service;
  service.set_kind(Principal::KIND_SERVICE);

  absl::StatusOr<v1::ListProjectMembersResponse> listed =
      ListMembers(service, project.name());

  ASSERT_TRUE(listed.ok()) << listed.status();
  EXPECT_THAT(listed->users(), ElementsAre(kDeveloperName));
  EXPECT_TRUE(listed->next_page_token().empty());
}

TEST_F(ProjectServiceTest, ListMembersOfMissingProjectIsNotFound) {
  absl::StatusOr<v1::ListProjectMembersResponse> listed =
      ListMembers(admin_, "organizations/org1/projects/missing");

  EXPECT_EQ(listed.status().code(), absl::StatusCode::kNotFound);
}

TEST_F(ProjectServiceTest, ListProjectMembersChecksPermissionFirst) {
  absl::StatusOr<v1::ListProjectMembersResponse> listed =
      ListMembers(UserCaller("org2", "admin9", ROLE_ADMIN),
                  "organizations/org1/projects/missing");

  EXPECT_EQ(listed.status().code(), absl::StatusCode::kPermissionDenied);
}

TEST_F(ProjectServiceTest, ListProjectMembersRejectsMalformedProject) {
  absl::StatusOr<v1::ListProjectMembersResponse> listed =
      ListMembers(admin_, "organizations/org1");

  EXPECT_EQ(listed.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(listed.status().message(), HasSubstr("project"));
}

TEST_F(ProjectServiceTest, ListProjectMembersRejectsNegativePageSize) {
  const Project project = Create("Web");

  absl::StatusOr<v1::ListProjectMembersResponse> listed =
      ListMembers(admin_, project.name(), -1);

  EXPECT_EQ(listed.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(listed.status().message(), HasSubstr("page_size"));
}

TEST_F(ProjectServiceTest, ListMembersRejectsOtherProjectToken) {
  const Project first_project = Create("One");
  const Project second_project = Create("Two");
  users_.AddUser("organizations/org1/users/dev2");
  ASSERT_TRUE(Grant(admin_, first_project.name(), kDeveloperName).ok());
  ASSERT_TRUE(
      Grant(admin_, first_project.name(), "organizations/org1/users/dev2")
          .ok());
  absl::StatusOr<v1::ListProjectMembersResponse> first =
      ListMembers(admin_, first_project.name(), 1);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_FALSE(first->next_page_token().empty());

  absl::StatusOr<v1::ListProjectMembersResponse> second =
      ListMembers(admin_, second_project.name(), 1, first->next_page_token());

  EXPECT_EQ(second.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(second.status().message(), HasSubstr("page_token"));
}

TEST_F(ProjectServiceTest, SetUserProjectsReplacesWholeSet) {
  const Project old_project = Create("Old");
  const Project retained = Create("Kept");
  const Project added = Create("Added");
  ASSERT_TRUE(Grant(admin_, old_project.name(), kDeveloperName).ok());
  ASSERT_TRUE(Grant(admin_, retained.name(), kDeveloperName).ok());

  absl::StatusOr<v1::SetUserProjectsResponse> set =
      SetUserProjects(admin_, kDeveloperName, {added.name(), retained.name()});
  absl::StatusOr<v1::ListUserProjectsResponse> user_projects =
      ListUserProjects(admin_, kDeveloperName);

  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_THAT(set->projects(),
              ElementsAreArray(Sorted({added.name(), retained.name()})));
  ASSERT_TRUE(user_projects.ok()) << user_projects.status();
  EXPECT_THAT(ProjectNames(user_projects->projects()),
              ElementsAreArray(Sorted({added.name(), retained.name()})));
}

TEST_F(ProjectServiceTest, SetUserProjectsAuditsOnceOnUser) {
  const Project first = Create("One");
  const Project second = Create("Two");

  ASSERT_TRUE(
      SetUserProjects(admin_, kDeveloperName, {first.name(), second.name()})
          .ok());
  absl::StatusOr<v1::ListAuditEventsResponse> events =
      AuditEventsOn(kDeveloperName);

  ASSERT_TRUE(events.ok()) << events.status();
  ASSERT_EQ(events->audit_events_size(), 1);
  EXPECT_EQ(events->audit_events(0).action(), "SetUserProjects");
  EXPECT_EQ(events->audit_events(0).actor(), admin_.user());
}

TEST_F(ProjectServiceTest, SetUserProjectsWithSameSetWritesNothing) {
  const Project project = Create("Web");
  ASSERT_TRUE(SetUserProjects(admin_, kDeveloperName, {project.name()}).ok());
  const int64_t audit_rows =
      CountRows(directory_.File(kDatabaseFileName), "audit_events");
  const int64_t outbox_rows =
      CountRows(directory_.File(kDatabaseFileName), "outbox");

  absl::StatusOr<v1::SetUserProjectsResponse> again =
      SetUserProjects(admin_, kDeveloperName, {project.name()});

  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_THAT(again->projects(), ElementsAre(project.name()));
  EXPECT_EQ(CountRows(directory_.File(kDatabaseFileName), "audit_events"),
            audit_rows);
  EXPECT_EQ(CountRows(directory_.File(kDatabaseFileName), "outbox"),
            outbox_rows);
}

TEST_F(ProjectServiceTest, SetUserProjectsWithMissingProjectChangesNothing) {
  const Project old_project = Create("Old");
  const Project new_project = Create("New");
  ASSERT_TRUE(Grant(admin_, old_project.name(), kDeveloperName).ok());

  absl::StatusOr<v1::SetUserProjectsResponse> set = SetUserProjects(
      admin_, kDeveloperName,
      {new_project.name(), "organizations/org1/projects/missing1",
       "organizations/org1/projects/missing2"});
  absl::StatusOr<v1::ListUserProjectsResponse> user_projects =
      ListUserProjects(admin_, kDeveloperName);

  EXPECT_EQ(set.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(set.status().message(),
              HasSubstr("\"organizations/org1/projects/missing1\""));
  // The one lookup is the grant's: a missing project stops the call
  // before identity is asked.
  EXPECT_EQ(users_.lookups(), 1);
  ASSERT_TRUE(user_projects.ok()) << user_projects.status();
  EXPECT_THAT(ProjectNames(user_projects->projects()),
              ElementsAre(old_project.name()));
}

TEST_F(ProjectServiceTest, SetUserProjectsEmptySkipsIdentity) {
  const Project project = Create("Web");
  ASSERT_TRUE(Grant(admin_, project.name(), kDeveloperName).ok());
  users_.SetUnavailable(true);

  absl::StatusOr<v1::SetUserProjectsResponse> set =
      SetUserProjects(admin_, kDeveloperName, {});

  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_TRUE(set->projects().empty());
  EXPECT_EQ(CountRows(directory_.File(kDatabaseFileName), "project_grants"), 0);
}

TEST_F(ProjectServiceTest, SetUserProjectsCountsRepeatedNamesOnce) {
  const Project project = Create("Web");

  absl::StatusOr<v1::SetUserProjectsResponse> set =
      SetUserProjects(admin_, kDeveloperName, {project.name(), project.name()});

  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_THAT(set->projects(), ElementsAre(project.name()));
  EXPECT_EQ(CountRows(directory_.File(kDatabaseFileName), "project_grants"), 1);
}

TEST_F(ProjectServiceTest, SetUserProjectsRejectsMalformedName) {
  const Project project = Create("Web");

  absl::StatusOr<v1::SetUserProjectsResponse> set = SetUserProjects(
      admin_, kDeveloperName, {project.name(), "organizations/org1/p1"});

  EXPECT_EQ(set.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(set.status().message(), HasSubstr("projects[1]"));
  EXPECT_EQ(CountRows(directory_.File(kDatabaseFileName), "project_grants"), 0);
}

TEST_F(ProjectServiceTest, SetUserProjectsRejectsMoreThanMaximum) {
  const Project project = Create("Web");
  const std::vector<std::string> names(1001, project.name());

  absl::StatusOr<v1::SetUserProjectsResponse> set =
      SetUserProjects(admin_, kDeveloperName, names);

  EXPECT_EQ(set.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(set.status().message(), HasSubstr("projects lists 1001 names"));
  EXPECT_THAT(set.status().message(), HasSubstr("at most 1000"));
}

TEST_F(ProjectServiceTest, SetUserProjectsOfOtherOrganizationIsDenied) {
  const Project project = Create("Web");
  users_.AddUser("organizations/org2/users/dev2");

  absl::StatusOr<v1::SetUserProjectsResponse> foreign_project =
      SetUserProjects(admin_, kDeveloperName,
                      {project.name(), "organizations/org2/projects/p2"});
  absl::StatusOr<v1::SetUserProjectsResponse> foreign_user =
      SetUserProjects(admin_, "organizations/org2/users/dev2", {});

  EXPECT_EQ(foreign_project.status().code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(foreign_user.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(CountRows(directory_.File(kDatabaseFileName), "project_grants"), 0);
}

TEST_F(ProjectServiceTest, SetUserProjectsUnknownUserIsNotFound) {
  const Project project = Create("Web");

  absl::StatusOr<v1::SetUserProjectsResponse> set = SetUserProjects(
      admin_, "organizations/org1/users/ghost", {project.name()});

  EXPECT_EQ(set.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(set.status().message(),
            "user \"organizations/org1/users/ghost\" not found");
  EXPECT_EQ(CountRows(directory_.File(kDatabaseFileName), "project_grants"), 0);
}

TEST_F(ProjectServiceTest, NewCallsDenyDeveloperAndAccountant) {
  const Project project = Create("Web");
  ASSERT_TRUE(Grant(admin_, project.name(), kDeveloperName).ok());

  for (const Principal& caller :
       {developer_, UserCaller("org1", "acct1", ROLE_ACCOUNTANT)}) {
    EXPECT_EQ(Update(caller, project.name(), "Renamed", "").status().code(),
              absl::StatusCode::kPermissionDenied)
        << caller.user();
    EXPECT_EQ(Delete(caller, project.name(), "").code(),
              absl::StatusCode::kPermissionDenied)
        << caller.user();
    EXPECT_EQ(ListMembers(caller, project.name()).status().code(),
              absl::StatusCode::kPermissionDenied)
        << caller.user();
    EXPECT_EQ(SetUserProjects(caller, kDeveloperName, {}).status().code(),
              absl::StatusCode::kPermissionDenied)
        << caller.user();
  }
  absl::StatusOr<Project> found = Get(admin_, project.name());
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(found->etag(), "1");
  EXPECT_EQ(CountRows(directory_.File(kDatabaseFileName), "project_grants"), 1);
}

TEST_F(ProjectServiceTest, AdminReadOnlyMayOnlyListMembers) {
  const Project project = Create("Web");
  ASSERT_TRUE(Grant(admin_, project.name(), kDeveloperName).ok());
  const Principal reader = UserCaller("org1", "reader1", ROLE_ADMIN_READ_ONLY);

  absl::StatusOr<Project> updated = Update(reader, project.name(), "New", "");
  absl::Status deleted = Delete(reader, project.name(), "");
  absl::StatusOr<v1::SetUserProjectsResponse> set =
      SetUserProjects(reader, kDeveloperName, {});
  absl::StatusOr<v1::ListProjectMembersResponse> listed =
      ListMembers(reader, project.name());

  EXPECT_EQ(updated.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(deleted.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(set.status().code(), absl::StatusCode::kPermissionDenied);
  ASSERT_TRUE(listed.ok()) << listed.status();
  EXPECT_THAT(listed->users(), ElementsAre(kDeveloperName));
  EXPECT_EQ(CountRows(directory_.File(kDatabaseFileName), "project_grants"), 1);
}

}  // namespace
}  // namespace ironorg::projects

#include "services/projects/project_store.h"

#include <memory>
#include <set>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/scoped_temp_dir.h"
#include "tests/testing/test_support.h"

namespace ironorg::projects {
namespace {

using ::ironorg::projects::v1::Project;
using ::ironorg::test::CountRows;
using ::ironorg::test::ScopedTempDir;
using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr char kOrganization[] = "org1";
constexpr char kUser[] = "organizations/org1/users/user1";

Mutation MakeMutation(absl::string_view action,
                      absl::string_view request_id = "") {
  return Mutation{"organizations/org1/users/admin", std::string(action),
                  std::string(request_id), 1700000000000000};
}

std::string IdOf(const Project& project) {
  return project.name().substr(project.name().rfind('/') + 1);
}

class ProjectStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(directory_.path().empty());
    absl::StatusOr<std::unique_ptr<ProjectStore>> store =
        ProjectStore::Open(directory_.path());
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
  }

  Project Create(absl::string_view display_name) {
    absl::StatusOr<CreatedProject> created = store_->CreateProject(
        kOrganization, display_name, MakeMutation("CreateProject"));
    EXPECT_TRUE(created.ok()) << created.status();
    return created.ok() ? created->project : Project();
  }

  ScopedTempDir directory_;
  std::unique_ptr<ProjectStore> store_;
};

TEST_F(ProjectStoreTest, CreateProjectStoresRevisionOne) {
  const Project project = Create("Web");

  EXPECT_THAT(project.name(), StartsWith("organizations/org1/projects/"));
  EXPECT_EQ(project.display_name(), "Web");
  EXPECT_EQ(project.etag(), "1");
  EXPECT_EQ(project.create_time().seconds(), 1700000000);
  EXPECT_EQ(project.update_time().seconds(), 1700000000);
}

TEST_F(ProjectStoreTest, GetProjectReturnsCreatedProject) {
  const Project created = Create("Web");

  absl::StatusOr<Project> found =
      store_->GetProject(kOrganization, IdOf(created));

  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(found->name(), created.name());
  EXPECT_EQ(found->display_name(), "Web");
}

TEST_F(ProjectStoreTest, GetProjectOfOtherOrganizationIsNotFound) {
  const Project created = Create("Web");

  absl::StatusOr<Project> found = store_->GetProject("org2", IdOf(created));

  EXPECT_EQ(found.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(found.status().message(),
              HasSubstr("project \"organizations/org2/projects/"));
}

TEST_F(ProjectStoreTest, CreateProjectWritesAuditAndOutboxRows) {
  Create("Web");

  EXPECT_EQ(CountRows(directory_.File(kDatabaseFileName), "audit_events"), 1);
  EXPECT_EQ(CountRows(directory_.File(kDatabaseFileName), "outbox"), 1);
  EXPECT_EQ(CountRows(directory_.File(kDatabaseFileName), "request_ids"), 0);
}

TEST_F(ProjectStoreTest, CreateProjectReplaysSeenRequestId) {
  absl::StatusOr<CreatedProject> first = store_->CreateProject(
      kOrganization, "Web", MakeMutation("CreateProject", "r1"));
  absl::StatusOr<CreatedProject> second = store_->CreateProject(
      kOrganization, "Web", MakeMutation("CreateProject", "r1"));

  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_FALSE(first->replayed);
  EXPECT_TRUE(second->replayed);
  EXPECT_EQ(second->project.name(), first->project.name());
  EXPECT_EQ(CountRows(directory_.File(kDatabaseFileName), "projects"), 1);
  EXPECT_EQ(CountRows(directory_.File(kDatabaseFileName), "audit_events"), 1);
}

TEST_F(ProjectStoreTest, ListProjectsPagesInIdOrder) {
  std::set<std::string> created;
  for (int i = 0; i < 5; ++i) {
    created.insert(Create(absl::StrCat("Project ", i)).name());
  }

  std::set<std::string> listed;
  std::string after_id;
  std::string previous_id;
  int pages = 0;
  for (;;) {
    absl::StatusOr<ProjectPage> page =
        store_->ListProjects(kOrganization, after_id, 2);
    ASSERT_TRUE(page.ok()) << page.status();
    ++pages;
    for (const Project& project : page->projects) {
      EXPECT_GT(IdOf(project), previous_id);
      previous_id = IdOf(project);
      EXPECT_TRUE(listed.insert(project.name()).second) << project.name();
    }
    if (!page->has_more) {
      break;
    }
    after_id = page->last_id;
  }

  EXPECT_EQ(pages, 3);
  EXPECT_EQ(listed, created);
}

TEST_F(ProjectStoreTest, GrantAccessTwiceStoresOneGrant) {
  const Project project = Create("Web");

  absl::StatusOr<bool> first = store_->GrantAccess(
      kOrganization, IdOf(project), kUser, MakeMutation("GrantProjectAccess"));
  absl::StatusOr<bool> second = store_->GrantAccess(
      kOrganization, IdOf(project), kUser, MakeMutation("GrantProjectAccess"));

  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_TRUE(*first);
  EXPECT_FALSE(*second);
  EXPECT_EQ(CountRows(directory_.File(kDatabaseFileName), "project_grants"), 1);
  // One row for the create and one for the first grant only.
  EXPECT_EQ(CountRows(directory_.File(kDatabaseFileName), "audit_events"), 2);
  EXPECT_EQ(CountRows(directory_.File(kDatabaseFileName), "outbox"), 2);
}

TEST_F(ProjectStoreTest, GrantAccessToMissingProjectIsNotFound) {
  absl::StatusOr<bool> granted = store_->GrantAccess(
      kOrganization, "missing", kUser, MakeMutation("GrantProjectAccess"));

  EXPECT_EQ(granted.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(CountRows(directory_.File(kDatabaseFileName), "project_grants"), 0);
}

TEST_F(ProjectStoreTest, RevokeAccessRemovesGrant) {
  const Project project = Create("Web");
  ASSERT_TRUE(store_
                  ->GrantAccess(kOrganization, IdOf(project), kUser,
                                MakeMutation("GrantProjectAccess"))
                  .ok());

  absl::StatusOr<bool> revoked = store_->RevokeAccess(
      kOrganization, IdOf(project), kUser, MakeMutation("RevokeProjectAccess"));
  absl::StatusOr<bool> has_access =
      store_->HasAccess(kOrganization, IdOf(project), kUser);

  ASSERT_TRUE(revoked.ok()) << revoked.status();
  EXPECT_TRUE(*revoked);
  ASSERT_TRUE(has_access.ok()) << has_access.status();
  EXPECT_FALSE(*has_access);
}

TEST_F(ProjectStoreTest, RevokeMissingGrantChangesNothing) {
  const Project project = Create("Web");

  absl::StatusOr<bool> revoked = store_->RevokeAccess(
      kOrganization, IdOf(project), kUser, MakeMutation("RevokeProjectAccess"));

  ASSERT_TRUE(revoked.ok()) << revoked.status();
  EXPECT_FALSE(*revoked);
  EXPECT_EQ(CountRows(directory_.File(kDatabaseFileName), "audit_events"), 1);
}

TEST_F(ProjectStoreTest, ListGrantedProjectsReturnsOnlyGrantedProjects) {
  const Project granted = Create("Granted");
  Create("Other");
  ASSERT_TRUE(store_
                  ->GrantAccess(kOrganization, IdOf(granted), kUser,
                                MakeMutation("GrantProjectAccess"))
                  .ok());

  absl::StatusOr<ProjectPage> page =
      store_->ListGrantedProjects(kOrganization, kUser, "", 50);

  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_EQ(page->projects.size(), 1u);
  EXPECT_EQ(page->projects[0].name(), granted.name());
  EXPECT_FALSE(page->has_more);
}

TEST_F(ProjectStoreTest, DataSurvivesReopening) {
  const Project project = Create("Web");
  ASSERT_TRUE(store_
                  ->GrantAccess(kOrganization, IdOf(project), kUser,
                                MakeMutation("GrantProjectAccess"))
                  .ok());
  store_.reset();

  absl::StatusOr<std::unique_ptr<ProjectStore>> reopened =
      ProjectStore::Open(directory_.path());
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  absl::StatusOr<Project> found =
      (*reopened)->GetProject(kOrganization, IdOf(project));
  absl::StatusOr<bool> has_access =
      (*reopened)->HasAccess(kOrganization, IdOf(project), kUser);

  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(found->display_name(), "Web");
  ASSERT_TRUE(has_access.ok()) << has_access.status();
  EXPECT_TRUE(*has_access);
}

}  // namespace
}  // namespace ironorg::projects

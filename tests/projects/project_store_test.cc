#include "services/projects/project_store.h"

#include <sqlite3.h>

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

using ::ironorg::projects::v1::Project;
using ::ironorg::test::CountRows;
using ::ironorg::test::ScopedTempDir;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr char kOrganization[] = "org1";
constexpr char kUser[] = "organizations/org1/users/user1";

Mutation MakeMutation(absl::string_view action,
                      absl::string_view request_id = "") {
  return Mutation{"organizations/org1/users/admin", std::string(action),
                  std::string(request_id), 1700000000000000};
}

// Returns the type of every outbox row of the database file, in order.
std::vector<std::string> OutboxTypes(const std::string& database_path) {
  std::vector<std::string> types;
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(database_path.c_str(), &db, SQLITE_OPEN_READONLY,
                      nullptr) == SQLITE_OK) {
    sqlite3_stmt* statement = nullptr;
    if (sqlite3_prepare_v2(db, "SELECT type FROM outbox ORDER BY sequence", -1,
                           &statement, nullptr) == SQLITE_OK) {
      while (sqlite3_step(statement) == SQLITE_ROW) {
        types.emplace_back(
            reinterpret_cast<const char*>(sqlite3_column_text(statement, 0)));
      }
    }
    sqlite3_finalize(statement);
  }
  sqlite3_close_v2(db);
  return types;
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

  void GrantTo(const Project& project, absl::string_view user_name) {
    absl::StatusOr<bool> granted =
        store_->GrantAccess(kOrganization, IdOf(project), user_name,
                            MakeMutation("GrantProjectAccess"));
    EXPECT_TRUE(granted.ok()) << granted.status();
  }

  int64_t Rows(absl::string_view table) {
    return CountRows(directory_.File(kDatabaseFileName), table);
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

TEST_F(ProjectStoreTest, UpdateProjectBumpsRevisionAndUpdateTime) {
  const Project created = Create("Web");
  Mutation mutation = MakeMutation("UpdateProject");
  mutation.time_micros += 5000000;

  absl::StatusOr<Project> updated = store_->UpdateProject(
      kOrganization, IdOf(created), "Web shop", "1", mutation);

  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(updated->display_name(), "Web shop");
  EXPECT_EQ(updated->etag(), "2");
  EXPECT_EQ(updated->update_time().seconds(), 1700000005);
  EXPECT_EQ(updated->create_time().seconds(), 1700000000);
  EXPECT_EQ(Rows("audit_events"), 2);
  EXPECT_THAT(OutboxTypes(directory_.File(kDatabaseFileName)),
              ElementsAre("project.created", "project.updated"));
}

TEST_F(ProjectStoreTest, UpdateProjectWithEmptyEtagSkipsCheck) {
  const Project created = Create("Web");
  ASSERT_TRUE(store_
                  ->UpdateProject(kOrganization, IdOf(created), "Two", "",
                                  MakeMutation("UpdateProject"))
                  .ok());

  absl::StatusOr<Project> updated = store_->UpdateProject(
      kOrganization, IdOf(created), "Three", "", MakeMutation("UpdateProject"));

  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(updated->etag(), "3");
}

TEST_F(ProjectStoreTest, UpdateProjectWithStaleEtagChangesNothing) {
  const Project created = Create("Web");

  absl::StatusOr<Project> updated =
      store_->UpdateProject(kOrganization, IdOf(created), "Web shop", "7",
                            MakeMutation("UpdateProject"));
  absl::StatusOr<Project> found =
      store_->GetProject(kOrganization, IdOf(created));

  EXPECT_EQ(updated.status().code(), absl::StatusCode::kAborted);
  EXPECT_THAT(updated.status().message(), HasSubstr(created.name()));
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(found->display_name(), "Web");
  EXPECT_EQ(found->etag(), "1");
  EXPECT_EQ(Rows("audit_events"), 1);
  EXPECT_EQ(Rows("outbox"), 1);
}

TEST_F(ProjectStoreTest, UpdateMissingProjectIsNotFound) {
  absl::StatusOr<Project> updated = store_->UpdateProject(
      kOrganization, "missing", "Web", "", MakeMutation("UpdateProject"));

  EXPECT_EQ(updated.status().code(), absl::StatusCode::kNotFound);
}

TEST_F(ProjectStoreTest, DeleteProjectRemovesItsGrantsOnly) {
  const Project deleted = Create("Deleted");
  const Project kept = Create("Kept");
  GrantTo(deleted, kUser);
  GrantTo(deleted, "organizations/org1/users/user2");
  GrantTo(kept, kUser);

  absl::Status status = store_->DeleteProject(kOrganization, IdOf(deleted), "1",
                                              MakeMutation("DeleteProject"));
  absl::StatusOr<Project> found =
      store_->GetProject(kOrganization, IdOf(deleted));
  absl::StatusOr<bool> kept_access =
      store_->HasAccess(kOrganization, IdOf(kept), kUser);

  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(found.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(Rows("projects"), 1);
  EXPECT_EQ(Rows("project_grants"), 1);
  ASSERT_TRUE(kept_access.ok()) << kept_access.status();
  EXPECT_TRUE(*kept_access);
  EXPECT_EQ(OutboxTypes(directory_.File(kDatabaseFileName)).back(),
            "project.deleted");
  EXPECT_EQ(Rows("audit_events"), 6);
}

TEST_F(ProjectStoreTest, DeleteProjectWithStaleEtagChangesNothing) {
  const Project project = Create("Web");
  GrantTo(project, kUser);

  absl::Status status = store_->DeleteProject(kOrganization, IdOf(project), "2",
                                              MakeMutation("DeleteProject"));

  EXPECT_EQ(status.code(), absl::StatusCode::kAborted);
  EXPECT_EQ(Rows("projects"), 1);
  EXPECT_EQ(Rows("project_grants"), 1);
  EXPECT_EQ(Rows("outbox"), 2);
}

TEST_F(ProjectStoreTest, DeleteMissingProjectIsNotFound) {
  absl::Status status = store_->DeleteProject(kOrganization, "missing", "",
                                              MakeMutation("DeleteProject"));

  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(Rows("audit_events"), 0);
}

TEST_F(ProjectStoreTest, DeleteProjectOfOtherOrganizationIsNotFound) {
  const Project project = Create("Web");

  absl::Status status = store_->DeleteProject("org2", IdOf(project), "",
                                              MakeMutation("DeleteProject"));

  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(Rows("projects"), 1);
}

TEST_F(ProjectStoreTest, ListMembersPagesInUserNameOrder) {
  const Project project = Create("Web");
  GrantTo(project, "organizations/org1/users/b");
  GrantTo(project, "organizations/org1/users/c");
  GrantTo(project, "organizations/org1/users/a");

  absl::StatusOr<GrantMemberPage> first =
      store_->ListMembers(kOrganization, IdOf(project), "", 2);
  ASSERT_TRUE(first.ok()) << first.status();
  absl::StatusOr<GrantMemberPage> second = store_->ListMembers(
      kOrganization, IdOf(project), first->user_names.back(), 2);

  EXPECT_THAT(first->user_names, ElementsAre("organizations/org1/users/a",
                                             "organizations/org1/users/b"));
  EXPECT_TRUE(first->has_more);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_THAT(second->user_names, ElementsAre("organizations/org1/users/c"));
  EXPECT_FALSE(second->has_more);
}

TEST_F(ProjectStoreTest, ListMembersOfMissingProjectIsNotFound) {
  absl::StatusOr<GrantMemberPage> page =
      store_->ListMembers(kOrganization, "missing", "", 10);

  EXPECT_EQ(page.status().code(), absl::StatusCode::kNotFound);
}

TEST_F(ProjectStoreTest, SetUserGrantsReplacesGrantsInOneChange) {
  const Project old_project = Create("Old");
  const Project new_project = Create("New");
  GrantTo(old_project, kUser);

  absl::StatusOr<GrantSetResult> result =
      store_->SetUserGrants(kOrganization, kUser, {IdOf(new_project)},
                            MakeMutation("SetUserProjects"));
  absl::StatusOr<bool> old_access =
      store_->HasAccess(kOrganization, IdOf(old_project), kUser);

  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_THAT(result->resource_names, ElementsAre(new_project.name()));
  ASSERT_TRUE(old_access.ok()) << old_access.status();
  EXPECT_FALSE(*old_access);
  EXPECT_THAT(OutboxTypes(directory_.File(kDatabaseFileName)),
              ElementsAre("project.created", "project.created",
                          "project.access_granted", "project.access_revoked",
                          "project.access_granted"));
  EXPECT_EQ(Rows("audit_events"), 4);
}

TEST_F(ProjectStoreTest, SetUserGrantsWithMissingProjectChangesNothing) {
  const Project old_project = Create("Old");
  const Project new_project = Create("New");
  GrantTo(old_project, kUser);

  absl::StatusOr<GrantSetResult> result = store_->SetUserGrants(
      kOrganization, kUser, {IdOf(new_project), "missing"},
      MakeMutation("SetUserProjects"));
  absl::StatusOr<bool> old_access =
      store_->HasAccess(kOrganization, IdOf(old_project), kUser);

  EXPECT_EQ(result.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(result.status().message(),
              HasSubstr("\"organizations/org1/projects/missing\""));
  ASSERT_TRUE(old_access.ok()) << old_access.status();
  EXPECT_TRUE(*old_access);
  EXPECT_EQ(Rows("project_grants"), 1);
  EXPECT_EQ(Rows("outbox"), 3);
}

}  // namespace
}  // namespace ironorg::projects

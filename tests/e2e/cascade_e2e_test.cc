// End-to-end tests of the cascade from identity to projects and clusters:
// deleting a user removes the user's grants in both services through
// identity's change feed, even when a consumer is stopped or killed while
// the deletions happen. Real binaries on loopback, called over real gRPC.
#include <grpcpp/grpcpp.h>
#include <sqlite3.h>

#include <atomic>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/internal_auth.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ironorg/changes/v1/change_feed.grpc.pb.h"
#include "ironorg/clusters/v1/cluster.grpc.pb.h"
#include "ironorg/clusters/v1/cluster_access.grpc.pb.h"
#include "ironorg/identity/v1/user.grpc.pb.h"
#include "ironorg/projects/v1/project.grpc.pb.h"
#include "ironorg/projects/v1/project_access.grpc.pb.h"
#include "tests/e2e/organization_setup.h"
#include "tests/e2e/suite.h"

namespace ironorg::testing {
namespace {

namespace changes = ::ironorg::changes::v1;
namespace clusters = ::ironorg::clusters::v1;
namespace identity = ::ironorg::identity::v1;
namespace projects = ::ironorg::projects::v1;

using ::testing::Contains;
using ::testing::IsEmpty;
using ::testing::Not;

// How long a test waits for a cascade to finish before it fails. Generous,
// because a restarted consumer backs off up to 5 seconds between retries.
constexpr absl::Duration kCascadeDeadline = absl::Seconds(60);

class CascadeEndToEndTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<Suite>> suite = Suite::Start();
    ASSERT_TRUE(suite.ok()) << suite.status();
    suite_ = *std::move(suite);
    channel_ = suite_->GatewayChannel();
    users_ = identity::UserService::NewStub(channel_);
    projects_ = projects::ProjectService::NewStub(channel_);
    project_access_ = projects::ProjectAccessService::NewStub(channel_);
    clusters_ = clusters::ClusterService::NewStub(channel_);
    cluster_access_ = clusters::ClusterAccessService::NewStub(channel_);

    absl::StatusOr<InternalCredential> credential =
        InternalCredential::Create(suite_->internal_secret());
    ASSERT_TRUE(credential.ok()) << credential.status();
    credential_ = std::make_unique<InternalCredential>(*std::move(credential));

    setup_ = std::make_unique<OrganizationSetup>(*suite_);
    org_ = setup_->CreateOrganizationWithAdmin("Cascade Inc");
  }

  std::string CreateDeveloper() {
    return setup_
        ->CreateUser(org_.admin_token, org_.name, UniqueEmail("dev"),
                     identity::ROLE_DEVELOPER)
        .name();
  }

  grpc::Status DeleteUser(const std::string& user) {
    identity::DeleteUserRequest request;
    request.set_name(user);
    identity::DeleteUserResponse response;
    return users_->DeleteUser(ContextWithToken(org_.admin_token).get(), request,
                              &response);
  }

  std::string CreateProject(const std::string& display_name) {
    return setup_->CreateProject(org_, display_name).name();
  }

  std::string CreateCluster(const std::string& display_name) {
    return setup_->CreateCluster(org_, display_name).name();
  }

  void GrantProject(const std::string& project, const std::string& user) {
    const grpc::Status status =
        setup_->GrantProject(org_.admin_token, project, user);
    EXPECT_TRUE(status.ok()) << status.error_message();
  }

  void GrantCluster(const std::string& cluster, const std::string& user) {
    const grpc::Status status =
        setup_->GrantCluster(org_.admin_token, cluster, user);
    EXPECT_TRUE(status.ok()) << status.error_message();
  }

  // The members of a project or cluster, read through the gateway as the
  // Admin, or nullopt when the call fails (a service still starting).
  std::optional<std::set<std::string>> ProjectMembers(
      const std::string& project) {
    projects::ListProjectMembersRequest request;
    request.set_project(project);
    request.set_page_size(1000);
    projects::ListProjectMembersResponse response;
    const grpc::Status status = project_access_->ListProjectMembers(
        ContextWithToken(org_.admin_token).get(), request, &response);
    if (!status.ok()) {
      return std::nullopt;
    }
    return std::set<std::string>(response.users().begin(),
                                 response.users().end());
  }

  std::optional<std::set<std::string>> ClusterMembers(
      const std::string& cluster) {
    clusters::ListClusterMembersRequest request;
    request.set_cluster(cluster);
    request.set_page_size(1000);
    clusters::ListClusterMembersResponse response;
    const grpc::Status status = cluster_access_->ListClusterMembers(
        ContextWithToken(org_.admin_token).get(), request, &response);
    if (!status.ok()) {
      return std::nullopt;
    }
    return std::set<std::string>(response.users().begin(),
                                 response.users().end());
  }

  // Polls until no member list of `projects` and `clusters` names any of
  // `deleted`. Returns false if that does not happen by kCascadeDeadline.
  bool WaitUntilGrantsGone(const std::vector<std::string>& project_names,
                           const std::vector<std::string>& cluster_names,
                           const std::set<std::string>& deleted) {
    const absl::Time deadline = absl::Now() + kCascadeDeadline;
    while (absl::Now() < deadline) {
      bool clean = true;
      for (const std::string& project : project_names) {
        clean = clean && NamesNone(ProjectMembers(project), deleted);
      }
      for (const std::string& cluster : cluster_names) {
        clean = clean && NamesNone(ClusterMembers(cluster), deleted);
      }
      if (clean) {
        return true;
      }
      absl::SleepFor(absl::Milliseconds(50));
    }
    return false;
  }

  static bool NamesNone(const std::optional<std::set<std::string>>& members,
                        const std::set<std::string>& deleted) {
    if (!members.has_value()) {
      return false;
    }
    for (const std::string& user : deleted) {
      if (members->count(user) > 0) {
        return false;
      }
    }
    return true;
  }

  // Reads the whole change feed of `service` straight from the service,
  // signed with the internal credential as a peer service.
  std::vector<changes::Change> ReadFeed(const std::string& service) {
    auto stub = changes::InternalChangeFeedService::NewStub(
        suite_->ServiceChannel(service));
    identity::Principal principal;
    principal.set_kind(identity::Principal::KIND_SERVICE);
    std::vector<changes::Change> result;
    for (;;) {
      changes::ListChangesRequest request;
      request.set_after_sequence(result.empty() ? 0
                                                : result.back().sequence());
      request.set_max_changes(1000);
      changes::ListChangesResponse response;
      std::unique_ptr<grpc::ClientContext> context = ContextWithToken("");
      credential_->Sign(
          "/ironorg.changes.v1.InternalChangeFeedService/ListChanges",
          principal, context.get());
      const grpc::Status status =
          stub->ListChanges(context.get(), request, &response);
      EXPECT_TRUE(status.ok()) << service << ": " << status.error_message();
      if (!status.ok() || response.changes_size() == 0) {
        return result;
      }
      result.insert(result.end(), response.changes().begin(),
                    response.changes().end());
    }
  }

  // Counts the `type` changes of a feed per (resource, user).
  static std::map<std::pair<std::string, std::string>, int> CountChanges(
      const std::vector<changes::Change>& feed, const std::string& type) {
    std::map<std::pair<std::string, std::string>, int> counts;
    for (const changes::Change& change : feed) {
      if (change.type() == type) {
        ++counts[{change.resource(), change.user()}];
      }
    }
    return counts;
  }

  // Returns the user names of every grant row in a service's SQLite file.
  std::vector<std::string> StoredGrantUsers(const std::string& file,
                                            const std::string& table) {
    const std::string path = absl::StrCat(suite_->data_dir(), "/", file);
    sqlite3* db = nullptr;
    std::vector<std::string> users;
    if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) !=
        SQLITE_OK) {
      ADD_FAILURE() << "cannot open " << path;
      sqlite3_close_v2(db);
      return users;
    }
    sqlite3_stmt* select = nullptr;
    const std::string sql = absl::StrCat("SELECT user_name FROM ", table);
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &select, nullptr) ==
        SQLITE_OK) {
      while (sqlite3_step(select) == SQLITE_ROW) {
        users.emplace_back(
            reinterpret_cast<const char*>(sqlite3_column_text(select, 0)));
      }
    } else {
      ADD_FAILURE() << "cannot read " << table << " of " << path << ": "
                    << sqlite3_errmsg(db);
    }
    sqlite3_finalize(select);
    sqlite3_close_v2(db);
    return users;
  }

  std::unique_ptr<Suite> suite_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<InternalCredential> credential_;
  std::unique_ptr<identity::UserService::Stub> users_;
  std::unique_ptr<projects::ProjectService::Stub> projects_;
  std::unique_ptr<projects::ProjectAccessService::Stub> project_access_;
  std::unique_ptr<clusters::ClusterService::Stub> clusters_;
  std::unique_ptr<clusters::ClusterAccessService::Stub> cluster_access_;
  std::unique_ptr<OrganizationSetup> setup_;
  // The organization of every test, with its first Admin only.
  TestOrganization org_;
};

TEST_F(CascadeEndToEndTest, DeletedUserGrantsGoWhileConsumerStopped) {
  const std::string doomed = CreateDeveloper();
  const std::string survivor = CreateDeveloper();
  const std::vector<std::string> project_names = {CreateProject("Alpha"),
                                                  CreateProject("Beta")};
  const std::vector<std::string> cluster_names = {CreateCluster("Edge")};
  for (const std::string& project : project_names) {
    GrantProject(project, doomed);
    GrantProject(project, survivor);
  }
  GrantCluster(cluster_names[0], doomed);
  GrantCluster(cluster_names[0], survivor);

  suite_->Stop("projects");
  suite_->Stop("clusters");
  const grpc::Status deleted = DeleteUser(doomed);
  ASSERT_TRUE(deleted.ok()) << deleted.error_message();
  ASSERT_TRUE(suite_->Restart("projects").ok());
  ASSERT_TRUE(suite_->Restart("clusters").ok());

  EXPECT_TRUE(WaitUntilGrantsGone(project_names, cluster_names, {doomed}));
  for (const std::string& project : project_names) {
    EXPECT_THAT(ProjectMembers(project).value_or(std::set<std::string>{}),
                Contains(survivor))
        << project;
  }
  EXPECT_THAT(ClusterMembers(cluster_names[0]).value_or(
                  std::set<std::string>{}),
              Contains(survivor));
}

TEST_F(CascadeEndToEndTest, GrantToDeletedUserIsNotFound) {
  const std::string user = CreateDeveloper();
  const std::string project = CreateProject("Gamma");
  const grpc::Status deleted = DeleteUser(user);
  ASSERT_TRUE(deleted.ok()) << deleted.error_message();

  projects::GrantProjectAccessRequest request;
  request.set_project(project);
  request.set_user(user);
  projects::GrantProjectAccessResponse response;
  const grpc::Status status = project_access_->GrantProjectAccess(
      ContextWithToken(org_.admin_token).get(), request, &response);

  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(ProjectMembers(project).value_or(std::set<std::string>{}),
              Not(Contains(user)));
}

TEST_F(CascadeEndToEndTest, KilledConsumersLoseNothingAndApplyOnce) {
  constexpr int kUsers = 24;
  const std::vector<std::string> project_names = {CreateProject("One"),
                                                  CreateProject("Two")};
  const std::vector<std::string> cluster_names = {CreateCluster("Rack")};
  std::vector<std::string> doomed;
  for (int i = 0; i < kUsers; ++i) {
    doomed.push_back(CreateDeveloper());
    for (const std::string& project : project_names) {
      GrantProject(project, doomed.back());
    }
    GrantCluster(cluster_names[0], doomed.back());
  }

  // Delete every user in a burst. A third of the way in, SIGKILL the
  // projects service, and two thirds in, the clusters service. So each
  // consumer dies in the middle of the burst, possibly inside a batch's
  // transaction.
  for (int i = 0; i < kUsers; ++i) {
    if (i == kUsers / 3) {
      suite_->Kill("projects");
    }
    if (i == 2 * kUsers / 3) {
      suite_->Kill("clusters");
    }
    const grpc::Status deleted = DeleteUser(doomed[i]);
    ASSERT_TRUE(deleted.ok()) << doomed[i] << ": " << deleted.error_message();
  }
  ASSERT_TRUE(suite_->Restart("projects").ok());
  ASSERT_TRUE(suite_->Restart("clusters").ok());

  const std::set<std::string> deleted(doomed.begin(), doomed.end());
  ASSERT_TRUE(WaitUntilGrantsGone(project_names, cluster_names, deleted));

  // Each removed grant shows up exactly once in the service's own feed:
  // a lost deletion would leave a count of 0, a double apply a count of 2.
  auto project_revokes =
      CountChanges(ReadFeed("projects"), "project.access_revoked");
  auto cluster_revokes =
      CountChanges(ReadFeed("clusters"), "cluster.access_revoked");
  for (const std::string& user : doomed) {
    for (const std::string& project : project_names) {
      EXPECT_EQ((project_revokes[{project, user}]), 1)
          << project << " " << user;
    }
    EXPECT_EQ((cluster_revokes[{cluster_names[0], user}]), 1)
        << cluster_names[0] << " " << user;
  }
}

TEST_F(CascadeEndToEndTest, NoStoredGrantNamesDeletedResource) {
  const std::string user = CreateDeveloper();
  const std::string other = CreateDeveloper();
  const std::string project = CreateProject("Doomed project");
  const std::string cluster = CreateCluster("Doomed cluster");
  GrantProject(project, user);
  GrantCluster(cluster, user);
  const std::string kept_project = CreateProject("Kept project");
  GrantProject(kept_project, other);

  projects::DeleteProjectRequest delete_project;
  delete_project.set_name(project);
  projects::DeleteProjectResponse project_deleted;
  const grpc::Status project_status = projects_->DeleteProject(
      ContextWithToken(org_.admin_token).get(), delete_project, &project_deleted);
  ASSERT_TRUE(project_status.ok()) << project_status.error_message();
  clusters::DeleteClusterRequest delete_cluster;
  delete_cluster.set_name(cluster);
  clusters::DeleteClusterResponse cluster_deleted;
  const grpc::Status cluster_status = clusters_->DeleteCluster(
      ContextWithToken(org_.admin_token).get(), delete_cluster, &cluster_deleted);
  ASSERT_TRUE(cluster_status.ok()) << cluster_status.error_message();
  ASSERT_TRUE(DeleteUser(other).ok());
  ASSERT_TRUE(WaitUntilGrantsGone({kept_project}, {}, {other}));

  // The stores themselves, read after the processes stop: no grant row is
  // left for the deleted project and cluster or for the deleted user.
  suite_->Stop("projects");
  suite_->Stop("clusters");

  EXPECT_THAT(StoredGrantUsers("projects.db", "project_grants"), IsEmpty());
  EXPECT_THAT(StoredGrantUsers("clusters.db", "cluster_grants"), IsEmpty());
}

}  // namespace
}  // namespace ironorg::testing

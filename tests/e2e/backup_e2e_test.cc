// End-to-end: an online backup taken with `sqlite3 DB ".backup FILE"` while
// writes run through the gateway restores, into a second suite, to a
// consistent state. SQLite's integrity check passes, and every project
// reads back whole with its grant. Every granted user exists, and the
// restored projects and users are a prefix of what was written.
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "common/crypto.h"
#include "gtest/gtest.h"
#include "ironorg/billing/v1/subscription.grpc.pb.h"
#include "ironorg/identity/v1/auth.grpc.pb.h"
#include "ironorg/identity/v1/organization.grpc.pb.h"
#include "ironorg/identity/v1/user.grpc.pb.h"
#include "ironorg/projects/v1/project.grpc.pb.h"
#include "ironorg/projects/v1/project_access.grpc.pb.h"
#include "tests/e2e/suite.h"

namespace ironorg::testing {
namespace {

namespace billing = ::ironorg::billing::v1;
namespace identity = ::ironorg::identity::v1;
namespace projects = ::ironorg::projects::v1;

constexpr char kPassword[] = "correct horse battery";
constexpr char kProjectPrefix[] = "backup-project-";
constexpr char kUserPrefix[] = "backup-user-";

// The SQLite files in backup order. Identity goes last: every user that a
// backed-up grant names was created before the grant, so it is in the later
// identity copy, and the projects and clusters feed cursors never point past
// the end of identity's change feed.
const std::vector<std::string>& BackupOrder() {
  static const std::vector<std::string> files = {"projects", "clusters",
                                                 "billing", "identity"};
  return files;
}

// One iteration of the writer: a developer, a project and a grant of the
// project to the developer, each through the gateway.
struct WrittenItem {
  std::string user;
  std::string project;
};

// Returns the index in a display name such as "backup-project-00012", or
// -1 if the name lacks `prefix`.
int IndexOf(const std::string& display_name, absl::string_view prefix) {
  absl::string_view rest = display_name;
  int index = -1;
  if (!absl::ConsumePrefix(&rest, prefix) || !absl::SimpleAtoi(rest, &index)) {
    return -1;
  }
  return index;
}

std::string Login(identity::AuthService::Stub& auth, const std::string& email) {
  identity::LoginRequest request;
  request.set_email(email);
  request.set_password(kPassword);
  identity::LoginResponse response;
  const grpc::Status status =
      auth.Login(ContextWithToken("").get(), request, &response);
  EXPECT_TRUE(status.ok()) << status.error_message();
  return response.access_token();
}

// Writes users, projects and grants in a loop on its own thread until
// Stop(); `completed()` counts the iterations whose three calls returned.
class Writer final {
 public:
  Writer(std::shared_ptr<grpc::Channel> gateway, std::string organization,
         std::string admin_token)
      : users_(identity::UserService::NewStub(gateway)),
        projects_(projects::ProjectService::NewStub(gateway)),
        access_(projects::ProjectAccessService::NewStub(gateway)),
        organization_(std::move(organization)),
        admin_token_(std::move(admin_token)) {
    thread_ = std::thread([this] { Run(); });
  }

  ~Writer() { Stop(); }

  void Stop() {
    stop_ = true;
    if (thread_.joinable()) {
      thread_.join();
    }
  }

  int completed() const { return completed_; }

  // The first failed call, or empty.
  std::string error() {
    std::lock_guard<std::mutex> lock(mutex_);
    return error_;
  }

  std::vector<WrittenItem> items() {
    std::lock_guard<std::mutex> lock(mutex_);
    return items_;
  }

 private:
  void Run() {
    for (int i = 0; !stop_; ++i) {
      const std::string error = WriteOne(i);
      if (!error.empty()) {
        std::lock_guard<std::mutex> lock(mutex_);
        error_ = error;
        return;
      }
      ++completed_;
    }
  }

  // Returns the error of the first failed call, or empty.
  std::string WriteOne(int i) {
    identity::CreateUserRequest create_user;
    create_user.set_parent(organization_);
    create_user.mutable_user()->set_email(
        absl::StrCat("backup-", i, "-", crypto::NewResourceId(),
                     "@example.com"));
    create_user.mutable_user()->set_display_name(
        absl::StrFormat("%s%05d", kUserPrefix, i));
    create_user.mutable_user()->set_role(identity::ROLE_DEVELOPER);
    create_user.set_password(kPassword);
    identity::User user;
    grpc::Status status = users_->CreateUser(
        ContextWithToken(admin_token_).get(), create_user, &user);
    if (!status.ok()) {
      return absl::StrCat("CreateUser ", i, ": ", status.error_message());
    }

    projects::CreateProjectRequest create_project;
    create_project.set_parent(organization_);
    create_project.mutable_project()->set_display_name(
        absl::StrFormat("%s%05d", kProjectPrefix, i));
    projects::Project project;
    status = projects_->CreateProject(ContextWithToken(admin_token_).get(),
                                      create_project, &project);
    if (!status.ok()) {
      return absl::StrCat("CreateProject ", i, ": ", status.error_message());
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      items_.push_back({user.name(), project.name()});
    }

    projects::GrantProjectAccessRequest grant;
    grant.set_project(project.name());
    grant.set_user(user.name());
    projects::GrantProjectAccessResponse granted;
    status = access_->GrantProjectAccess(ContextWithToken(admin_token_).get(),
                                         grant, &granted);
    if (!status.ok()) {
      return absl::StrCat("GrantProjectAccess ", i, ": ",
                          status.error_message());
    }
    return "";
  }

  std::unique_ptr<identity::UserService::Stub> users_;
  std::unique_ptr<projects::ProjectService::Stub> projects_;
  std::unique_ptr<projects::ProjectAccessService::Stub> access_;
  const std::string organization_;
  const std::string admin_token_;
  std::atomic<bool> stop_{false};
  std::atomic<int> completed_{0};
  std::mutex mutex_;
  std::vector<WrittenItem> items_;
  std::string error_;
  std::thread thread_;
};

// Polls until `writer` completed at least `count` iterations, or failed, or
// 60 seconds passed. Returns true on reaching `count`.
bool WaitForWrites(Writer& writer, int count) {
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (writer.completed() < count) {
    if (!writer.error().empty() ||
        std::chrono::steady_clock::now() > deadline) {
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

std::string Quoted(const std::string& path) {
  return absl::StrCat("'", path, "'");
}

// Every project of `organization` through the gateway, page by page.
std::vector<projects::Project> ListAllProjects(
    projects::ProjectService::Stub& stub, const std::string& organization,
    const std::string& token) {
  std::vector<projects::Project> all;
  projects::ListProjectsRequest request;
  request.set_parent(organization);
  request.set_page_size(100);
  do {
    projects::ListProjectsResponse response;
    const grpc::Status status =
        stub.ListProjects(ContextWithToken(token).get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    if (!status.ok()) {
      break;
    }
    all.insert(all.end(), response.projects().begin(),
               response.projects().end());
    request.set_page_token(response.next_page_token());
  } while (!request.page_token().empty());
  return all;
}

// Every developer of `organization` through the gateway, page by page.
std::vector<identity::User> ListAllDevelopers(identity::UserService::Stub& stub,
                                              const std::string& organization,
                                              const std::string& token) {
  std::vector<identity::User> all;
  identity::ListUsersRequest request;
  request.set_parent(organization);
  request.set_page_size(100);
  request.set_role(identity::ROLE_DEVELOPER);
  do {
    identity::ListUsersResponse response;
    const grpc::Status status =
        stub.ListUsers(ContextWithToken(token).get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    if (!status.ok()) {
      break;
    }
    all.insert(all.end(), response.users().begin(), response.users().end());
    request.set_page_token(response.next_page_token());
  } while (!request.page_token().empty());
  return all;
}

// Returns the sorted indices parsed from `display_names`, with -1 for a
// name without `prefix`.
std::vector<int> SortedIndices(const std::vector<std::string>& display_names,
                               absl::string_view prefix) {
  std::set<int> indices;
  for (const std::string& name : display_names) {
    indices.insert(IndexOf(name, prefix));
  }
  return std::vector<int>(indices.begin(), indices.end());
}

std::vector<int> Range(int count) {
  std::vector<int> range;
  for (int i = 0; i < count; ++i) {
    range.push_back(i);
  }
  return range;
}

TEST(BackupEndToEndTest, OnlineBackupRestoresConsistentPrefix) {
  absl::StatusOr<std::unique_ptr<Suite>> started = Suite::Start();
  ASSERT_TRUE(started.ok()) << started.status();
  Suite& source = **started;
  auto source_channel = source.GatewayChannel();
  auto organizations = identity::OrganizationService::NewStub(source_channel);
  auto source_auth = identity::AuthService::NewStub(source_channel);

  const std::string admin_email =
      absl::StrCat("admin-", crypto::NewResourceId(), "@example.com");
  identity::CreateOrganizationRequest create_org;
  create_org.mutable_organization()->set_display_name("Backup Inc");
  create_org.set_admin_email(admin_email);
  create_org.set_admin_display_name("Bea Backup");
  create_org.set_admin_password(kPassword);
  identity::Organization org;
  ASSERT_TRUE(organizations
                  ->CreateOrganization(
                      ContextWithToken(source.operator_token()).get(),
                      create_org, &org)
                  .ok());
  const std::string source_admin_token = Login(*source_auth, admin_email);
  ASSERT_FALSE(source_admin_token.empty());

  // Back up every file while the writer runs, then let it write on, so the
  // copies stop at some point in the middle of the writes.
  std::string backup_dir_pattern =
      (std::filesystem::temp_directory_path() / "ironorg-backup-XXXXXX")
          .string();
  ASSERT_NE(mkdtemp(backup_dir_pattern.data()), nullptr);
  const std::filesystem::path backup_dir = backup_dir_pattern;

  Writer writer(source_channel, org.name(), source_admin_token);
  ASSERT_TRUE(WaitForWrites(writer, 5)) << writer.error();
  for (const std::string& service : BackupOrder()) {
    const std::string command = absl::StrCat(
        "sqlite3 ", Quoted(absl::StrCat(source.data_dir(), "/", service, ".db")),
        " '.timeout 10000' ",
        Quoted(absl::StrCat(".backup ", (backup_dir / service).string(),
                            ".db")),
        " 2>&1");
    absl::StatusOr<std::string> output = RunCommand(command);
    ASSERT_TRUE(output.ok()) << output.status();
  }
  const int completed_at_backup = writer.completed();
  ASSERT_TRUE(WaitForWrites(writer, completed_at_backup + 3))
      << writer.error();
  writer.Stop();
  ASSERT_EQ(writer.error(), "");
  const std::vector<WrittenItem> written = writer.items();

  for (const std::string& service : BackupOrder()) {
    absl::StatusOr<std::string> check = RunCommand(absl::StrCat(
        "sqlite3 ", Quoted((backup_dir / service).string() + ".db"),
        " 'PRAGMA integrity_check' 2>&1"));
    ASSERT_TRUE(check.ok()) << check.status();
    EXPECT_EQ(absl::StripAsciiWhitespace(*check), "ok") << service;
  }

  // Restore: a second suite, stopped, its files replaced by the copies,
  // started again on them.
  absl::StatusOr<std::unique_ptr<Suite>> second = Suite::Start();
  ASSERT_TRUE(second.ok()) << second.status();
  Suite& restored = **second;
  for (auto it = Suite::ServiceNames().rbegin();
       it != Suite::ServiceNames().rend(); ++it) {
    restored.Stop(*it);
  }
  for (const std::string& service : BackupOrder()) {
    const std::string target =
        absl::StrCat(restored.data_dir(), "/", service, ".db");
    // A -wal or -shm file left by the replaced database would be applied
    // to the restored one.
    for (const char* suffix : {"", "-wal", "-shm"}) {
      std::filesystem::remove(absl::StrCat(target, suffix));
    }
    std::filesystem::copy_file((backup_dir / service).string() + ".db",
                               target);
  }
  for (const std::string& service : Suite::ServiceNames()) {
    const absl::Status status = restored.Restart(service);
    ASSERT_TRUE(status.ok()) << status;
  }
  std::filesystem::remove_all(backup_dir);

  auto channel = restored.GatewayChannel();
  auto auth = identity::AuthService::NewStub(channel);
  auto users = identity::UserService::NewStub(channel);
  auto project_service = projects::ProjectService::NewStub(channel);
  auto project_access = projects::ProjectAccessService::NewStub(channel);
  auto subscriptions = billing::SubscriptionService::NewStub(channel);
  const std::string admin_token = Login(*auth, admin_email);
  ASSERT_FALSE(admin_token.empty());

  // The projects are a prefix of the written ones: 0 to n-1, no gaps.
  const std::vector<projects::Project> listed =
      ListAllProjects(*project_service, org.name(), admin_token);
  std::vector<std::string> project_names;
  for (const projects::Project& project : listed) {
    project_names.push_back(project.display_name());
  }
  const int restored_projects = static_cast<int>(listed.size());
  EXPECT_EQ(SortedIndices(project_names, kProjectPrefix),
            Range(restored_projects));
  EXPECT_GE(restored_projects, 5);
  EXPECT_LT(restored_projects, static_cast<int>(written.size()));

  // The users are a prefix too, at least as long as the projects', because
  // each user is created before its project and identity was copied last.
  const std::vector<identity::User> developers =
      ListAllDevelopers(*users, org.name(), admin_token);
  std::vector<std::string> user_names;
  for (const identity::User& user : developers) {
    user_names.push_back(user.display_name());
  }
  const int restored_users = static_cast<int>(developers.size());
  EXPECT_EQ(SortedIndices(user_names, kUserPrefix), Range(restored_users));
  EXPECT_GE(restored_users, restored_projects);

  for (const projects::Project& project : listed) {
    const int index = IndexOf(project.display_name(), kProjectPrefix);
    ASSERT_GE(index, 0) << project.display_name();
    ASSERT_LT(index, static_cast<int>(written.size()));
    EXPECT_EQ(project.name(), written[index].project);

    projects::GetProjectRequest get;
    get.set_name(project.name());
    projects::Project got;
    const grpc::Status get_status = project_service->GetProject(
        ContextWithToken(admin_token).get(), get, &got);
    EXPECT_TRUE(get_status.ok()) << project.name() << ": "
                                 << get_status.error_message();
    EXPECT_EQ(got.display_name(), project.display_name());

    projects::ListProjectMembersRequest members_request;
    members_request.set_project(project.name());
    projects::ListProjectMembersResponse members;
    const grpc::Status members_status = project_access->ListProjectMembers(
        ContextWithToken(admin_token).get(), members_request, &members);
    ASSERT_TRUE(members_status.ok()) << members_status.error_message();
    // Only the last restored project may have been copied between its
    // creation and its grant.
    if (index < restored_projects - 1) {
      ASSERT_EQ(members.users_size(), 1) << project.name();
    } else {
      ASSERT_LE(members.users_size(), 1) << project.name();
    }
    for (const std::string& member : members.users()) {
      EXPECT_EQ(member, written[index].user) << project.name();
      identity::GetUserRequest get_user;
      get_user.set_name(member);
      identity::User user;
      const grpc::Status user_status = users->GetUser(
          ContextWithToken(admin_token).get(), get_user, &user);
      EXPECT_TRUE(user_status.ok())
          << member << ": " << user_status.error_message();
    }
  }

  // Billing's copy contains the organization's three subscriptions.
  billing::ListSubscriptionsRequest list_subscriptions;
  list_subscriptions.set_parent(org.name());
  billing::ListSubscriptionsResponse subscription_list;
  const grpc::Status subscriptions_status = subscriptions->ListSubscriptions(
      ContextWithToken(admin_token).get(), list_subscriptions,
      &subscription_list);
  ASSERT_TRUE(subscriptions_status.ok())
      << subscriptions_status.error_message();
  EXPECT_EQ(subscription_list.subscriptions_size(), 3);
}

}  // namespace
}  // namespace ironorg::testing

// End-to-end tests of the identity rules: the five real binaries on
// loopback, called through the gateway over real gRPC. They cover the last
// Admin, changes that apply on the next call, and a second gateway that
// converges. They also cover retried creates, etags, input checks, login
// throttling, API tokens, self-service, ListUsers pagination and the audit
// log, and check that no secret reaches a log or an audit event.
//
// Test suites run in the order they are defined. The secrets check is the
// last one: it greps every secret that the earlier tests registered.
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/crypto.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/time_util.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "gtest/gtest.h"
#include "ironorg/audit/v1/audit_event.pb.h"
#include "ironorg/identity/v1/auth.grpc.pb.h"
#include "ironorg/identity/v1/organization.grpc.pb.h"
#include "ironorg/identity/v1/user.grpc.pb.h"
#include "tests/e2e/suite.h"

namespace ironorg::testing {
namespace {

namespace identity = ::ironorg::identity::v1;

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

constexpr char kPassword[] = "correct horse battery";
constexpr char kWrongPassword[] = "not the password at all";

// How long a state change may take to reach another gateway replica, and
// how often the tests poll.
constexpr auto kConvergenceDeadline = std::chrono::seconds(5);
constexpr auto kPollInterval = std::chrono::milliseconds(50);

// Every password, token and secret a test used, for the final check that
// none reached a log or an audit event. Thread-safe.
class SecretRegistry final {
 public:
  static SecretRegistry& Get() {
    static SecretRegistry* registry = new SecretRegistry();
    return *registry;
  }

  void AddPassword(const std::string& password) {
    std::lock_guard<std::mutex> lock(mutex_);
    passwords_.insert(password);
  }

  void AddToken(const std::string& token) {
    if (token.empty()) {
      return;
    }
    std::lock_guard<std::mutex> lock(mutex_);
    tokens_.insert(token);
  }

  // Records an organization and a read-only user that no test changes, so
  // that the final check can list the organization's audit events.
  void AddOrganization(const std::string& organization,
                       const std::string& auditor_email) {
    std::lock_guard<std::mutex> lock(mutex_);
    organizations_[organization] = auditor_email;
  }

  // Returns every password and token, plus crypto::Sha256Hex of each token.
  std::vector<std::string> Secrets() const {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<std::string> secrets(passwords_.begin(), passwords_.end());
    for (const std::string& token : tokens_) {
      secrets.push_back(token);
      secrets.push_back(crypto::Sha256Hex(token));
    }
    return secrets;
  }

  std::map<std::string, std::string> Organizations() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return organizations_;
  }

 private:
  mutable std::mutex mutex_;
  std::set<std::string> passwords_;
  std::set<std::string> tokens_;
  std::map<std::string, std::string> organizations_;
};

// The suite that every test suite here but the throttling one shares. It
// starts before the first test and stops after the last, so that the
// secrets check runs against the logs of every earlier test.
class SharedSuiteEnvironment final : public ::testing::Environment {
 public:
  static Suite* suite() { return suite_; }

  void SetUp() override {
    absl::StatusOr<std::unique_ptr<Suite>> suite = Suite::Start();
    ASSERT_TRUE(suite.ok()) << suite.status();
    suite_ = std::move(*suite).release();
    SecretRegistry::Get().AddToken(suite_->operator_token());
    SecretRegistry::Get().AddToken(suite_->internal_secret());
  }

  void TearDown() override {
    delete suite_;
    suite_ = nullptr;
  }

 private:
  static Suite* suite_;
};

Suite* SharedSuiteEnvironment::suite_ = nullptr;

::testing::Environment* const kSharedSuiteEnvironment =
    ::testing::AddGlobalTestEnvironment(new SharedSuiteEnvironment());

// One organization with a user of each role, all logged in, and an auditor
// that no test changes.
struct Organization {
  std::string name;
  identity::User admin;
  identity::User read_only;
  identity::User developer;
  identity::User accountant;
  std::string admin_token;
  std::string read_only_token;
  std::string developer_token;
  std::string accountant_token;
  std::string auditor_email;
};

// Typed stubs to one gateway, with helpers that register every secret they
// handle.
class IdentityClient final {
 public:
  explicit IdentityClient(std::shared_ptr<grpc::Channel> channel)
      : channel_(std::move(channel)),
        organizations_(identity::OrganizationService::NewStub(channel_)),
        users_(identity::UserService::NewStub(channel_)),
        auth_(identity::AuthService::NewStub(channel_)) {}

  identity::OrganizationService::Stub& organizations() {
    return *organizations_;
  }
  identity::UserService::Stub& users() { return *users_; }
  identity::AuthService::Stub& auth() { return *auth_; }
  const std::shared_ptr<grpc::Channel>& channel() { return channel_; }

  grpc::Status Login(const std::string& email, const std::string& password,
                     identity::LoginResponse* response) {
    SecretRegistry::Get().AddPassword(password);
    identity::LoginRequest request;
    request.set_email(email);
    request.set_password(password);
    grpc::Status status =
        auth_->Login(ContextWithToken("").get(), request, response);
    SecretRegistry::Get().AddToken(response->access_token());
    return status;
  }

  // Logs in and returns the access token, or an empty one after a failed
  // test expectation.
  std::string LoginToken(const std::string& email,
                         const std::string& password = kPassword) {
    identity::LoginResponse response;
    grpc::Status status = Login(email, password, &response);
    EXPECT_TRUE(status.ok()) << email << ": " << status.error_message();
    return response.access_token();
  }

  grpc::Status CreateUser(const std::string& token,
                          const std::string& organization,
                          const std::string& email, identity::Role role,
                          const std::string& request_id,
                          identity::User* user) {
    identity::CreateUserRequest request;
    request.set_parent(organization);
    request.mutable_user()->set_email(email);
    request.mutable_user()->set_display_name(absl::StrCat("User ", email));
    request.mutable_user()->set_role(role);
    request.set_password(kPassword);
    request.set_request_id(request_id);
    return users_->CreateUser(ContextWithToken(token).get(), request, user);
  }

  identity::User MustCreateUser(const std::string& token,
                                const std::string& organization,
                                const std::string& email,
                                identity::Role role) {
    identity::User user;
    grpc::Status status = CreateUser(token, organization, email, role, "", &user);
    EXPECT_TRUE(status.ok()) << email << ": " << status.error_message();
    return user;
  }

  grpc::Status GetUser(const std::string& token, const std::string& name,
                       identity::User* user) {
    identity::GetUserRequest request;
    request.set_name(name);
    return users_->GetUser(ContextWithToken(token).get(), request, user);
  }

  grpc::Status ListUsers(const std::string& token,
                         const identity::ListUsersRequest& request,
                         identity::ListUsersResponse* response) {
    return users_->ListUsers(ContextWithToken(token).get(), request, response);
  }

  grpc::Status SetUserRole(const std::string& token, const std::string& name,
                           identity::Role role, identity::User* user) {
    identity::SetUserRoleRequest request;
    request.set_name(name);
    request.set_role(role);
    return users_->SetUserRole(ContextWithToken(token).get(), request, user);
  }

  grpc::Status DeleteUser(const std::string& token, const std::string& name) {
    identity::DeleteUserRequest request;
    request.set_name(name);
    identity::DeleteUserResponse response;
    return users_->DeleteUser(ContextWithToken(token).get(), request,
                              &response);
  }

  grpc::Status UpdateDisplayName(const std::string& token,
                                 const std::string& name,
                                 const std::string& display_name,
                                 const std::string& etag,
                                 identity::User* user) {
    identity::UpdateUserRequest request;
    request.mutable_user()->set_name(name);
    request.mutable_user()->set_display_name(display_name);
    request.mutable_user()->set_etag(etag);
    request.mutable_update_mask()->add_paths("display_name");
    return users_->UpdateUser(ContextWithToken(token).get(), request, user);
  }

  grpc::Status UpdateEmail(const std::string& token, const std::string& name,
                           const std::string& email, identity::User* user) {
    identity::UpdateUserRequest request;
    request.mutable_user()->set_name(name);
    request.mutable_user()->set_email(email);
    request.mutable_update_mask()->add_paths("email");
    return users_->UpdateUser(ContextWithToken(token).get(), request, user);
  }

  grpc::Status ResetUserPassword(const std::string& token,
                                 const std::string& name,
                                 const std::string& new_password) {
    SecretRegistry::Get().AddPassword(new_password);
    identity::ResetUserPasswordRequest request;
    request.set_name(name);
    request.set_new_password(new_password);
    identity::User user;
    return users_->ResetUserPassword(ContextWithToken(token).get(), request,
                                     &user);
  }

  grpc::Status ChangePassword(const std::string& token,
                              const std::string& current_password,
                              const std::string& new_password) {
    SecretRegistry::Get().AddPassword(current_password);
    SecretRegistry::Get().AddPassword(new_password);
    identity::ChangePasswordRequest request;
    request.set_current_password(current_password);
    request.set_new_password(new_password);
    identity::User user;
    return auth_->ChangePassword(ContextWithToken(token).get(), request,
                                 &user);
  }

  grpc::Status Logout(const std::string& token) {
    identity::LogoutRequest request;
    identity::LogoutResponse response;
    return auth_->Logout(ContextWithToken(token).get(), request, &response);
  }

  grpc::Status CreateApiToken(const std::string& token,
                              const std::string& user,
                              identity::ApiToken* api_token) {
    identity::CreateApiTokenRequest request;
    request.set_parent(user);
    request.mutable_api_token()->set_display_name("Nightly export script");
    grpc::Status status = auth_->CreateApiToken(ContextWithToken(token).get(),
                                                request, api_token);
    SecretRegistry::Get().AddToken(api_token->secret());
    return status;
  }

  // Creates an API token and returns it, or an empty one after a failed
  // test expectation.
  identity::ApiToken MustCreateApiToken(const std::string& token,
                                        const std::string& user) {
    identity::ApiToken api_token;
    grpc::Status status = CreateApiToken(token, user, &api_token);
    EXPECT_TRUE(status.ok()) << user << ": " << status.error_message();
    return api_token;
  }

  grpc::Status ListApiTokens(const std::string& token, const std::string& user,
                             identity::ListApiTokensResponse* response) {
    identity::ListApiTokensRequest request;
    request.set_parent(user);
    request.set_page_size(1000);
    return auth_->ListApiTokens(ContextWithToken(token).get(), request,
                                response);
  }

  grpc::Status RevokeApiToken(const std::string& token,
                              const std::string& api_token_name) {
    identity::RevokeApiTokenRequest request;
    request.set_name(api_token_name);
    identity::ApiToken response;
    return auth_->RevokeApiToken(ContextWithToken(token).get(), request,
                                 &response);
  }

  // Returns the number of users in `organization`, paging through all of
  // them, or -1 after a failed call.
  int CountUsers(const std::string& token, const std::string& organization) {
    identity::ListUsersRequest request;
    request.set_parent(organization);
    request.set_page_size(1000);
    int count = 0;
    do {
      identity::ListUsersResponse response;
      grpc::Status status = ListUsers(token, request, &response);
      if (!status.ok()) {
        ADD_FAILURE() << "ListUsers: " << status.error_message();
        return -1;
      }
      count += response.users_size();
      request.set_page_token(response.next_page_token());
    } while (!request.page_token().empty());
    return count;
  }

  // Creates an organization through the operator with one logged-in user of
  // each role and an auditor. Registers it for the secrets check when
  // `check_audit` is true, which needs the shared suite.
  Organization CreateOrganization(const std::string& operator_token,
                                  bool check_audit = true) {
    Organization org;
    const std::string admin_email = UniqueEmail("admin");
    identity::CreateOrganizationRequest request;
    request.mutable_organization()->set_display_name("Acme Hybrid");
    request.set_admin_email(admin_email);
    request.set_admin_display_name("Ada Admin");
    request.set_admin_password(kPassword);
    SecretRegistry::Get().AddPassword(kPassword);
    identity::Organization created;
    grpc::Status status = organizations_->CreateOrganization(
        ContextWithToken(operator_token).get(), request, &created);
    EXPECT_TRUE(status.ok()) << status.error_message();
    org.name = created.name();

    identity::LoginResponse login;
    status = Login(admin_email, kPassword, &login);
    EXPECT_TRUE(status.ok()) << status.error_message();
    org.admin = login.user();
    org.admin_token = login.access_token();

    org.auditor_email = UniqueEmail("auditor");
    MustCreateUser(org.admin_token, org.name, org.auditor_email,
                   identity::ROLE_ADMIN_READ_ONLY);
    if (check_audit) {
      SecretRegistry::Get().AddOrganization(org.name, org.auditor_email);
    }

    const std::string read_only_email = UniqueEmail("read-only");
    const std::string developer_email = UniqueEmail("developer");
    const std::string accountant_email = UniqueEmail("accountant");
    org.read_only = MustCreateUser(org.admin_token, org.name, read_only_email,
                                   identity::ROLE_ADMIN_READ_ONLY);
    org.developer = MustCreateUser(org.admin_token, org.name, developer_email,
                                   identity::ROLE_DEVELOPER);
    org.accountant = MustCreateUser(org.admin_token, org.name,
                                    accountant_email, identity::ROLE_ACCOUNTANT);
    org.read_only_token = LoginToken(read_only_email);
    org.developer_token = LoginToken(developer_email);
    org.accountant_token = LoginToken(accountant_email);
    return org;
  }

  static std::string UniqueEmail(const std::string& label) {
    return absl::StrCat(label, "-", crypto::NewResourceId(), "@example.com");
  }

 private:
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<identity::OrganizationService::Stub> organizations_;
  std::unique_ptr<identity::UserService::Stub> users_;
  std::unique_ptr<identity::AuthService::Stub> auth_;
};

// Calls `call` every kPollInterval until it returns `expected` or
// `deadline` passes. Returns the last status.
grpc::Status PollUntil(grpc::StatusCode expected,
                       std::chrono::steady_clock::duration deadline,
                       const std::function<grpc::Status()>& call) {
  const auto end = std::chrono::steady_clock::now() + deadline;
  grpc::Status status = call();
  while (status.error_code() != expected &&
         std::chrono::steady_clock::now() < end) {
    std::this_thread::sleep_for(kPollInterval);
    status = call();
  }
  return status;
}

// Sends `request_bytes` as the serialized request of the unary `method`,
// such as "/ironorg.identity.v1.UserService/CreateUser", and waits for the
// status. The response bytes are discarded.
grpc::Status CallWithRawBytes(const std::shared_ptr<grpc::Channel>& channel,
                              const std::string& method,
                              const std::string& token,
                              const std::string& request_bytes) {
  grpc::GenericStub stub(channel);
  grpc::Slice slice(request_bytes);
  grpc::ByteBuffer request(&slice, 1);
  grpc::ByteBuffer response;
  std::unique_ptr<grpc::ClientContext> context = ContextWithToken(token);
  std::promise<grpc::Status> done;
  stub.UnaryCall(context.get(), method, grpc::StubOptions(), &request,
                 &response,
                 [&done](grpc::Status status) { done.set_value(status); });
  return done.get_future().get();
}

// Runs `work(i)` for i in [0, count) on `threads` threads.
void RunInParallel(int count, int threads,
                   const std::function<void(int)>& work) {
  std::atomic<int> next{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      for (int i = next++; i < count; i = next++) {
        work(i);
      }
    });
  }
  for (std::thread& worker : workers) {
    worker.join();
  }
}

class IdentityE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    suite_ = SharedSuiteEnvironment::suite();
    ASSERT_NE(suite_, nullptr);
    client_ = std::make_unique<IdentityClient>(suite_->GatewayChannel());
  }

  Organization CreateOrganization() {
    return client_->CreateOrganization(suite_->operator_token());
  }

  // Returns the address of a second gateway, started on first use.
  std::string SecondGatewayAddress() {
    static std::string* address = nullptr;
    if (address == nullptr) {
      absl::StatusOr<std::string> started = suite_->StartExtraGateway();
      EXPECT_TRUE(started.ok()) << started.status();
      address = new std::string(started.ok() ? *started : "");
    }
    return *address;
  }

  Suite* suite_ = nullptr;
  std::unique_ptr<IdentityClient> client_;
};

// The last Admin.

TEST_F(IdentityE2eTest, DemotingLastAdminFails) {
  Organization org = CreateOrganization();
  identity::User user;

  grpc::Status status = client_->SetUserRole(
      org.admin_token, org.admin.name(), identity::ROLE_DEVELOPER, &user);
  identity::User stored;
  ASSERT_TRUE(client_->GetUser(org.admin_token, org.admin.name(), &stored).ok());

  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION)
      << status.error_message();
  EXPECT_EQ(stored.role(), identity::ROLE_ADMIN);
}

TEST_F(IdentityE2eTest, DeletingLastAdminFails) {
  Organization org = CreateOrganization();

  grpc::Status status = client_->DeleteUser(org.admin_token, org.admin.name());
  identity::User stored;
  grpc::Status get_status =
      client_->GetUser(org.admin_token, org.admin.name(), &stored);

  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION)
      << status.error_message();
  EXPECT_TRUE(get_status.ok()) << get_status.error_message();
}

// Two Admins demote each other at the same time, in several rounds. Every
// round must leave at least one Admin.
TEST_F(IdentityE2eTest, CrossDemotionsKeepAnAdmin) {
  constexpr int kRounds = 5;
  for (int round = 0; round < kRounds; ++round) {
    Organization org = CreateOrganization();
    const std::string second_email = IdentityClient::UniqueEmail("admin-two");
    identity::User second = client_->MustCreateUser(
        org.admin_token, org.name, second_email, identity::ROLE_ADMIN);
    const std::string second_token = client_->LoginToken(second_email);

    std::mutex mutex;
    std::condition_variable ready;
    bool go = false;
    auto demote = [&](const std::string& token, const std::string& target) {
      IdentityClient client(suite_->GatewayChannel());
      {
        std::unique_lock<std::mutex> lock(mutex);
        ready.wait(lock, [&] { return go; });
      }
      identity::User user;
      return client.SetUserRole(token, target, identity::ROLE_DEVELOPER,
                                &user);
    };
    std::future<grpc::Status> first = std::async(
        std::launch::async, demote, org.admin_token, second.name());
    std::future<grpc::Status> second_call = std::async(
        std::launch::async, demote, second_token, org.admin.name());
    {
      std::lock_guard<std::mutex> lock(mutex);
      go = true;
    }
    ready.notify_all();
    grpc::Status first_status = first.get();
    grpc::Status second_status = second_call.get();

    identity::ListUsersRequest admins;
    admins.set_parent(org.name);
    admins.set_role(identity::ROLE_ADMIN);
    identity::ListUsersResponse response;
    grpc::Status list_status =
        client_->ListUsers(org.read_only_token, admins, &response);
    ASSERT_TRUE(list_status.ok()) << list_status.error_message();
    EXPECT_GE(response.users_size(), 1)
        << "round " << round << ": first demotion "
        << first_status.error_code() << " " << first_status.error_message()
        << ", second demotion " << second_status.error_code() << " "
        << second_status.error_message();
  }
}

// Changes apply to the next call through the same gateway.

TEST_F(IdentityE2eTest, DemotedAdminDeniedOnNextCall) {
  Organization org = CreateOrganization();
  const std::string second_email = IdentityClient::UniqueEmail("admin-two");
  identity::User second = client_->MustCreateUser(
      org.admin_token, org.name, second_email, identity::ROLE_ADMIN);
  const std::string second_token = client_->LoginToken(second_email);
  identity::User demoted;
  ASSERT_TRUE(client_
                  ->SetUserRole(org.admin_token, second.name(),
                                identity::ROLE_DEVELOPER, &demoted)
                  .ok());

  identity::User created;
  grpc::Status status = client_->CreateUser(
      second_token, org.name, IdentityClient::UniqueEmail("after-demotion"),
      identity::ROLE_DEVELOPER, "", &created);

  EXPECT_EQ(demoted.role(), identity::ROLE_DEVELOPER);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED)
      << status.error_message();
}

TEST_F(IdentityE2eTest, DeletedUserTokenUnauthenticated) {
  Organization org = CreateOrganization();
  ASSERT_TRUE(client_->DeleteUser(org.admin_token, org.developer.name()).ok());

  identity::User user;
  grpc::Status status =
      client_->GetUser(org.developer_token, org.developer.name(), &user);

  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED)
      << status.error_message();
}

TEST_F(IdentityE2eTest, ResetPasswordRevokesTokens) {
  Organization org = CreateOrganization();
  identity::ApiToken api_token = client_->MustCreateApiToken(
      org.developer_token, org.developer.name());
  const std::string new_password = crypto::NewToken("reset-password-");
  ASSERT_TRUE(client_
                  ->ResetUserPassword(org.admin_token, org.developer.name(),
                                      new_password)
                  .ok());

  identity::User user;
  grpc::Status access_status =
      client_->GetUser(org.developer_token, org.developer.name(), &user);
  grpc::Status api_status =
      client_->GetUser(api_token.secret(), org.developer.name(), &user);
  identity::LoginResponse old_login;
  grpc::Status old_password_status =
      client_->Login(org.developer.email(), kPassword, &old_login);
  identity::LoginResponse new_login;
  grpc::Status new_password_status =
      client_->Login(org.developer.email(), new_password, &new_login);

  EXPECT_EQ(access_status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(api_status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(old_password_status.error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_TRUE(new_password_status.ok()) << new_password_status.error_message();
}

TEST_F(IdentityE2eTest, LogoutRevokesOnlyItsToken) {
  Organization org = CreateOrganization();
  const std::string other_token = client_->LoginToken(org.developer.email());
  ASSERT_TRUE(client_->Logout(org.developer_token).ok());

  identity::User user;
  grpc::Status logged_out =
      client_->GetUser(org.developer_token, org.developer.name(), &user);
  grpc::Status other =
      client_->GetUser(other_token, org.developer.name(), &user);

  EXPECT_EQ(logged_out.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_TRUE(other.ok()) << other.error_message();
}

// A second gateway replica converges.

TEST_F(IdentityE2eTest, SecondGatewaySeesDemotion) {
  const std::string address = SecondGatewayAddress();
  ASSERT_FALSE(address.empty());
  IdentityClient second_gateway(
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  Organization org = CreateOrganization();
  const std::string second_email = IdentityClient::UniqueEmail("admin-two");
  identity::User second = client_->MustCreateUser(
      org.admin_token, org.name, second_email, identity::ROLE_ADMIN);
  const std::string second_token = client_->LoginToken(second_email);
  identity::ListUsersRequest list;
  list.set_parent(org.name);
  identity::ListUsersResponse response;
  ASSERT_TRUE(second_gateway.ListUsers(second_token, list, &response).ok());
  identity::User demoted;
  ASSERT_TRUE(client_
                  ->SetUserRole(org.admin_token, second.name(),
                                identity::ROLE_DEVELOPER, &demoted)
                  .ok());

  grpc::Status status = PollUntil(
      grpc::StatusCode::PERMISSION_DENIED, kConvergenceDeadline, [&] {
        identity::ListUsersResponse ignored;
        return second_gateway.ListUsers(second_token, list, &ignored);
      });

  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED)
      << "not converged within 5 s: " << status.error_message();
}

TEST_F(IdentityE2eTest, SecondGatewaySeesRevokedToken) {
  const std::string address = SecondGatewayAddress();
  ASSERT_FALSE(address.empty());
  IdentityClient second_gateway(
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  Organization org = CreateOrganization();
  identity::ApiToken api_token = client_->MustCreateApiToken(
      org.developer_token, org.developer.name());
  identity::User user;
  ASSERT_TRUE(
      second_gateway.GetUser(api_token.secret(), org.developer.name(), &user)
          .ok());
  ASSERT_TRUE(
      client_->RevokeApiToken(org.developer_token, api_token.name()).ok());

  grpc::Status status = PollUntil(
      grpc::StatusCode::UNAUTHENTICATED, kConvergenceDeadline, [&] {
        identity::User ignored;
        return second_gateway.GetUser(api_token.secret(), org.developer.name(),
                                      &ignored);
      });

  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED)
      << "not converged within 5 s: " << status.error_message();
}

// Retried creates and etags.

TEST_F(IdentityE2eTest, CreateUserRetryReturnsSameUser) {
  Organization org = CreateOrganization();
  const int before = client_->CountUsers(org.admin_token, org.name);
  const std::string email = IdentityClient::UniqueEmail("retried");
  const std::string request_id = crypto::NewResourceId();
  identity::User first;
  identity::User second;

  grpc::Status first_status = client_->CreateUser(
      org.admin_token, org.name, email, identity::ROLE_DEVELOPER, request_id,
      &first);
  grpc::Status second_status = client_->CreateUser(
      org.admin_token, org.name, email, identity::ROLE_DEVELOPER, request_id,
      &second);
  const int after = client_->CountUsers(org.admin_token, org.name);

  ASSERT_TRUE(first_status.ok()) << first_status.error_message();
  ASSERT_TRUE(second_status.ok()) << second_status.error_message();
  EXPECT_EQ(second.name(), first.name());
  EXPECT_EQ(after, before + 1);
}

TEST_F(IdentityE2eTest, UpdateUserStaleEtagAborted) {
  Organization org = CreateOrganization();
  identity::User original;
  ASSERT_TRUE(
      client_->GetUser(org.admin_token, org.developer.name(), &original).ok());
  identity::User updated;
  ASSERT_TRUE(client_
                  ->UpdateDisplayName(org.admin_token, org.developer.name(),
                                      "First rename", original.etag(), &updated)
                  .ok());

  identity::User response;
  grpc::Status status =
      client_->UpdateDisplayName(org.admin_token, org.developer.name(),
                                 "Second rename", original.etag(), &response);
  identity::User stored;
  ASSERT_TRUE(
      client_->GetUser(org.admin_token, org.developer.name(), &stored).ok());

  EXPECT_NE(updated.etag(), original.etag());
  EXPECT_EQ(status.error_code(), grpc::StatusCode::ABORTED)
      << status.error_message();
  EXPECT_EQ(stored.display_name(), "First rename");
  EXPECT_EQ(stored.etag(), updated.etag());
}

TEST_F(IdentityE2eTest, UpdateUserEmptyEtagSucceeds) {
  Organization org = CreateOrganization();
  identity::User original;
  ASSERT_TRUE(
      client_->GetUser(org.admin_token, org.developer.name(), &original).ok());
  identity::User first;
  ASSERT_TRUE(client_
                  ->UpdateDisplayName(org.admin_token, org.developer.name(),
                                      "First rename", "", &first)
                  .ok());

  identity::User second;
  grpc::Status status = client_->UpdateDisplayName(
      org.admin_token, org.developer.name(), "Second rename", "", &second);
  identity::User stored;
  ASSERT_TRUE(
      client_->GetUser(org.admin_token, org.developer.name(), &stored).ok());

  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(stored.display_name(), "Second rename");
  EXPECT_EQ(stored.email(), original.email());
}

TEST_F(IdentityE2eTest, AdminUpdatesEmail) {
  Organization org = CreateOrganization();
  const std::string new_email = IdentityClient::UniqueEmail("renamed");
  identity::User updated;

  grpc::Status status = client_->UpdateEmail(
      org.admin_token, org.developer.name(), new_email, &updated);
  identity::LoginResponse login;
  grpc::Status login_status = client_->Login(new_email, kPassword, &login);

  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(updated.email(), new_email);
  EXPECT_EQ(updated.display_name(), org.developer.display_name());
  EXPECT_TRUE(login_status.ok()) << login_status.error_message();
}

// Input checks.

TEST_F(IdentityE2eTest, LongDisplayNameInvalid) {
  Organization org = CreateOrganization();
  const int before = client_->CountUsers(org.admin_token, org.name);
  identity::CreateUserRequest request;
  request.set_parent(org.name);
  request.mutable_user()->set_email(IdentityClient::UniqueEmail("long"));
  request.mutable_user()->set_display_name(std::string(201, 'x'));
  request.mutable_user()->set_role(identity::ROLE_DEVELOPER);
  request.set_password(kPassword);
  identity::User user;

  grpc::Status status = client_->users().CreateUser(
      ContextWithToken(org.admin_token).get(), request, &user);
  const int after = client_->CountUsers(org.admin_token, org.name);

  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("display_name"));
  EXPECT_EQ(after, before);
}

TEST_F(IdentityE2eTest, LongDisplayNameUpdateInvalid) {
  Organization org = CreateOrganization();
  identity::User user;

  grpc::Status status =
      client_->UpdateDisplayName(org.admin_token, org.developer.name(),
                                 std::string(201, 'x'), "", &user);
  identity::User stored;
  ASSERT_TRUE(
      client_->GetUser(org.admin_token, org.developer.name(), &stored).ok());

  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("display_name"));
  EXPECT_EQ(stored.display_name(), org.developer.display_name());
}

// C++ protobuf (3.21) rejects invalid UTF-8 in proto3 string fields when it
// parses, and logs an error when it serializes. So the test serializes a
// valid placeholder and replaces it in the wire bytes with invalid bytes of
// the same length, which keeps every length prefix right. The bytes go out
// through a generic stub.
TEST_F(IdentityE2eTest, InvalidUtf8DisplayNameInvalid) {
  Organization org = CreateOrganization();
  const int before = client_->CountUsers(org.admin_token, org.name);
  const std::string placeholder = "Bad ZZZZ name";
  const std::string invalid_utf8 = "Bad \xC3\x28\xFF\xFE name";
  ASSERT_EQ(placeholder.size(), invalid_utf8.size());
  identity::CreateUserRequest request;
  request.set_parent(org.name);
  request.mutable_user()->set_email(IdentityClient::UniqueEmail("utf8"));
  request.mutable_user()->set_display_name(placeholder);
  request.mutable_user()->set_role(identity::ROLE_DEVELOPER);
  request.set_password(kPassword);
  std::string bytes = request.SerializeAsString();
  const size_t at = bytes.find(placeholder);
  ASSERT_NE(at, std::string::npos);
  bytes.replace(at, placeholder.size(), invalid_utf8);

  grpc::Status status = CallWithRawBytes(
      client_->channel(), "/ironorg.identity.v1.UserService/CreateUser",
      org.admin_token, bytes);
  const int after = client_->CountUsers(org.admin_token, org.name);

  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
      << status.error_message();
  EXPECT_THAT(status.error_message(), HasSubstr("display_name"));
  EXPECT_EQ(after, before);
}

// API tokens.

TEST_F(IdentityE2eTest, ApiTokenSecretShownOnce) {
  Organization org = CreateOrganization();
  identity::ApiToken created = client_->MustCreateApiToken(
      org.developer_token, org.developer.name());

  identity::ListApiTokensResponse listed;
  grpc::Status status =
      client_->ListApiTokens(org.developer_token, org.developer.name(), &listed);

  EXPECT_THAT(created.secret(), StartsWith("iok_"));
  EXPECT_THAT(created.name(), StartsWith(org.developer.name() + "/apiTokens/"));
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(listed.api_tokens_size(), 1);
  EXPECT_EQ(listed.api_tokens(0).name(), created.name());
  EXPECT_EQ(listed.api_tokens(0).secret(), "");
}

TEST_F(IdentityE2eTest, ApiTokenWorksAsBearer) {
  Organization org = CreateOrganization();
  identity::ApiToken created =
      client_->MustCreateApiToken(org.admin_token, org.admin.name());

  identity::User user;
  grpc::Status get_status =
      client_->GetUser(created.secret(), org.developer.name(), &user);
  identity::User new_user;
  grpc::Status create_status = client_->CreateUser(
      created.secret(), org.name, IdentityClient::UniqueEmail("by-api-token"),
      identity::ROLE_DEVELOPER, "", &new_user);

  EXPECT_TRUE(get_status.ok()) << get_status.error_message();
  EXPECT_TRUE(create_status.ok()) << create_status.error_message();
}

TEST_F(IdentityE2eTest, ApiTokenCannotMintOrChangePassword) {
  Organization org = CreateOrganization();
  identity::ApiToken created =
      client_->MustCreateApiToken(org.admin_token, org.admin.name());

  identity::ApiToken minted;
  grpc::Status mint_status =
      client_->CreateApiToken(created.secret(), org.admin.name(), &minted);
  grpc::Status change_status = client_->ChangePassword(
      created.secret(), kPassword, crypto::NewToken("api-token-password-"));
  identity::LoginResponse login;
  grpc::Status login_status =
      client_->Login(org.admin.email(), kPassword, &login);

  EXPECT_EQ(mint_status.error_code(), grpc::StatusCode::PERMISSION_DENIED)
      << mint_status.error_message();
  EXPECT_EQ(change_status.error_code(), grpc::StatusCode::PERMISSION_DENIED)
      << change_status.error_message();
  EXPECT_TRUE(login_status.ok()) << login_status.error_message();
}

TEST_F(IdentityE2eTest, RevokedApiTokenUnauthenticated) {
  Organization org = CreateOrganization();
  identity::ApiToken created = client_->MustCreateApiToken(
      org.developer_token, org.developer.name());
  identity::User user;
  ASSERT_TRUE(
      client_->GetUser(created.secret(), org.developer.name(), &user).ok());
  ASSERT_TRUE(
      client_->RevokeApiToken(org.developer_token, created.name()).ok());

  grpc::Status status =
      client_->GetUser(created.secret(), org.developer.name(), &user);
  identity::ListApiTokensResponse listed;
  ASSERT_TRUE(
      client_->ListApiTokens(org.developer_token, org.developer.name(), &listed)
          .ok());

  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  // A revoked token may be left out of the list or listed with its
  // revoke_time, but never listed as active.
  for (const identity::ApiToken& listed_token : listed.api_tokens()) {
    if (listed_token.name() == created.name()) {
      EXPECT_TRUE(listed_token.has_revoke_time());
    }
  }
}

// Self-service.

TEST_F(IdentityE2eTest, EveryRoleServesItself) {
  Organization org = CreateOrganization();
  const std::vector<std::pair<std::string, identity::User>> callers = {
      {org.admin_token, org.admin},
      {org.read_only_token, org.read_only},
      {org.developer_token, org.developer},
      {org.accountant_token, org.accountant}};

  for (const auto& [token, self] : callers) {
    SCOPED_TRACE(identity::Role_Name(self.role()));
    identity::User read;
    grpc::Status get_status = client_->GetUser(token, self.name(), &read);
    EXPECT_TRUE(get_status.ok()) << get_status.error_message();

    identity::User renamed;
    grpc::Status update_status = client_->UpdateDisplayName(
        token, self.name(), "My own new name", "", &renamed);
    EXPECT_TRUE(update_status.ok()) << update_status.error_message();
    EXPECT_EQ(renamed.display_name(), "My own new name");

    identity::ApiToken api_token;
    grpc::Status create_status =
        client_->CreateApiToken(token, self.name(), &api_token);
    EXPECT_TRUE(create_status.ok()) << create_status.error_message();
    identity::ListApiTokensResponse listed;
    grpc::Status list_status =
        client_->ListApiTokens(token, self.name(), &listed);
    EXPECT_TRUE(list_status.ok()) << list_status.error_message();
    EXPECT_EQ(listed.api_tokens_size(), 1);
    grpc::Status revoke_status =
        client_->RevokeApiToken(token, api_token.name());
    EXPECT_TRUE(revoke_status.ok()) << revoke_status.error_message();

    const std::string new_password = crypto::NewToken("changed-password-");
    grpc::Status change_status =
        client_->ChangePassword(token, kPassword, new_password);
    EXPECT_TRUE(change_status.ok()) << change_status.error_message();
    identity::LoginResponse login;
    grpc::Status login_status =
        client_->Login(self.email(), new_password, &login);
    EXPECT_TRUE(login_status.ok()) << login_status.error_message();
  }
}

TEST_F(IdentityE2eTest, DeveloperCannotUpdateOthersOrEmail) {
  Organization org = CreateOrganization();
  identity::User user;

  grpc::Status other_status =
      client_->UpdateDisplayName(org.developer_token, org.accountant.name(),
                                 "Renamed by a developer", "", &user);
  grpc::Status email_status = client_->UpdateEmail(
      org.developer_token, org.developer.name(),
      IdentityClient::UniqueEmail("self-renamed"), &user);
  identity::User stored;
  ASSERT_TRUE(
      client_->GetUser(org.admin_token, org.developer.name(), &stored).ok());

  EXPECT_EQ(other_status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(email_status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(stored.email(), org.developer.email());
}

// ListUsers pagination.

TEST_F(IdentityE2eTest, ListUsersPagesEveryUserOnce) {
  constexpr int kUsers = 2500;
  constexpr int kThreads = 4;
  Organization org = CreateOrganization();
  std::vector<std::string> created(kUsers);
  std::atomic<int> failures{0};
  RunInParallel(kUsers, kThreads, [&](int i) {
    identity::User user;
    grpc::Status status = client_->CreateUser(
        org.admin_token, org.name, IdentityClient::UniqueEmail("bulk"),
        identity::ROLE_DEVELOPER, "", &user);
    if (status.ok()) {
      created[i] = user.name();
    } else {
      ++failures;
    }
  });
  ASSERT_EQ(failures.load(), 0);
  std::set<std::string> existing(created.begin(), created.end());
  for (const identity::User& user :
       {org.admin, org.read_only, org.developer, org.accountant}) {
    existing.insert(user.name());
  }

  std::map<std::string, int> seen;
  identity::ListUsersRequest request;
  request.set_parent(org.name);
  request.set_page_size(100);
  int pages = 0;
  do {
    identity::ListUsersResponse response;
    grpc::Status status =
        client_->ListUsers(org.admin_token, request, &response);
    ASSERT_TRUE(status.ok()) << "page " << pages << ": "
                             << status.error_message();
    ASSERT_LE(response.users_size(), 100);
    for (const identity::User& user : response.users()) {
      ++seen[user.name()];
    }
    ++pages;
    for (int i = 0; i < 3; ++i) {
      client_->MustCreateUser(org.admin_token, org.name,
                              IdentityClient::UniqueEmail("between-pages"),
                              identity::ROLE_DEVELOPER);
    }
    request.set_page_token(response.next_page_token());
  } while (!request.page_token().empty());

  int missing = 0;
  for (const std::string& name : existing) {
    if (seen.count(name) == 0) {
      ++missing;
    }
  }
  int repeated = 0;
  for (const auto& [name, count] : seen) {
    if (count > 1) {
      ++repeated;
    }
  }
  EXPECT_GE(static_cast<int>(existing.size()), kUsers + 4);
  EXPECT_EQ(missing, 0);
  EXPECT_EQ(repeated, 0);
  EXPECT_GE(pages, 26);
}

TEST_F(IdentityE2eTest, ListUsersNegativePageSizeInvalid) {
  Organization org = CreateOrganization();
  identity::ListUsersRequest request;
  request.set_parent(org.name);
  request.set_page_size(-1);
  identity::ListUsersResponse response;

  grpc::Status status =
      client_->ListUsers(org.admin_token, request, &response);

  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("page_size"));
}

TEST_F(IdentityE2eTest, ListUsersTokenOfOtherRoleInvalid) {
  Organization org = CreateOrganization();
  client_->MustCreateUser(org.admin_token, org.name,
                          IdentityClient::UniqueEmail("developer-two"),
                          identity::ROLE_DEVELOPER);
  identity::ListUsersRequest developers;
  developers.set_parent(org.name);
  developers.set_page_size(1);
  developers.set_role(identity::ROLE_DEVELOPER);
  identity::ListUsersResponse first_page;
  ASSERT_TRUE(client_->ListUsers(org.admin_token, developers, &first_page).ok());
  ASSERT_FALSE(first_page.next_page_token().empty());
  identity::ListUsersRequest accountants = developers;
  accountants.set_role(identity::ROLE_ACCOUNTANT);
  accountants.set_page_token(first_page.next_page_token());
  identity::ListUsersResponse response;

  grpc::Status status =
      client_->ListUsers(org.admin_token, accountants, &response);

  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
      << status.error_message();
  EXPECT_THAT(status.error_message(), HasSubstr("page_token"));
}

// Audit events.

TEST_F(IdentityE2eTest, AuditListsMutationsNewestFirst) {
  Organization org = CreateOrganization();
  const std::string request_id = crypto::NewResourceId();
  identity::User user;
  ASSERT_TRUE(client_
                  ->CreateUser(org.admin_token, org.name,
                               IdentityClient::UniqueEmail("audited"),
                               identity::ROLE_DEVELOPER, request_id, &user)
                  .ok());
  identity::User renamed;
  ASSERT_TRUE(client_
                  ->UpdateDisplayName(org.admin_token, user.name(),
                                      "Audited rename", "", &renamed)
                  .ok());
  identity::User role_changed;
  ASSERT_TRUE(client_
                  ->SetUserRole(org.admin_token, user.name(),
                                identity::ROLE_ACCOUNTANT, &role_changed)
                  .ok());
  identity::ListAuditEventsRequest request;
  request.set_parent(org.name);
  identity::ListAuditEventsResponse by_read_only;
  identity::ListAuditEventsResponse by_admin;
  identity::ListAuditEventsResponse by_developer;

  grpc::Status read_only_status = client_->users().ListAuditEvents(
      ContextWithToken(org.read_only_token).get(), request, &by_read_only);
  grpc::Status admin_status = client_->users().ListAuditEvents(
      ContextWithToken(org.admin_token).get(), request, &by_admin);
  grpc::Status developer_status = client_->users().ListAuditEvents(
      ContextWithToken(org.developer_token).get(), request, &by_developer);

  ASSERT_TRUE(read_only_status.ok()) << read_only_status.error_message();
  EXPECT_TRUE(admin_status.ok()) << admin_status.error_message();
  EXPECT_EQ(developer_status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  ASSERT_GE(by_read_only.audit_events_size(), 3);
  const audit::v1::AuditEvent& newest = by_read_only.audit_events(0);
  const audit::v1::AuditEvent& middle = by_read_only.audit_events(1);
  const audit::v1::AuditEvent& oldest = by_read_only.audit_events(2);
  EXPECT_EQ(newest.action(), "SetUserRole");
  EXPECT_EQ(newest.resource(), user.name());
  EXPECT_EQ(newest.actor(), org.admin.name());
  EXPECT_EQ(middle.action(), "UpdateUser");
  EXPECT_EQ(middle.resource(), user.name());
  EXPECT_EQ(middle.actor(), org.admin.name());
  EXPECT_EQ(oldest.action(), "CreateUser");
  EXPECT_EQ(oldest.resource(), user.name());
  EXPECT_EQ(oldest.actor(), org.admin.name());
  EXPECT_EQ(oldest.request_id(), request_id);
  for (int i = 1; i < by_read_only.audit_events_size(); ++i) {
    EXPECT_GE(by_read_only.audit_events(i - 1).create_time(),
              by_read_only.audit_events(i).create_time())
        << "events " << i - 1 << " and " << i;
  }
}

// Login throttling, in a suite of its own whose identity locks an email out
// for 2 seconds.
class LoginThrottleE2eTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    SuiteOptions options;
    options.extra_flags["identity"] = {"--login_max_failures=5",
                                       "--login_failure_window=1m",
                                       "--login_lockout=2s"};
    absl::StatusOr<std::unique_ptr<Suite>> suite = Suite::Start(options);
    ASSERT_TRUE(suite.ok()) << suite.status();
    suite_ = std::move(*suite).release();
  }

  static void TearDownTestSuite() {
    delete suite_;
    suite_ = nullptr;
  }

  static Suite* suite_;
};

Suite* LoginThrottleE2eTest::suite_ = nullptr;

TEST_F(LoginThrottleE2eTest, LockoutAfterFiveFailures) {
  ASSERT_NE(suite_, nullptr);
  IdentityClient client(suite_->GatewayChannel());
  Organization org = client.CreateOrganization(suite_->operator_token(),
                                                  /*check_audit=*/false);
  const std::string email = org.developer.email();
  for (int attempt = 1; attempt <= 5; ++attempt) {
    identity::LoginResponse response;
    grpc::Status status = client.Login(email, kWrongPassword, &response);
    ASSERT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED)
        << "attempt " << attempt << ": " << status.error_message();
  }

  identity::LoginResponse locked_response;
  grpc::Status locked = client.Login(email, kPassword, &locked_response);
  identity::LoginResponse other_response;
  grpc::Status other =
      client.Login(org.accountant.email(), kPassword, &other_response);
  grpc::Status released =
      PollUntil(grpc::StatusCode::OK, std::chrono::seconds(10), [&] {
        identity::LoginResponse response;
        return client.Login(email, kPassword, &response);
      });

  ASSERT_EQ(locked.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED)
      << locked.error_message();
  google::rpc::Status details;
  ASSERT_TRUE(details.ParseFromString(locked.error_details()));
  google::rpc::RetryInfo retry_info;
  bool has_retry_info = false;
  for (const google::protobuf::Any& detail : details.details()) {
    if (detail.UnpackTo(&retry_info)) {
      has_retry_info = true;
    }
  }
  EXPECT_TRUE(has_retry_info);
  const int64_t retry_delay_nanos =
      retry_info.retry_delay().seconds() * 1000000000LL +
      retry_info.retry_delay().nanos();
  EXPECT_GT(retry_delay_nanos, 0);
  // The lockout is 2 seconds, so the delay cannot be longer.
  EXPECT_LE(retry_delay_nanos, 2000000000LL);
  EXPECT_TRUE(other.ok()) << other.error_message();
  EXPECT_TRUE(released.ok()) << "not released within 10 s: "
                             << released.error_message();
  const std::string logs = suite_->ReadLogs();
  EXPECT_THAT(logs, Not(HasSubstr(kPassword)));
  EXPECT_THAT(logs, Not(HasSubstr(kWrongPassword)));
}

// The secrets check, defined last so that it runs after every test that
// uses the shared suite.
class IdentitySecretsE2eTest : public IdentityE2eTest {};

TEST_F(IdentitySecretsE2eTest, NoneInLogsOrAudit) {
  const std::vector<std::string> secrets = SecretRegistry::Get().Secrets();
  const std::map<std::string, std::string> organizations =
      SecretRegistry::Get().Organizations();
  ASSERT_FALSE(organizations.empty());
  std::vector<std::string> event_texts;
  for (const auto& [organization, auditor_email] : organizations) {
    const std::string token = client_->LoginToken(auditor_email);
    identity::ListAuditEventsRequest request;
    request.set_parent(organization);
    request.set_page_size(1000);
    do {
      identity::ListAuditEventsResponse response;
      grpc::Status status = client_->users().ListAuditEvents(
          ContextWithToken(token).get(), request, &response);
      ASSERT_TRUE(status.ok()) << organization << ": "
                               << status.error_message();
      for (const audit::v1::AuditEvent& event : response.audit_events()) {
        event_texts.push_back(event.ShortDebugString());
      }
      request.set_page_token(response.next_page_token());
    } while (!request.page_token().empty());
  }
  const std::string logs = suite_->ReadLogs();

  EXPECT_FALSE(logs.empty());
  EXPECT_FALSE(event_texts.empty());
  // The messages show only the start of a secret and the text around a
  // match, because the logs and the audit log are too long to print whole.
  // gtest builds a message only when its check fails.
  for (const std::string& secret : secrets) {
    const std::string label = absl::StrCat(secret.substr(0, 8), "...");
    const size_t in_logs = logs.find(secret);
    EXPECT_EQ(in_logs, std::string::npos)
        << label << " found in the logs: "
        << logs.substr(in_logs - std::min<size_t>(in_logs, 200), 400);
    auto in_events =
        std::find_if(event_texts.begin(), event_texts.end(),
                     [&](const std::string& text) {
                       return text.find(secret) != std::string::npos;
                     });
    EXPECT_TRUE(in_events == event_texts.end())
        << label << " found in the audit event " << *in_events;
  }
}

}  // namespace
}  // namespace ironorg::testing

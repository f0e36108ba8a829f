#include "services/identity/identity_service.h"

#include <algorithm>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/crypto.h"
#include "common/errors.h"
#include "gmock/gmock.h"
#include "google/rpc/error_details.pb.h"
#include "gtest/gtest.h"
#include "services/identity/identity_store.h"
#include "tests/identity/test_support.h"
#include "tests/testing/scoped_temp_dir.h"

namespace ironorg::identity {
namespace {

using ::ironorg::test::ScopedTempDir;
using testing::FastPasswordCost;
using ::testing::HasSubstr;
using testing::OperatorPrincipal;
using testing::ServicePrincipal;
using ::testing::StartsWith;
using testing::UserPrincipal;
using v1::Principal;

constexpr char kPassword[] = "correct horse battery";

// Returns the field named by the BadRequest payload of `status`, or "".
std::string BadRequestField(const absl::Status& status) {
  const auto payload = status.GetPayload(errors::kBadRequestTypeUrl);
  if (!payload.has_value()) {
    return "";
  }
  google::rpc::BadRequest bad_request;
  if (!bad_request.ParseFromString(std::string(*payload)) ||
      bad_request.field_violations_size() != 1) {
    return "";
  }
  return bad_request.field_violations(0).field();
}

v1::CreateOrganizationRequest OrganizationRequest(absl::string_view email) {
  v1::CreateOrganizationRequest request;
  request.mutable_organization()->set_display_name("Acme");
  request.set_admin_email(std::string(email));
  request.set_admin_display_name("Ada Admin");
  request.set_admin_password(kPassword);
  return request;
}

class IdentityServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<IdentityStore>> store =
        IdentityStore::Open(directory_.File(kDatabaseFileName));
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    service_ = NewService(FastPasswordCost(), absl::Hours(12));
    ASSERT_NE(service_, nullptr);

    absl::StatusOr<v1::Organization> organization =
        service_->CreateOrganization(OperatorPrincipal(),
                                     OrganizationRequest("ada@example.com"));
    ASSERT_TRUE(organization.ok()) << organization.status();
    organization_ = *organization;
    absl::StatusOr<std::optional<UserRecord>> admin =
        store_->FindUserByEmail("ada@example.com");
    ASSERT_TRUE(admin.ok()) << admin.status();
    ASSERT_TRUE(admin->has_value());
    admin_name_ = absl::StrCat(organization_.name(), "/users/", (*admin)->id);
    admin_ = UserPrincipal(organization_.name(), admin_name_, v1::ROLE_ADMIN);
  }

  std::unique_ptr<IdentityService> NewService(crypto::PasswordCost cost,
                                              absl::Duration lifetime) {
    IdentityServiceOptions options;
    options.password_cost = cost;
    options.access_token_lifetime = lifetime;
    options.page_token_key = std::string(32, 'k');
    absl::StatusOr<std::unique_ptr<IdentityService>> service =
        IdentityService::Create(store_.get(), std::move(options));
    EXPECT_TRUE(service.ok()) << service.status();
    return service.ok() ? *std::move(service) : nullptr;
  }

  absl::StatusOr<v1::User> CreateUser(absl::string_view email, v1::Role role,
                                      absl::string_view request_id = "") {
    v1::CreateUserRequest request;
    request.set_parent(organization_.name());
    request.mutable_user()->set_email(std::string(email));
    request.mutable_user()->set_display_name("Dev");
    request.mutable_user()->set_role(role);
    request.set_password(kPassword);
    request.set_request_id(std::string(request_id));
    return service_->CreateUser(admin_, request);
  }

  absl::StatusOr<v1::ListUsersResponse> ListUsers(int page_size,
                                                  const std::string& token,
                                                  v1::Role role) {
    v1::ListUsersRequest request;
    request.set_parent(organization_.name());
    request.set_page_size(page_size);
    request.set_page_token(token);
    request.set_role(role);
    return service_->ListUsers(admin_, request);
  }

  int CountUsers() {
    absl::StatusOr<v1::ListUsersResponse> page =
        ListUsers(1000, "", v1::ROLE_UNSPECIFIED);
    EXPECT_TRUE(page.ok()) << page.status();
    return page.ok() ? page->users_size() : -1;
  }

  absl::StatusOr<v1::LoginResponse> Login(absl::string_view email,
                                          absl::string_view password) {
    v1::LoginRequest request;
    request.set_email(std::string(email));
    request.set_password(std::string(password));
    return service_->Login(Principal(), request);
  }

  absl::StatusOr<v1::IntrospectTokenResponse> Introspect(
      absl::string_view token) {
    v1::IntrospectTokenRequest request;
    request.set_token(std::string(token));
    return service_->IntrospectToken(ServicePrincipal(), request);
  }

  ScopedTempDir directory_;
  std::unique_ptr<IdentityStore> store_;
  std::unique_ptr<IdentityService> service_;
  v1::Organization organization_;
  std::string admin_name_;
  Principal admin_;
};

TEST_F(IdentityServiceTest, CreateOrganizationCreatesAdmin) {
  EXPECT_THAT(organization_.name(), StartsWith("organizations/"));
  EXPECT_EQ(organization_.display_name(), "Acme");
  EXPECT_EQ(organization_.etag(), "1");
  EXPECT_GT(organization_.create_time().seconds(), 0);

  v1::GetUserRequest request;
  request.set_name(admin_name_);
  absl::StatusOr<v1::User> admin = service_->GetUser(admin_, request);
  ASSERT_TRUE(admin.ok()) << admin.status();
  EXPECT_EQ(admin->email(), "ada@example.com");
  EXPECT_EQ(admin->role(), v1::ROLE_ADMIN);
  EXPECT_EQ(admin->display_name(), "Ada Admin");
  EXPECT_EQ(admin->etag(), "1");
}

TEST_F(IdentityServiceTest, CreateOrganizationRecordsAudit) {
  const std::string organization_id =
      organization_.name().substr(std::string("organizations/").size());
  absl::StatusOr<std::vector<AuditRecord>> events =
      store_->ListAuditRecords(organization_id);
  ASSERT_TRUE(events.ok()) << events.status();
  ASSERT_EQ(events->size(), 2u);
  std::set<std::string> resources;
  for (const AuditRecord& event : *events) {
    EXPECT_EQ(event.actor, "operator");
    EXPECT_EQ(event.action, "CreateOrganization");
    resources.insert(event.resource);
  }
  EXPECT_EQ(resources,
            (std::set<std::string>{organization_.name(), admin_name_}));
}

TEST_F(IdentityServiceTest, CreateOrganizationHashesWithArgon2id) {
  absl::StatusOr<std::optional<UserRecord>> admin =
      store_->FindUserByEmail("ada@example.com");
  ASSERT_TRUE(admin.ok()) << admin.status();
  ASSERT_TRUE(admin->has_value());
  EXPECT_THAT((*admin)->password_hash, StartsWith("$argon2id$"));
  EXPECT_TRUE(crypto::VerifyPassword((*admin)->password_hash, kPassword));
}

TEST_F(IdentityServiceTest, CreateOrganizationRejectsNonOperator) {
  for (const Principal& caller : {admin_, ServicePrincipal(), Principal()}) {
    absl::StatusOr<v1::Organization> created = service_->CreateOrganization(
        caller, OrganizationRequest("new@example.com"));
    EXPECT_EQ(created.status().code(), absl::StatusCode::kPermissionDenied)
        << caller.DebugString();
  }
  absl::StatusOr<std::optional<UserRecord>> stored =
      store_->FindUserByEmail("new@example.com");
  ASSERT_TRUE(stored.ok());
  EXPECT_FALSE(stored->has_value());
}

TEST_F(IdentityServiceTest, CreateOrganizationRejectsInvalidInput) {
  struct Case {
    std::string description;
    std::function<void(v1::CreateOrganizationRequest&)> change;
    std::string field;
  };
  const std::vector<Case> cases = {
      {"invalid email",
       [](auto& request) { request.set_admin_email("not-an-address"); },
       "admin_email"},
      {"missing email", [](auto& request) { request.set_admin_email(""); },
       "admin_email"},
      {"short password",
       [](auto& request) { request.set_admin_password("short"); },
       "admin_password"},
      {"empty display name",
       [](auto& request) {
         request.mutable_organization()->set_display_name("   ");
       },
       "organization.display_name"},
      {"over-long display name",
       [](auto& request) {
         request.mutable_organization()->set_display_name(
             std::string(201, 'x'));
       },
       "organization.display_name"},
      {"invalid UTF-8 display name",
       [](auto& request) {
         request.mutable_organization()->set_display_name("Acme \xc3\x28");
       },
       "organization.display_name"},
      {"empty admin display name",
       [](auto& request) { request.set_admin_display_name(""); },
       "admin_display_name"},
      {"invalid UTF-8 admin display name",
       [](auto& request) { request.set_admin_display_name("\xff"); },
       "admin_display_name"},
      {"non-printable request id",
       [](auto& request) { request.set_request_id("a b"); }, "request_id"},
  };

  for (const Case& test_case : cases) {
    v1::CreateOrganizationRequest request =
        OrganizationRequest("new@example.com");
    test_case.change(request);

    absl::StatusOr<v1::Organization> created =
        service_->CreateOrganization(OperatorPrincipal(), request);

    EXPECT_EQ(created.status().code(), absl::StatusCode::kInvalidArgument)
        << test_case.description;
    EXPECT_THAT(created.status().message(), HasSubstr(test_case.field))
        << test_case.description;
    EXPECT_EQ(BadRequestField(created.status()), test_case.field)
        << test_case.description;
  }
  absl::StatusOr<std::optional<UserRecord>> stored =
      store_->FindUserByEmail("new@example.com");
  ASSERT_TRUE(stored.ok());
  EXPECT_FALSE(stored->has_value());
}

TEST_F(IdentityServiceTest, CreateOrganizationAcceptsLongestDisplayName) {
  v1::CreateOrganizationRequest request =
      OrganizationRequest("new@example.com");
  // 200 characters of two bytes each: the limit counts characters.
  std::string name;
  for (int i = 0; i < 200; ++i) {
    name += "\xc3\xa9";
  }
  request.mutable_organization()->set_display_name(name);

  absl::StatusOr<v1::Organization> created =
      service_->CreateOrganization(OperatorPrincipal(), request);

  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_EQ(created->display_name(), name);
}

TEST_F(IdentityServiceTest, CreateOrganizationReplaysRequestId) {
  v1::CreateOrganizationRequest request =
      OrganizationRequest("new@example.com");
  request.set_request_id("org-1");

  absl::StatusOr<v1::Organization> first =
      service_->CreateOrganization(OperatorPrincipal(), request);
  absl::StatusOr<v1::Organization> second =
      service_->CreateOrganization(OperatorPrincipal(), request);

  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->name(), first->name());
  EXPECT_EQ(second->create_time().seconds(), first->create_time().seconds());
}

TEST_F(IdentityServiceTest, CreateOrganizationRejectsDuplicateAdminEmail) {
  absl::StatusOr<v1::Organization> created = service_->CreateOrganization(
      OperatorPrincipal(), OrganizationRequest("  ADA@example.com "));

  EXPECT_EQ(created.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(created.status().message(),
            "a user with email \"ada@example.com\" already exists");
}

TEST_F(IdentityServiceTest, GetOrganizationReturnsOwnOrganization) {
  v1::GetOrganizationRequest request;
  request.set_name(organization_.name());

  absl::StatusOr<v1::Organization> organization =
      service_->GetOrganization(admin_, request);

  ASSERT_TRUE(organization.ok()) << organization.status();
  EXPECT_EQ(organization->display_name(), "Acme");
}

TEST_F(IdentityServiceTest, GetOrganizationRejectsOtherOrganization) {
  absl::StatusOr<v1::Organization> other = service_->CreateOrganization(
      OperatorPrincipal(), OrganizationRequest("bob@example.com"));
  ASSERT_TRUE(other.ok()) << other.status();
  v1::GetOrganizationRequest existing;
  existing.set_name(other->name());
  v1::GetOrganizationRequest missing;
  missing.set_name("organizations/doesnotexist");

  absl::StatusOr<v1::Organization> existing_result =
      service_->GetOrganization(admin_, existing);
  absl::StatusOr<v1::Organization> missing_result =
      service_->GetOrganization(admin_, missing);

  EXPECT_EQ(existing_result.status().code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(missing_result.status().code(),
            absl::StatusCode::kPermissionDenied);
}

TEST_F(IdentityServiceTest, CreateUserReturnsUser) {
  absl::StatusOr<v1::User> user =
      CreateUser("dev@example.com", v1::ROLE_DEVELOPER);

  ASSERT_TRUE(user.ok()) << user.status();
  EXPECT_THAT(user->name(), StartsWith(organization_.name() + "/users/"));
  EXPECT_EQ(user->email(), "dev@example.com");
  EXPECT_EQ(user->role(), v1::ROLE_DEVELOPER);
  EXPECT_EQ(user->etag(), "1");
  EXPECT_EQ(*store_->CountOutbox(), 2);
}

TEST_F(IdentityServiceTest, CreateUserRejectsDuplicateEmail) {
  ASSERT_TRUE(CreateUser("dev@example.com", v1::ROLE_DEVELOPER).ok());
  const int users_before = CountUsers();
  const int64_t outbox_before = *store_->CountOutbox();

  absl::StatusOr<v1::User> duplicate =
      CreateUser("  Dev@EXAMPLE.com ", v1::ROLE_ACCOUNTANT);

  EXPECT_EQ(duplicate.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(duplicate.status().message(),
            "a user with email \"dev@example.com\" already exists");
  EXPECT_EQ(CountUsers(), users_before);
  EXPECT_EQ(*store_->CountOutbox(), outbox_before);
}

TEST_F(IdentityServiceTest, CreateUserRejectsEmailOfOtherOrganization) {
  ASSERT_TRUE(service_
                  ->CreateOrganization(OperatorPrincipal(),
                                       OrganizationRequest("bob@example.com"))
                  .ok());

  absl::StatusOr<v1::User> duplicate =
      CreateUser("BOB@example.com", v1::ROLE_DEVELOPER);

  EXPECT_EQ(duplicate.status().code(), absl::StatusCode::kAlreadyExists);
}

TEST_F(IdentityServiceTest, CreateUserRejectsMissingRole) {
  absl::StatusOr<v1::User> user =
      CreateUser("dev@example.com", v1::ROLE_UNSPECIFIED);

  EXPECT_EQ(user.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(user.status().message(),
            "user.role must be one of ROLE_ADMIN, ROLE_ADMIN_READ_ONLY, "
            "ROLE_DEVELOPER, ROLE_ACCOUNTANT, got ROLE_UNSPECIFIED");
  EXPECT_EQ(BadRequestField(user.status()), "user.role");
}

TEST_F(IdentityServiceTest, CreateUserRejectsUnknownRole) {
  absl::StatusOr<v1::User> user =
      CreateUser("dev@example.com", static_cast<v1::Role>(9));

  EXPECT_EQ(user.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(user.status().message(), HasSubstr("got 9"));
}

TEST_F(IdentityServiceTest, CreateUserRejectsInvalidFields) {
  struct Case {
    std::string description;
    std::function<void(v1::CreateUserRequest&)> change;
    std::string field;
  };
  const std::vector<Case> cases = {
      {"invalid email",
       [](auto& request) { request.mutable_user()->set_email("dev@"); },
       "user.email"},
      {"short password", [](auto& request) { request.set_password("12345"); },
       "password"},
      {"empty display name",
       [](auto& request) { request.mutable_user()->set_display_name(""); },
       "user.display_name"},
      {"over-long display name",
       [](auto& request) {
         request.mutable_user()->set_display_name(std::string(300, 'y'));
       },
       "user.display_name"},
      {"invalid UTF-8 display name",
       [](auto& request) {
         request.mutable_user()->set_display_name("Dev \xed\xa0\x80");
       },
       "user.display_name"},
      {"malformed parent", [](auto& request) { request.set_parent("orgs/x"); },
       "parent"},
  };

  for (const Case& test_case : cases) {
    v1::CreateUserRequest request;
    request.set_parent(organization_.name());
    request.mutable_user()->set_email("dev@example.com");
    request.mutable_user()->set_display_name("Dev");
    request.mutable_user()->set_role(v1::ROLE_DEVELOPER);
    request.set_password(kPassword);
    test_case.change(request);

    absl::StatusOr<v1::User> user = service_->CreateUser(admin_, request);

    EXPECT_EQ(user.status().code(), absl::StatusCode::kInvalidArgument)
        << test_case.description;
    EXPECT_THAT(user.status().message(), HasSubstr(test_case.field))
        << test_case.description;
    EXPECT_EQ(BadRequestField(user.status()), test_case.field)
        << test_case.description;
  }
  EXPECT_EQ(CountUsers(), 1);
}

TEST_F(IdentityServiceTest, CreateUserReplaysRequestId) {
  absl::StatusOr<v1::User> first =
      CreateUser("dev@example.com", v1::ROLE_DEVELOPER, "req-1");
  absl::StatusOr<v1::User> second =
      CreateUser("dev@example.com", v1::ROLE_DEVELOPER, "req-1");

  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->name(), first->name());
  EXPECT_EQ(CountUsers(), 2);
}

TEST_F(IdentityServiceTest, CreateUserRejectsOtherOrganization) {
  absl::StatusOr<v1::Organization> other = service_->CreateOrganization(
      OperatorPrincipal(), OrganizationRequest("bob@example.com"));
  ASSERT_TRUE(other.ok()) << other.status();
  v1::CreateUserRequest request;
  request.set_parent(other->name());
  request.mutable_user()->set_email("dev@example.com");
  request.mutable_user()->set_display_name("Dev");
  request.mutable_user()->set_role(v1::ROLE_DEVELOPER);
  request.set_password(kPassword);

  absl::StatusOr<v1::User> user = service_->CreateUser(admin_, request);

  EXPECT_EQ(user.status().code(), absl::StatusCode::kPermissionDenied);
}

TEST_F(IdentityServiceTest, GetUserRejectsOtherOrganization) {
  absl::StatusOr<v1::Organization> other = service_->CreateOrganization(
      OperatorPrincipal(), OrganizationRequest("bob@example.com"));
  ASSERT_TRUE(other.ok()) << other.status();
  absl::StatusOr<std::optional<UserRecord>> bob =
      store_->FindUserByEmail("bob@example.com");
  ASSERT_TRUE(bob.ok()) << bob.status();
  ASSERT_TRUE(bob->has_value());
  v1::GetUserRequest existing;
  existing.set_name(absl::StrCat(other->name(), "/users/", (*bob)->id));
  v1::GetUserRequest missing;
  missing.set_name(absl::StrCat(other->name(), "/users/nobody"));

  absl::StatusOr<v1::User> existing_result =
      service_->GetUser(admin_, existing);
  absl::StatusOr<v1::User> missing_result = service_->GetUser(admin_, missing);

  EXPECT_EQ(existing_result.status().code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(missing_result.status().code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(existing_result.status().message(),
            missing_result.status().message());
}

TEST_F(IdentityServiceTest, GetUserReturnsNotFoundInOwnOrganization) {
  v1::GetUserRequest request;
  request.set_name(absl::StrCat(organization_.name(), "/users/nobody"));

  absl::StatusOr<v1::User> user = service_->GetUser(admin_, request);

  EXPECT_EQ(user.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(user.status().message(),
            absl::StrCat("user \"", organization_.name(),
                         "/users/nobody\" not found"));
}

TEST_F(IdentityServiceTest, ListUsersReturnsEachUserOnce) {
  for (int i = 0; i < 7; ++i) {
    ASSERT_TRUE(
        CreateUser(absl::StrCat("dev", i, "@example.com"), v1::ROLE_DEVELOPER)
            .ok());
  }

  std::vector<std::string> names;
  std::string token;
  int pages = 0;
  do {
    absl::StatusOr<v1::ListUsersResponse> page =
        ListUsers(3, token, v1::ROLE_UNSPECIFIED);
    ASSERT_TRUE(page.ok()) << page.status();
    EXPECT_LE(page->users_size(), 3);
    for (const v1::User& user : page->users()) {
      names.push_back(user.name());
    }
    token = page->next_page_token();
    ++pages;
  } while (!token.empty() && pages < 10);

  EXPECT_EQ(pages, 3);
  EXPECT_EQ(names.size(), 8u);
  EXPECT_EQ(std::set<std::string>(names.begin(), names.end()).size(), 8u);
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
}

TEST_F(IdentityServiceTest, ListUsersFiltersByRole) {
  ASSERT_TRUE(CreateUser("dev@example.com", v1::ROLE_DEVELOPER).ok());
  ASSERT_TRUE(CreateUser("cash@example.com", v1::ROLE_ACCOUNTANT).ok());

  absl::StatusOr<v1::ListUsersResponse> accountants =
      ListUsers(0, "", v1::ROLE_ACCOUNTANT);

  ASSERT_TRUE(accountants.ok()) << accountants.status();
  ASSERT_EQ(accountants->users_size(), 1);
  EXPECT_EQ(accountants->users(0).email(), "cash@example.com");
  EXPECT_TRUE(accountants->next_page_token().empty());
}

TEST_F(IdentityServiceTest, ListUsersRejectsTokenOfOtherRoleFilter) {
  ASSERT_TRUE(CreateUser("dev1@example.com", v1::ROLE_DEVELOPER).ok());
  ASSERT_TRUE(CreateUser("dev2@example.com", v1::ROLE_DEVELOPER).ok());
  absl::StatusOr<v1::ListUsersResponse> first =
      ListUsers(1, "", v1::ROLE_DEVELOPER);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_FALSE(first->next_page_token().empty());

  absl::StatusOr<v1::ListUsersResponse> reused =
      ListUsers(1, first->next_page_token(), v1::ROLE_ADMIN);

  EXPECT_EQ(reused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(BadRequestField(reused.status()), "page_token");
}

TEST_F(IdentityServiceTest, ListUsersRejectsTokenOfOtherCaller) {
  absl::StatusOr<v1::User> reader =
      CreateUser("reader@example.com", v1::ROLE_ADMIN_READ_ONLY);
  ASSERT_TRUE(reader.ok()) << reader.status();
  absl::StatusOr<v1::ListUsersResponse> first =
      ListUsers(1, "", v1::ROLE_UNSPECIFIED);
  ASSERT_TRUE(first.ok()) << first.status();
  v1::ListUsersRequest request;
  request.set_parent(organization_.name());
  request.set_page_size(1);
  request.set_page_token(first->next_page_token());

  absl::StatusOr<v1::ListUsersResponse> reused =
      service_->ListUsers(UserPrincipal(organization_.name(), reader->name(),
                                        v1::ROLE_ADMIN_READ_ONLY),
                          request);

  EXPECT_EQ(reused.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(IdentityServiceTest, ListUsersRejectsGarbageToken) {
  absl::StatusOr<v1::ListUsersResponse> page =
      ListUsers(1, "not-a-token", v1::ROLE_UNSPECIFIED);

  EXPECT_EQ(page.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(IdentityServiceTest, ListUsersRejectsNegativePageSize) {
  absl::StatusOr<v1::ListUsersResponse> page =
      ListUsers(-1, "", v1::ROLE_UNSPECIFIED);

  EXPECT_EQ(page.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(BadRequestField(page.status()), "page_size");
}

TEST_F(IdentityServiceTest, ListUsersRejectsOtherOrganization) {
  v1::ListUsersRequest request;
  request.set_parent("organizations/elsewhere");

  absl::StatusOr<v1::ListUsersResponse> page =
      service_->ListUsers(admin_, request);

  EXPECT_EQ(page.status().code(), absl::StatusCode::kPermissionDenied);
}

TEST_F(IdentityServiceTest, LoginReturnsAccessToken) {
  absl::StatusOr<v1::LoginResponse> login =
      Login("  ADA@Example.com", kPassword);

  ASSERT_TRUE(login.ok()) << login.status();
  EXPECT_THAT(login->access_token(), StartsWith("ioa_"));
  EXPECT_EQ(login->user().name(), admin_name_);
  const int64_t lifetime_seconds =
      login->expire_time().seconds() - organization_.create_time().seconds();
  EXPECT_GE(lifetime_seconds, 12 * 3600 - 60);
  EXPECT_LE(lifetime_seconds, 12 * 3600 + 60);
}

TEST_F(IdentityServiceTest, LoginFailuresLookIdentical) {
  absl::StatusOr<v1::LoginResponse> wrong_password =
      Login("ada@example.com", "wrong password here");
  absl::StatusOr<v1::LoginResponse> unknown_email =
      Login("nobody@example.com", kPassword);
  absl::StatusOr<v1::LoginResponse> malformed_email =
      Login("nobody", kPassword);

  EXPECT_EQ(wrong_password.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(wrong_password.status().message(), "invalid email or password");
  EXPECT_EQ(unknown_email.status(), wrong_password.status());
  EXPECT_EQ(malformed_email.status(), wrong_password.status());
}

TEST_F(IdentityServiceTest, LoginRehashesOutdatedHash) {
  crypto::PasswordCost stronger = FastPasswordCost();
  stronger.passes = 2;
  service_ = NewService(stronger, absl::Hours(1));
  ASSERT_NE(service_, nullptr);

  ASSERT_TRUE(Login("ada@example.com", kPassword).ok());

  absl::StatusOr<std::optional<UserRecord>> admin =
      store_->FindUserByEmail("ada@example.com");
  ASSERT_TRUE(admin.ok()) << admin.status();
  ASSERT_TRUE(admin->has_value());
  EXPECT_FALSE(crypto::PasswordNeedsRehash((*admin)->password_hash, stronger));
  EXPECT_TRUE(crypto::VerifyPassword((*admin)->password_hash, kPassword));
  EXPECT_TRUE(Login("ada@example.com", kPassword).ok());
}

TEST_F(IdentityServiceTest, IntrospectTokenReturnsPrincipal) {
  absl::StatusOr<v1::LoginResponse> login = Login("ada@example.com", kPassword);
  ASSERT_TRUE(login.ok()) << login.status();

  absl::StatusOr<v1::IntrospectTokenResponse> introspected =
      Introspect(login->access_token());

  ASSERT_TRUE(introspected.ok()) << introspected.status();
  const Principal& principal = introspected->principal();
  EXPECT_EQ(principal.kind(), Principal::KIND_USER_ACCESS_TOKEN);
  EXPECT_EQ(principal.organization(), organization_.name());
  EXPECT_EQ(principal.user(), admin_name_);
  EXPECT_EQ(principal.role(), v1::ROLE_ADMIN);
  EXPECT_FALSE(principal.token_id().empty());
  EXPECT_EQ(introspected->expire_time().seconds(),
            login->expire_time().seconds());
}

TEST_F(IdentityServiceTest, IntrospectTokenRejectsGarbage) {
  absl::StatusOr<v1::IntrospectTokenResponse> introspected =
      Introspect("ioa_garbage");

  EXPECT_EQ(introspected.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(introspected.status().message(), "invalid or expired token");
}

TEST_F(IdentityServiceTest, IntrospectTokenRejectsExpiredToken) {
  // A zero lifetime makes the token expire at the moment it is issued.
  service_ = NewService(FastPasswordCost(), absl::ZeroDuration());
  ASSERT_NE(service_, nullptr);
  absl::StatusOr<v1::LoginResponse> login = Login("ada@example.com", kPassword);
  ASSERT_TRUE(login.ok()) << login.status();

  absl::StatusOr<v1::IntrospectTokenResponse> introspected =
      Introspect(login->access_token());

  EXPECT_EQ(introspected.status().code(), absl::StatusCode::kUnauthenticated);
}

TEST_F(IdentityServiceTest, LookupUserReturnsUserToService) {
  v1::LookupUserRequest request;
  request.set_name(admin_name_);
  v1::LookupUserRequest missing;
  missing.set_name(absl::StrCat(organization_.name(), "/users/nobody"));

  absl::StatusOr<v1::User> user =
      service_->LookupUser(ServicePrincipal(), request);
  absl::StatusOr<v1::User> missing_user =
      service_->LookupUser(ServicePrincipal(), missing);

  ASSERT_TRUE(user.ok()) << user.status();
  EXPECT_EQ(user->email(), "ada@example.com");
  EXPECT_EQ(missing_user.status().code(), absl::StatusCode::kNotFound);
}

TEST_F(IdentityServiceTest, DataSurvivesReopen) {
  ASSERT_TRUE(CreateUser("dev@example.com", v1::ROLE_DEVELOPER).ok());
  service_.reset();
  store_.reset();
  absl::StatusOr<std::unique_ptr<IdentityStore>> store =
      IdentityStore::Open(directory_.File(kDatabaseFileName));
  ASSERT_TRUE(store.ok()) << store.status();
  store_ = *std::move(store);
  service_ = NewService(FastPasswordCost(), absl::Hours(1));
  ASSERT_NE(service_, nullptr);

  EXPECT_EQ(CountUsers(), 2);
  EXPECT_TRUE(Login("dev@example.com", kPassword).ok());
}

// Fixture helpers for the user-management, token and audit tests below.
class UserAdministrationTest : public IdentityServiceTest {
 protected:
  void SetUp() override {
    IdentityServiceTest::SetUp();
    if (HasFatalFailure()) {
      return;
    }
    absl::StatusOr<v1::User> developer =
        CreateUser("dev@example.com", v1::ROLE_DEVELOPER);
    ASSERT_TRUE(developer.ok()) << developer.status();
    developer_ = *developer;
    developer_principal_ = UserPrincipal(
        organization_.name(), developer_.name(), v1::ROLE_DEVELOPER);
  }

  std::unique_ptr<IdentityService> NewThrottledService(
      int max_failures, absl::Duration lockout) {
    IdentityServiceOptions options;
    options.password_cost = FastPasswordCost();
    options.page_token_key = std::string(32, 'k');
    options.login_max_failures = max_failures;
    options.login_lockout = lockout;
    absl::StatusOr<std::unique_ptr<IdentityService>> service =
        IdentityService::Create(store_.get(), std::move(options));
    EXPECT_TRUE(service.ok()) << service.status();
    return service.ok() ? *std::move(service) : nullptr;
  }

  // Logs `email` in and returns the token and the principal the gateway
  // would resolve it to; the token is empty after a failed check.
  std::pair<std::string, Principal> LoginPrincipal(absl::string_view email,
                                                   absl::string_view password) {
    absl::StatusOr<v1::LoginResponse> login = Login(email, password);
    EXPECT_TRUE(login.ok()) << login.status();
    if (!login.ok()) {
      return {"", Principal()};
    }
    absl::StatusOr<v1::IntrospectTokenResponse> introspected =
        Introspect(login->access_token());
    EXPECT_TRUE(introspected.ok()) << introspected.status();
    if (!introspected.ok()) {
      return {"", Principal()};
    }
    return {login->access_token(), introspected->principal()};
  }

  absl::StatusOr<v1::User> GetUser(absl::string_view name) {
    v1::GetUserRequest request;
    request.set_name(std::string(name));
    return service_->GetUser(admin_, request);
  }

  absl::StatusOr<v1::User> UpdateUser(const Principal& caller,
                                      const v1::User& user,
                                      const std::vector<std::string>& paths) {
    v1::UpdateUserRequest request;
    *request.mutable_user() = user;
    for (const std::string& path : paths) {
      request.mutable_update_mask()->add_paths(path);
    }
    return service_->UpdateUser(caller, request);
  }

  absl::StatusOr<v1::User> SetRole(const Principal& caller,
                                   absl::string_view name, v1::Role role,
                                   absl::string_view etag = "") {
    v1::SetUserRoleRequest request;
    request.set_name(std::string(name));
    request.set_role(role);
    request.set_etag(std::string(etag));
    return service_->SetUserRole(caller, request);
  }

  absl::Status DeleteUser(absl::string_view name,
                          absl::string_view etag = "") {
    v1::DeleteUserRequest request;
    request.set_name(std::string(name));
    request.set_etag(std::string(etag));
    return service_->DeleteUser(admin_, request).status();
  }

  absl::StatusOr<v1::ApiToken> CreateApiToken(
      const Principal& caller, absl::string_view display_name,
      absl::string_view request_id = "") {
    v1::CreateApiTokenRequest request;
    request.set_parent(caller.user());
    request.mutable_api_token()->set_display_name(std::string(display_name));
    request.set_request_id(std::string(request_id));
    return service_->CreateApiToken(caller, request);
  }

  absl::StatusOr<v1::ListApiTokensResponse> ListApiTokens(
      const Principal& caller, absl::string_view parent, int page_size = 0,
      absl::string_view page_token = "") {
    v1::ListApiTokensRequest request;
    request.set_parent(std::string(parent));
    request.set_page_size(page_size);
    request.set_page_token(std::string(page_token));
    return service_->ListApiTokens(caller, request);
  }

  absl::StatusOr<v1::ApiToken> RevokeApiToken(const Principal& caller,
                                              absl::string_view name) {
    v1::RevokeApiTokenRequest request;
    request.set_name(std::string(name));
    return service_->RevokeApiToken(caller, request);
  }

  absl::StatusOr<v1::User> ChangePassword(const Principal& caller,
                                          absl::string_view current,
                                          absl::string_view next) {
    v1::ChangePasswordRequest request;
    request.set_current_password(std::string(current));
    request.set_new_password(std::string(next));
    return service_->ChangePassword(caller, request);
  }

  // Returns every audit event of the organization, newest first, page by
  // page, or an empty list after a failed check.
  std::vector<audit::v1::AuditEvent> AllAuditEvents(
      absl::string_view actor = "", absl::string_view resource = "") {
    std::vector<audit::v1::AuditEvent> events;
    std::string token;
    for (int page = 0; page < 100; ++page) {
      v1::ListAuditEventsRequest request;
      request.set_parent(organization_.name());
      request.set_page_size(3);
      request.set_page_token(token);
      request.set_actor(std::string(actor));
      request.set_resource(std::string(resource));
      absl::StatusOr<v1::ListAuditEventsResponse> response =
          service_->ListAuditEvents(admin_, request);
      EXPECT_TRUE(response.ok()) << response.status();
      if (!response.ok()) {
        return {};
      }
      events.insert(events.end(), response->audit_events().begin(),
                    response->audit_events().end());
      token = response->next_page_token();
      if (token.empty()) {
        break;
      }
    }
    return events;
  }

  std::string LastOutboxType() {
    absl::StatusOr<std::vector<std::string>> types = store_->ListOutboxTypes();
    EXPECT_TRUE(types.ok()) << types.status();
    return types.ok() && !types->empty() ? types->back() : "";
  }

  int CountAdmins() {
    absl::StatusOr<v1::ListUsersResponse> admins =
        ListUsers(1000, "", v1::ROLE_ADMIN);
    EXPECT_TRUE(admins.ok()) << admins.status();
    return admins.ok() ? admins->users_size() : -1;
  }

  v1::User developer_;
  Principal developer_principal_;
};

// Returns the retry delay of the RetryInfo payload of `status`, or a
// negative duration when there is none.
absl::Duration RetryDelay(const absl::Status& status) {
  const auto payload = status.GetPayload(errors::kRetryInfoTypeUrl);
  google::rpc::RetryInfo retry_info;
  if (!payload.has_value() ||
      !retry_info.ParseFromString(std::string(*payload))) {
    return absl::Seconds(-1);
  }
  return absl::Seconds(retry_info.retry_delay().seconds()) +
         absl::Nanoseconds(retry_info.retry_delay().nanos());
}

constexpr char kNewPassword[] = "a new password for tests";

TEST_F(UserAdministrationTest, UpdateUserChangesDisplayNameAndEmail) {
  v1::User changes;
  changes.set_name(developer_.name());
  changes.set_display_name("  Devon  ");
  changes.set_email("Devon@Example.com");
  changes.set_etag("1");

  absl::StatusOr<v1::User> updated =
      UpdateUser(admin_, changes, {"display_name", "email"});

  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(updated->display_name(), "Devon");
  EXPECT_EQ(updated->email(), "devon@example.com");
  EXPECT_EQ(updated->etag(), "2");
  EXPECT_EQ(GetUser(developer_.name())->email(), "devon@example.com");
  EXPECT_EQ(LastOutboxType(), kUserUpdatedEvent);
  EXPECT_EQ(AllAuditEvents().front().action(), "UpdateUser");
  EXPECT_TRUE(Login("devon@example.com", kPassword).ok());
}

TEST_F(UserAdministrationTest, UpdateUserRejectsStaleEtag) {
  v1::User changes;
  changes.set_name(developer_.name());
  changes.set_display_name("Devon");
  changes.set_etag("7");

  absl::StatusOr<v1::User> updated =
      UpdateUser(admin_, changes, {"display_name"});

  EXPECT_EQ(updated.status().code(), absl::StatusCode::kAborted);
  absl::StatusOr<v1::User> stored = GetUser(developer_.name());
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_EQ(stored->display_name(), "Dev");
  EXPECT_EQ(stored->etag(), "1");
}

TEST_F(UserAdministrationTest, UpdateUserRejectsBadMask) {
  v1::User changes;
  changes.set_name(developer_.name());
  changes.set_role(v1::ROLE_ADMIN);

  absl::StatusOr<v1::User> role_path = UpdateUser(admin_, changes, {"role"});
  absl::StatusOr<v1::User> empty_mask = UpdateUser(admin_, changes, {});

  EXPECT_EQ(role_path.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(BadRequestField(role_path.status()), "update_mask");
  EXPECT_THAT(role_path.status().message(), HasSubstr("\"role\""));
  EXPECT_THAT(role_path.status().message(),
              HasSubstr("allowed paths: display_name, email"));
  EXPECT_EQ(empty_mask.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(empty_mask.status().message(),
            "update_mask is required; allowed paths: display_name, email");
  EXPECT_EQ(GetUser(developer_.name())->role(), v1::ROLE_DEVELOPER);
}

TEST_F(UserAdministrationTest, UpdateUserLetsUserRenameThemselves) {
  v1::User changes;
  changes.set_name(developer_.name());
  changes.set_display_name("Devon");

  absl::StatusOr<v1::User> updated =
      UpdateUser(developer_principal_, changes, {"display_name"});

  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(updated->display_name(), "Devon");
}

TEST_F(UserAdministrationTest, UpdateUserRejectsSelfEmailChange) {
  v1::User changes;
  changes.set_name(developer_.name());
  changes.set_email("devon@example.com");

  absl::StatusOr<v1::User> updated =
      UpdateUser(developer_principal_, changes, {"email"});

  EXPECT_EQ(updated.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(GetUser(developer_.name())->email(), "dev@example.com");
}

TEST_F(UserAdministrationTest, UpdateUserRejectsOtherUserForNonAdmin) {
  v1::User changes;
  changes.set_name(admin_name_);
  changes.set_display_name("Mallory");

  absl::StatusOr<v1::User> updated =
      UpdateUser(developer_principal_, changes, {"display_name"});

  EXPECT_EQ(updated.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(GetUser(admin_name_)->display_name(), "Ada Admin");
}

TEST_F(UserAdministrationTest, UpdateUserRejectsTakenEmail) {
  v1::User changes;
  changes.set_name(developer_.name());
  changes.set_email("ADA@example.com");

  absl::StatusOr<v1::User> updated = UpdateUser(admin_, changes, {"email"});

  EXPECT_EQ(updated.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(GetUser(developer_.name())->etag(), "1");
}

TEST_F(UserAdministrationTest, SetUserRoleAppliesToNextIntrospection) {
  const auto [token, principal] = LoginPrincipal("dev@example.com", kPassword);
  ASSERT_EQ(principal.role(), v1::ROLE_DEVELOPER);

  absl::StatusOr<v1::User> changed =
      SetRole(admin_, developer_.name(), v1::ROLE_ACCOUNTANT, "1");

  ASSERT_TRUE(changed.ok()) << changed.status();
  EXPECT_EQ(changed->role(), v1::ROLE_ACCOUNTANT);
  EXPECT_EQ(changed->etag(), "2");
  EXPECT_EQ(LastOutboxType(), kUserRoleChangedEvent);
  absl::StatusOr<v1::IntrospectTokenResponse> introspected = Introspect(token);
  ASSERT_TRUE(introspected.ok()) << introspected.status();
  EXPECT_EQ(introspected->principal().role(), v1::ROLE_ACCOUNTANT);
}

TEST_F(UserAdministrationTest, SetUserRoleWithSameRoleChangesNothing) {
  const size_t events_before = AllAuditEvents().size();

  absl::StatusOr<v1::User> unchanged =
      SetRole(admin_, developer_.name(), v1::ROLE_DEVELOPER);

  ASSERT_TRUE(unchanged.ok()) << unchanged.status();
  EXPECT_EQ(unchanged->etag(), "1");
  EXPECT_EQ(AllAuditEvents().size(), events_before);
}

TEST_F(UserAdministrationTest, SetUserRoleRejectsDemotingLastAdmin) {
  absl::StatusOr<v1::User> demoted =
      SetRole(admin_, admin_name_, v1::ROLE_DEVELOPER);

  EXPECT_EQ(demoted.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(demoted.status().message(),
            absl::StrCat(admin_name_, " is the last ROLE_ADMIN of ",
                         organization_.name(),
                         "; make another user ROLE_ADMIN first"));
  EXPECT_EQ(GetUser(admin_name_)->role(), v1::ROLE_ADMIN);
}

TEST_F(UserAdministrationTest, SetUserRoleRejectsMissingRole) {
  absl::StatusOr<v1::User> changed =
      SetRole(admin_, developer_.name(), v1::ROLE_UNSPECIFIED);

  EXPECT_EQ(changed.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(BadRequestField(changed.status()), "role");
  EXPECT_THAT(changed.status().message(),
              HasSubstr("ROLE_ADMIN, ROLE_ADMIN_READ_ONLY, ROLE_DEVELOPER, "
                        "ROLE_ACCOUNTANT"));
}

TEST_F(UserAdministrationTest, SetUserRoleRejectsStaleEtag) {
  absl::StatusOr<v1::User> changed =
      SetRole(admin_, developer_.name(), v1::ROLE_ACCOUNTANT, "2");

  EXPECT_EQ(changed.status().code(), absl::StatusCode::kAborted);
  EXPECT_EQ(GetUser(developer_.name())->role(), v1::ROLE_DEVELOPER);
}

TEST_F(UserAdministrationTest, SetUserRoleRejectsNonAdmin) {
  absl::StatusOr<v1::User> changed =
      SetRole(developer_principal_, developer_.name(), v1::ROLE_ADMIN);

  EXPECT_EQ(changed.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(GetUser(developer_.name())->role(), v1::ROLE_DEVELOPER);
}

TEST_F(UserAdministrationTest, ConcurrentCrossDemotionsKeepOneAdmin) {
  absl::StatusOr<v1::User> second =
      CreateUser("bea@example.com", v1::ROLE_ADMIN);
  ASSERT_TRUE(second.ok()) << second.status();
  const Principal second_principal =
      UserPrincipal(organization_.name(), second->name(), v1::ROLE_ADMIN);

  for (int round = 0; round < 20; ++round) {
    absl::Status first_demotion;
    absl::Status second_demotion;
    std::thread first_thread([&] {
      first_demotion =
          SetRole(second_principal, admin_name_, v1::ROLE_DEVELOPER).status();
    });
    std::thread second_thread([&] {
      second_demotion =
          SetRole(admin_, second->name(), v1::ROLE_DEVELOPER).status();
    });
    first_thread.join();
    second_thread.join();

    EXPECT_EQ(CountAdmins(), 1) << "round " << round;
    EXPECT_NE(first_demotion.ok(), second_demotion.ok()) << "round " << round;
    const absl::Status& failed =
        first_demotion.ok() ? second_demotion : first_demotion;
    EXPECT_EQ(failed.code(), absl::StatusCode::kFailedPrecondition)
        << "round " << round << ": " << failed;

    // Promotes the demoted Admin again for the next round.
    const std::string demoted =
        first_demotion.ok() ? admin_name_ : second->name();
    ASSERT_TRUE(SetRole(OperatorPrincipal(), demoted, v1::ROLE_ADMIN).ok());
  }
}

TEST_F(UserAdministrationTest, DeleteUserRemovesUserAndTokens) {
  const auto [token, principal] = LoginPrincipal("dev@example.com", kPassword);
  absl::StatusOr<v1::ApiToken> api_token = CreateApiToken(principal, "ci");
  ASSERT_TRUE(api_token.ok()) << api_token.status();

  const absl::Status deleted = DeleteUser(developer_.name(), "1");

  ASSERT_TRUE(deleted.ok()) << deleted;
  EXPECT_EQ(GetUser(developer_.name()).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(Introspect(token).status().code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(Introspect(api_token->secret()).status().code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(LastOutboxType(), kUserDeletedEvent);
  EXPECT_EQ(AllAuditEvents().front().action(), "DeleteUser");
}

TEST_F(UserAdministrationTest, DeleteUserFreesEmail) {
  ASSERT_TRUE(DeleteUser(developer_.name()).ok());

  absl::StatusOr<v1::User> again =
      CreateUser("dev@example.com", v1::ROLE_ACCOUNTANT);

  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_NE(again->name(), developer_.name());
}

TEST_F(UserAdministrationTest, DeleteUserRejectsLastAdmin) {
  const absl::Status deleted = DeleteUser(admin_name_);

  EXPECT_EQ(deleted.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(deleted.message(), HasSubstr("is the last ROLE_ADMIN of"));
  EXPECT_TRUE(GetUser(admin_name_).ok());
}

TEST_F(UserAdministrationTest, DeleteUserRejectsStaleEtag) {
  const absl::Status deleted = DeleteUser(developer_.name(), "3");

  EXPECT_EQ(deleted.code(), absl::StatusCode::kAborted);
  EXPECT_TRUE(GetUser(developer_.name()).ok());
}

TEST_F(UserAdministrationTest, DeleteUserRejectsNonAdmin) {
  v1::DeleteUserRequest request;
  request.set_name(developer_.name());

  absl::StatusOr<v1::DeleteUserResponse> deleted =
      service_->DeleteUser(developer_principal_, request);

  EXPECT_EQ(deleted.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_TRUE(GetUser(developer_.name()).ok());
}

TEST_F(UserAdministrationTest, ResetUserPasswordRevokesAllTokens) {
  const auto [token, principal] = LoginPrincipal("dev@example.com", kPassword);
  absl::StatusOr<v1::ApiToken> api_token = CreateApiToken(principal, "ci");
  ASSERT_TRUE(api_token.ok()) << api_token.status();
  v1::ResetUserPasswordRequest request;
  request.set_name(developer_.name());
  request.set_new_password(kNewPassword);

  absl::StatusOr<v1::User> reset = service_->ResetUserPassword(admin_, request);

  ASSERT_TRUE(reset.ok()) << reset.status();
  EXPECT_EQ(reset->name(), developer_.name());
  EXPECT_EQ(Introspect(token).status().code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(Introspect(api_token->secret()).status().code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(Login("dev@example.com", kPassword).status().code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_TRUE(Login("dev@example.com", kNewPassword).ok());
  EXPECT_EQ(AllAuditEvents(admin_name_).front().action(),
            "ResetUserPassword");
}

TEST_F(UserAdministrationTest, ResetUserPasswordRejectsShortPassword) {
  v1::ResetUserPasswordRequest request;
  request.set_name(developer_.name());
  request.set_new_password("short");

  absl::StatusOr<v1::User> reset = service_->ResetUserPassword(admin_, request);

  EXPECT_EQ(reset.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(BadRequestField(reset.status()), "new_password");
}

TEST_F(UserAdministrationTest, ResetUserPasswordRejectsNonAdmin) {
  v1::ResetUserPasswordRequest request;
  request.set_name(admin_name_);
  request.set_new_password(kNewPassword);

  absl::StatusOr<v1::User> reset =
      service_->ResetUserPassword(developer_principal_, request);

  EXPECT_EQ(reset.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_TRUE(Login("ada@example.com", kPassword).ok());
}

TEST_F(UserAdministrationTest, LogoutRevokesOnlyCallingToken) {
  const auto [first_token, first] = LoginPrincipal("dev@example.com", kPassword);
  const auto [second_token, second] =
      LoginPrincipal("dev@example.com", kPassword);

  absl::StatusOr<v1::LogoutResponse> logout =
      service_->Logout(first, v1::LogoutRequest());

  ASSERT_TRUE(logout.ok()) << logout.status();
  EXPECT_EQ(Introspect(first_token).status().code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_TRUE(Introspect(second_token).ok());
}

TEST_F(UserAdministrationTest, LogoutRevokesApiToken) {
  const auto [token, principal] = LoginPrincipal("dev@example.com", kPassword);
  absl::StatusOr<v1::ApiToken> api_token = CreateApiToken(principal, "ci");
  ASSERT_TRUE(api_token.ok()) << api_token.status();
  absl::StatusOr<v1::IntrospectTokenResponse> api_principal =
      Introspect(api_token->secret());
  ASSERT_TRUE(api_principal.ok()) << api_principal.status();

  absl::StatusOr<v1::LogoutResponse> logout =
      service_->Logout(api_principal->principal(), v1::LogoutRequest());

  ASSERT_TRUE(logout.ok()) << logout.status();
  EXPECT_EQ(Introspect(api_token->secret()).status().code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_TRUE(Introspect(token).ok());
}

TEST_F(UserAdministrationTest, LogoutRejectsOperator) {
  absl::StatusOr<v1::LogoutResponse> logout =
      service_->Logout(OperatorPrincipal(), v1::LogoutRequest());

  EXPECT_EQ(logout.status().code(), absl::StatusCode::kPermissionDenied);
}

TEST_F(UserAdministrationTest, ChangePasswordRejectsWrongCurrentPassword) {
  const auto [token, principal] = LoginPrincipal("dev@example.com", kPassword);

  absl::StatusOr<v1::User> changed =
      ChangePassword(principal, "not the password", kNewPassword);

  EXPECT_EQ(changed.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(BadRequestField(changed.status()), "current_password");
  EXPECT_EQ(changed.status().message(),
            "current_password is not the user's current password");
  EXPECT_TRUE(Login("dev@example.com", kPassword).ok());
}

TEST_F(UserAdministrationTest, ChangePasswordRevokesOtherTokens) {
  const auto [caller_token, caller] =
      LoginPrincipal("dev@example.com", kPassword);
  const auto [other_token, other] = LoginPrincipal("dev@example.com", kPassword);
  absl::StatusOr<v1::ApiToken> api_token = CreateApiToken(caller, "ci");
  ASSERT_TRUE(api_token.ok()) << api_token.status();

  absl::StatusOr<v1::User> changed =
      ChangePassword(caller, kPassword, kNewPassword);

  ASSERT_TRUE(changed.ok()) << changed.status();
  EXPECT_EQ(changed->name(), developer_.name());
  EXPECT_TRUE(Introspect(caller_token).ok());
  EXPECT_EQ(Introspect(other_token).status().code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(Introspect(api_token->secret()).status().code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_TRUE(Login("dev@example.com", kNewPassword).ok());
  EXPECT_EQ(Login("dev@example.com", kPassword).status().code(),
            absl::StatusCode::kUnauthenticated);
}

TEST_F(UserAdministrationTest, ChangePasswordRejectsApiToken) {
  const auto [token, principal] = LoginPrincipal("dev@example.com", kPassword);
  absl::StatusOr<v1::ApiToken> api_token = CreateApiToken(principal, "ci");
  ASSERT_TRUE(api_token.ok()) << api_token.status();
  absl::StatusOr<v1::IntrospectTokenResponse> api_principal =
      Introspect(api_token->secret());
  ASSERT_TRUE(api_principal.ok()) << api_principal.status();

  absl::StatusOr<v1::User> changed =
      ChangePassword(api_principal->principal(), kPassword, kNewPassword);

  EXPECT_EQ(changed.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(changed.status().message(),
              HasSubstr("ChangePassword needs an access token from Login; "
                        "API tokens cannot change passwords"));
  EXPECT_TRUE(Login("dev@example.com", kPassword).ok());
}

TEST_F(UserAdministrationTest, ChangePasswordFailuresCountTowardLockout) {
  service_ = NewThrottledService(2, absl::Minutes(1));
  ASSERT_NE(service_, nullptr);
  const auto [token, principal] = LoginPrincipal("dev@example.com", kPassword);

  for (int attempt = 0; attempt < 2; ++attempt) {
    EXPECT_EQ(ChangePassword(principal, "not the password", kNewPassword)
                  .status()
                  .code(),
              absl::StatusCode::kInvalidArgument);
  }
  absl::StatusOr<v1::LoginResponse> login = Login("dev@example.com", kPassword);

  EXPECT_EQ(login.status().code(), absl::StatusCode::kResourceExhausted);
}

TEST_F(UserAdministrationTest, CreateApiTokenReturnsSecretOnce) {
  const auto [token, principal] = LoginPrincipal("dev@example.com", kPassword);

  absl::StatusOr<v1::ApiToken> created = CreateApiToken(principal, " CI bot ");

  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_THAT(created->secret(), StartsWith("iok_"));
  EXPECT_THAT(created->name(),
              StartsWith(absl::StrCat(developer_.name(), "/apiTokens/")));
  EXPECT_EQ(created->display_name(), "CI bot");
  EXPECT_FALSE(created->has_expire_time());
  absl::StatusOr<v1::IntrospectTokenResponse> introspected =
      Introspect(created->secret());
  ASSERT_TRUE(introspected.ok()) << introspected.status();
  EXPECT_EQ(introspected->principal().kind(), Principal::KIND_USER_API_TOKEN);
  EXPECT_EQ(introspected->principal().user(), developer_.name());
  absl::StatusOr<v1::ListApiTokensResponse> listed =
      ListApiTokens(principal, developer_.name());
  ASSERT_TRUE(listed.ok()) << listed.status();
  ASSERT_EQ(listed->api_tokens_size(), 1);
  EXPECT_EQ(listed->api_tokens(0).name(), created->name());
  EXPECT_TRUE(listed->api_tokens(0).secret().empty());
}

TEST_F(UserAdministrationTest, CreateApiTokenReplayHasEmptySecret) {
  const auto [token, principal] = LoginPrincipal("dev@example.com", kPassword);

  absl::StatusOr<v1::ApiToken> first = CreateApiToken(principal, "ci", "r-1");
  absl::StatusOr<v1::ApiToken> replay = CreateApiToken(principal, "ci", "r-1");

  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(replay.ok()) << replay.status();
  EXPECT_FALSE(first->secret().empty());
  EXPECT_EQ(replay->name(), first->name());
  EXPECT_TRUE(replay->secret().empty());
  EXPECT_EQ(ListApiTokens(principal, developer_.name())->api_tokens_size(), 1);
}

TEST_F(UserAdministrationTest, CreateApiTokenRejectsApiTokenCaller) {
  const auto [token, principal] = LoginPrincipal("dev@example.com", kPassword);
  absl::StatusOr<v1::ApiToken> api_token = CreateApiToken(principal, "ci");
  ASSERT_TRUE(api_token.ok()) << api_token.status();
  absl::StatusOr<v1::IntrospectTokenResponse> api_principal =
      Introspect(api_token->secret());
  ASSERT_TRUE(api_principal.ok()) << api_principal.status();

  absl::StatusOr<v1::ApiToken> minted =
      CreateApiToken(api_principal->principal(), "minted");

  EXPECT_EQ(minted.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(ListApiTokens(principal, developer_.name())->api_tokens_size(), 1);
}

TEST_F(UserAdministrationTest, CreateApiTokenRejectsOtherUser) {
  v1::CreateApiTokenRequest request;
  request.set_parent(developer_.name());
  request.mutable_api_token()->set_display_name("for someone else");

  absl::StatusOr<v1::ApiToken> created =
      service_->CreateApiToken(admin_, request);

  EXPECT_EQ(created.status().code(), absl::StatusCode::kPermissionDenied);
}

TEST_F(UserAdministrationTest, CreateApiTokenRejectsBadExpireTime) {
  const auto [token, principal] = LoginPrincipal("dev@example.com", kPassword);
  const int64_t now = absl::ToUnixSeconds(absl::Now());

  for (const int64_t seconds :
       {now - 60, now + int64_t{24 * 3600} * 366, int64_t{0}}) {
    v1::CreateApiTokenRequest request;
    request.set_parent(developer_.name());
    request.mutable_api_token()->set_display_name("ci");
    request.mutable_api_token()->mutable_expire_time()->set_seconds(seconds);

    absl::StatusOr<v1::ApiToken> created =
        service_->CreateApiToken(principal, request);

    EXPECT_EQ(created.status().code(), absl::StatusCode::kInvalidArgument)
        << seconds;
    EXPECT_EQ(BadRequestField(created.status()), "api_token.expire_time")
        << seconds;
  }
  EXPECT_EQ(ListApiTokens(principal, developer_.name())->api_tokens_size(), 0);
}

TEST_F(UserAdministrationTest, CreateApiTokenKeepsExpireTime) {
  const auto [token, principal] = LoginPrincipal("dev@example.com", kPassword);
  const int64_t expire_seconds = absl::ToUnixSeconds(absl::Now()) + 3600;
  v1::CreateApiTokenRequest request;
  request.set_parent(developer_.name());
  request.mutable_api_token()->set_display_name("ci");
  request.mutable_api_token()->mutable_expire_time()->set_seconds(
      expire_seconds);

  absl::StatusOr<v1::ApiToken> created =
      service_->CreateApiToken(principal, request);

  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_EQ(created->expire_time().seconds(), expire_seconds);
  absl::StatusOr<v1::IntrospectTokenResponse> introspected =
      Introspect(created->secret());
  ASSERT_TRUE(introspected.ok()) << introspected.status();
  EXPECT_EQ(introspected->expire_time().seconds(), expire_seconds);
}

TEST_F(UserAdministrationTest, ListApiTokensPagesAndSkipsRevoked) {
  const auto [token, principal] = LoginPrincipal("dev@example.com", kPassword);
  std::vector<std::string> created;
  for (int i = 0; i < 4; ++i) {
    absl::StatusOr<v1::ApiToken> api_token =
        CreateApiToken(principal, absl::StrCat("token ", i));
    ASSERT_TRUE(api_token.ok()) << api_token.status();
    created.push_back(api_token->name());
  }
  ASSERT_TRUE(RevokeApiToken(principal, created[0]).ok());

  absl::StatusOr<v1::ListApiTokensResponse> first =
      ListApiTokens(principal, developer_.name(), 2);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_FALSE(first->next_page_token().empty());
  absl::StatusOr<v1::ListApiTokensResponse> second = ListApiTokens(
      principal, developer_.name(), 2, first->next_page_token());
  ASSERT_TRUE(second.ok()) << second.status();

  std::set<std::string> listed;
  for (const auto* page : {&*first, &*second}) {
    for (const v1::ApiToken& api_token : page->api_tokens()) {
      listed.insert(api_token.name());
      EXPECT_TRUE(api_token.secret().empty());
    }
  }
  EXPECT_EQ(listed,
            (std::set<std::string>{created[1], created[2], created[3]}));
  EXPECT_TRUE(second->next_page_token().empty());
}

TEST_F(UserAdministrationTest, ListApiTokensChecksCaller) {
  absl::StatusOr<v1::User> reader =
      CreateUser("reader@example.com", v1::ROLE_ADMIN_READ_ONLY);
  ASSERT_TRUE(reader.ok()) << reader.status();

  absl::StatusOr<v1::ListApiTokensResponse> by_developer =
      ListApiTokens(developer_principal_, admin_name_);
  absl::StatusOr<v1::ListApiTokensResponse> by_reader = ListApiTokens(
      UserPrincipal(organization_.name(), reader->name(),
                    v1::ROLE_ADMIN_READ_ONLY),
      developer_.name());
  absl::StatusOr<v1::ListApiTokensResponse> other_organization =
      ListApiTokens(admin_, "organizations/elsewhere/users/someone");

  EXPECT_EQ(by_developer.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_TRUE(by_reader.ok()) << by_reader.status();
  EXPECT_EQ(other_organization.status().code(),
            absl::StatusCode::kPermissionDenied);
}

TEST_F(UserAdministrationTest, RevokeApiTokenRejectsFurtherUse) {
  const auto [token, principal] = LoginPrincipal("dev@example.com", kPassword);
  absl::StatusOr<v1::ApiToken> api_token = CreateApiToken(principal, "ci");
  ASSERT_TRUE(api_token.ok()) << api_token.status();

  absl::StatusOr<v1::ApiToken> revoked =
      RevokeApiToken(principal, api_token->name());
  const size_t events_after_first = AllAuditEvents().size();
  absl::StatusOr<v1::ApiToken> again =
      RevokeApiToken(admin_, api_token->name());

  ASSERT_TRUE(revoked.ok()) << revoked.status();
  EXPECT_TRUE(revoked->has_revoke_time());
  EXPECT_TRUE(revoked->secret().empty());
  EXPECT_EQ(Introspect(api_token->secret()).status().code(),
            absl::StatusCode::kUnauthenticated);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->revoke_time().seconds(), revoked->revoke_time().seconds());
  EXPECT_EQ(again->revoke_time().nanos(), revoked->revoke_time().nanos());
  EXPECT_EQ(AllAuditEvents().size(), events_after_first);
}

TEST_F(UserAdministrationTest, RevokeApiTokenReturnsNotFoundForUnknown) {
  absl::StatusOr<v1::ApiToken> revoked = RevokeApiToken(
      admin_, absl::StrCat(developer_.name(), "/apiTokens/nosuchtoken"));

  EXPECT_EQ(revoked.status().code(), absl::StatusCode::kNotFound);
}

TEST_F(UserAdministrationTest, RevokeApiTokenRejectsOtherUsersToken) {
  const auto [token, admin_principal] =
      LoginPrincipal("ada@example.com", kPassword);
  absl::StatusOr<v1::ApiToken> api_token =
      CreateApiToken(admin_principal, "admin ci");
  ASSERT_TRUE(api_token.ok()) << api_token.status();

  absl::StatusOr<v1::ApiToken> revoked =
      RevokeApiToken(developer_principal_, api_token->name());

  EXPECT_EQ(revoked.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_TRUE(Introspect(api_token->secret()).ok());
}

TEST_F(UserAdministrationTest, IntrospectTokenRecordsApiTokenUse) {
  const auto [token, principal] = LoginPrincipal("dev@example.com", kPassword);
  absl::StatusOr<v1::ApiToken> api_token = CreateApiToken(principal, "ci");
  ASSERT_TRUE(api_token.ok()) << api_token.status();
  ASSERT_FALSE(api_token->has_last_use_time());

  ASSERT_TRUE(Introspect(api_token->secret()).ok());
  absl::StatusOr<v1::ListApiTokensResponse> after_first =
      ListApiTokens(principal, developer_.name());
  ASSERT_TRUE(Introspect(api_token->secret()).ok());
  absl::StatusOr<v1::ListApiTokensResponse> after_second =
      ListApiTokens(principal, developer_.name());

  ASSERT_TRUE(after_first.ok()) << after_first.status();
  ASSERT_TRUE(after_second.ok()) << after_second.status();
  ASSERT_EQ(after_first->api_tokens_size(), 1);
  ASSERT_EQ(after_second->api_tokens_size(), 1);
  EXPECT_TRUE(after_first->api_tokens(0).has_last_use_time());
  // The second use falls within the same minute and is not written.
  EXPECT_EQ(after_second->api_tokens(0).last_use_time().nanos(),
            after_first->api_tokens(0).last_use_time().nanos());
  EXPECT_EQ(after_second->api_tokens(0).last_use_time().seconds(),
            after_first->api_tokens(0).last_use_time().seconds());
}

TEST_F(UserAdministrationTest, LoginLocksEmailAfterMaxFailures) {
  service_ = NewThrottledService(3, absl::Minutes(1));
  ASSERT_NE(service_, nullptr);
  for (int attempt = 0; attempt < 3; ++attempt) {
    EXPECT_EQ(Login("dev@example.com", "wrong password here").status().code(),
              absl::StatusCode::kUnauthenticated)
        << attempt;
  }

  absl::StatusOr<v1::LoginResponse> locked =
      Login(" DEV@example.com", kPassword);

  EXPECT_EQ(locked.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(locked.status().message(),
            "too many failed logins for this email; retry in 60 seconds");
  EXPECT_GT(RetryDelay(locked.status()), absl::Seconds(59));
  EXPECT_LE(RetryDelay(locked.status()), absl::Minutes(1));
  EXPECT_TRUE(Login("ada@example.com", kPassword).ok());
}

TEST_F(UserAdministrationTest, LoginLocksUnknownEmailAlike) {
  service_ = NewThrottledService(2, absl::Minutes(1));
  ASSERT_NE(service_, nullptr);
  for (int attempt = 0; attempt < 2; ++attempt) {
    EXPECT_EQ(Login("nobody@example.com", kPassword).status().code(),
              absl::StatusCode::kUnauthenticated)
        << attempt;
  }

  absl::StatusOr<v1::LoginResponse> locked =
      Login("nobody@example.com", kPassword);

  EXPECT_EQ(locked.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_GT(RetryDelay(locked.status()), absl::ZeroDuration());
}

TEST_F(UserAdministrationTest, LoginReleasesEmailAfterLockout) {
  constexpr absl::Duration kLockout = absl::Milliseconds(100);
  service_ = NewThrottledService(2, kLockout);
  ASSERT_NE(service_, nullptr);
  for (int attempt = 0; attempt < 2; ++attempt) {
    ASSERT_EQ(Login("dev@example.com", "wrong password here").status().code(),
              absl::StatusCode::kUnauthenticated);
  }
  ASSERT_EQ(Login("dev@example.com", kPassword).status().code(),
            absl::StatusCode::kResourceExhausted);

  // Polls until the lockout has passed; every rejected attempt is cheap.
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  absl::StatusOr<v1::LoginResponse> login = Login("dev@example.com", kPassword);
  while (!login.ok() && absl::Now() < deadline) {
    ASSERT_EQ(login.status().code(), absl::StatusCode::kResourceExhausted);
    absl::SleepFor(absl::Milliseconds(10));
    login = Login("dev@example.com", kPassword);
  }

  ASSERT_TRUE(login.ok()) << login.status();
  // The success cleared the count: one more failure does not lock.
  EXPECT_EQ(Login("dev@example.com", "wrong password here").status().code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_TRUE(Login("dev@example.com", kPassword).ok());
}

TEST_F(UserAdministrationTest, LoginSuccessClearsFailures) {
  service_ = NewThrottledService(3, absl::Minutes(1));
  ASSERT_NE(service_, nullptr);
  for (int round = 0; round < 3; ++round) {
    for (int attempt = 0; attempt < 2; ++attempt) {
      EXPECT_EQ(
          Login("dev@example.com", "wrong password here").status().code(),
          absl::StatusCode::kUnauthenticated);
    }
    EXPECT_TRUE(Login("dev@example.com", kPassword).ok()) << round;
  }
}

TEST_F(UserAdministrationTest, ResetUserPasswordLiftsLockout) {
  service_ = NewThrottledService(1, absl::Minutes(1));
  ASSERT_NE(service_, nullptr);
  ASSERT_EQ(Login("dev@example.com", "wrong password here").status().code(),
            absl::StatusCode::kUnauthenticated);
  ASSERT_EQ(Login("dev@example.com", kPassword).status().code(),
            absl::StatusCode::kResourceExhausted);
  v1::ResetUserPasswordRequest request;
  request.set_name(developer_.name());
  request.set_new_password(kNewPassword);

  ASSERT_TRUE(service_->ResetUserPassword(admin_, request).ok());

  EXPECT_TRUE(Login("dev@example.com", kNewPassword).ok());
}

TEST_F(UserAdministrationTest, ListAuditEventsReturnsNewestFirst) {
  v1::User changes;
  changes.set_name(developer_.name());
  changes.set_display_name("Devon");
  ASSERT_TRUE(UpdateUser(admin_, changes, {"display_name"}).ok());
  ASSERT_TRUE(SetRole(admin_, developer_.name(), v1::ROLE_ACCOUNTANT).ok());

  const std::vector<audit::v1::AuditEvent> events = AllAuditEvents();

  // CreateOrganization (two events), CreateUser, UpdateUser, SetUserRole.
  ASSERT_EQ(events.size(), 5u);
  EXPECT_EQ(events[0].action(), "SetUserRole");
  EXPECT_EQ(events[0].actor(), admin_name_);
  EXPECT_EQ(events[0].resource(), developer_.name());
  EXPECT_EQ(events[1].action(), "UpdateUser");
  EXPECT_EQ(events[2].action(), "CreateUser");
  std::set<std::string> names;
  for (size_t i = 0; i < events.size(); ++i) {
    EXPECT_THAT(events[i].name(),
                StartsWith(absl::StrCat(organization_.name(), "/auditEvents/")));
    names.insert(events[i].name());
    if (i > 0) {
      EXPECT_LE(events[i].create_time().seconds(),
                events[i - 1].create_time().seconds());
    }
  }
  EXPECT_EQ(names.size(), events.size());
}

TEST_F(UserAdministrationTest, ListAuditEventsFiltersByActorAndResource) {
  const auto [token, principal] = LoginPrincipal("dev@example.com", kPassword);
  absl::StatusOr<v1::ApiToken> api_token = CreateApiToken(principal, "ci");
  ASSERT_TRUE(api_token.ok()) << api_token.status();

  const std::vector<audit::v1::AuditEvent> by_developer =
      AllAuditEvents(developer_.name());
  const std::vector<audit::v1::AuditEvent> about_token =
      AllAuditEvents("", api_token->name());
  const std::vector<audit::v1::AuditEvent> both =
      AllAuditEvents(developer_.name(), api_token->name());

  ASSERT_EQ(by_developer.size(), 2u);
  EXPECT_EQ(by_developer[0].action(), "CreateApiToken");
  EXPECT_EQ(by_developer[1].action(), "Login");
  ASSERT_EQ(about_token.size(), 1u);
  EXPECT_EQ(about_token[0].actor(), developer_.name());
  EXPECT_EQ(both.size(), 1u);
}

TEST_F(UserAdministrationTest, ListAuditEventsRejectsTokenOfOtherFilter) {
  v1::ListAuditEventsRequest request;
  request.set_parent(organization_.name());
  request.set_page_size(1);
  absl::StatusOr<v1::ListAuditEventsResponse> first =
      service_->ListAuditEvents(admin_, request);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_FALSE(first->next_page_token().empty());
  request.set_page_token(first->next_page_token());
  request.set_actor(admin_name_);

  absl::StatusOr<v1::ListAuditEventsResponse> reused =
      service_->ListAuditEvents(admin_, request);

  EXPECT_EQ(reused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(BadRequestField(reused.status()), "page_token");
}

TEST_F(UserAdministrationTest, ListAuditEventsChecksCaller) {
  v1::ListAuditEventsRequest request;
  request.set_parent(organization_.name());
  v1::ListAuditEventsRequest elsewhere;
  elsewhere.set_parent("organizations/elsewhere");

  absl::StatusOr<v1::ListAuditEventsResponse> by_developer =
      service_->ListAuditEvents(developer_principal_, request);
  absl::StatusOr<v1::ListAuditEventsResponse> other_organization =
      service_->ListAuditEvents(admin_, elsewhere);

  EXPECT_EQ(by_developer.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(other_organization.status().code(),
            absl::StatusCode::kPermissionDenied);
}

TEST_F(UserAdministrationTest, AuditEventsHoldNoSecrets) {
  const auto [access_token, principal] =
      LoginPrincipal("dev@example.com", kPassword);
  absl::StatusOr<v1::ApiToken> api_token =
      CreateApiToken(principal, "ci", "request-1");
  ASSERT_TRUE(api_token.ok()) << api_token.status();
  ASSERT_TRUE(ChangePassword(principal, kPassword, kNewPassword).ok());
  v1::ResetUserPasswordRequest reset;
  reset.set_name(developer_.name());
  const std::string reset_password = "the reset password value";
  reset.set_new_password(reset_password);
  ASSERT_TRUE(service_->ResetUserPassword(admin_, reset).ok());
  ASSERT_TRUE(service_->Logout(principal, v1::LogoutRequest()).ok());
  absl::StatusOr<std::optional<UserRecord>> stored =
      store_->FindUserByEmail("dev@example.com");
  ASSERT_TRUE(stored.ok()) << stored.status();
  ASSERT_TRUE(stored->has_value());

  const std::vector<std::string> secrets = {
      kPassword,
      kNewPassword,
      reset_password,
      access_token,
      api_token->secret(),
      crypto::Sha256Hex(access_token),
      crypto::Sha256Hex(api_token->secret()),
      (*stored)->password_hash,
  };
  const std::vector<audit::v1::AuditEvent> events = AllAuditEvents();
  ASSERT_GE(events.size(), 7u);
  for (const audit::v1::AuditEvent& event : events) {
    const std::string serialized = event.SerializeAsString();
    for (const std::string& secret : secrets) {
      EXPECT_EQ(serialized.find(secret), std::string::npos)
          << event.action() << " holds a secret";
    }
  }
}

TEST(IdentityServiceCreateTest, RejectsShortPageTokenKey) {
  ScopedTempDir directory;
  absl::StatusOr<std::unique_ptr<IdentityStore>> store =
      IdentityStore::Open(directory.File(kDatabaseFileName));
  ASSERT_TRUE(store.ok()) << store.status();
  IdentityServiceOptions options;
  options.password_cost = FastPasswordCost();
  options.page_token_key = "short";

  absl::StatusOr<std::unique_ptr<IdentityService>> service =
      IdentityService::Create(store->get(), std::move(options));

  EXPECT_EQ(service.status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace ironorg::identity

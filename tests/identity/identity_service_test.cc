#include "services/identity/identity_service.h"

#include <algorithm>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
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

TEST_F(IdentityServiceTest, UnfinishedMethodsReturnUnimplemented) {
  const absl::Status update =
      service_->UpdateUser(admin_, v1::UpdateUserRequest()).status();
  const absl::Status logout =
      service_->Logout(admin_, v1::LogoutRequest()).status();
  const absl::Status tokens =
      service_->CreateApiToken(admin_, v1::CreateApiTokenRequest()).status();

  EXPECT_EQ(update.code(), absl::StatusCode::kUnimplemented);
  EXPECT_EQ(update.message(),
            "ironorg.identity.v1.UserService/UpdateUser is not implemented "
            "yet");
  EXPECT_EQ(logout.code(), absl::StatusCode::kUnimplemented);
  EXPECT_EQ(tokens.code(), absl::StatusCode::kUnimplemented);
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

#include "common/access_rules.h"

#include <set>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/test_support.h"

namespace ironorg::access {
namespace {

using ::ironorg::identity::v1::Principal;
using ::ironorg::identity::v1::ROLE_ADMIN;
using ::ironorg::identity::v1::ROLE_DEVELOPER;
using ::ironorg::test::FakeUserDirectory;
using ::ironorg::test::UserCaller;
using ::testing::HasSubstr;

constexpr char kOrganization[] = "org1";
constexpr char kResource[] = "w1";
constexpr char kUser[] = "organizations/org1/users/user1";

// A GrantStore over an in-memory set that counts the writes it accepts.
class FakeGrantStore final : public GrantStore {
 public:
  absl::Status CheckResourceExists(absl::string_view organization_id,
                                   absl::string_view resource_id) override {
    if (organization_id != kOrganization || resource_id != kResource) {
      return errors::NotFound("widget", resource_id);
    }
    return absl::OkStatus();
  }

  absl::StatusOr<bool> HasAccess(absl::string_view organization_id,
                                 absl::string_view resource_id,
                                 absl::string_view user_name) override {
    return grants_.count(Key(organization_id, resource_id, user_name)) > 0;
  }

  absl::StatusOr<bool> GrantAccess(absl::string_view organization_id,
                                   absl::string_view resource_id,
                                   absl::string_view user_name,
                                   const Mutation& mutation) override {
    last_mutation_ = mutation;
    ++writes_;
    return grants_.insert(Key(organization_id, resource_id, user_name)).second;
  }

  absl::StatusOr<bool> RevokeAccess(absl::string_view organization_id,
                                    absl::string_view resource_id,
                                    absl::string_view user_name,
                                    const Mutation& mutation) override {
    last_mutation_ = mutation;
    ++writes_;
    return grants_.erase(Key(organization_id, resource_id, user_name)) > 0;
  }

  int writes() const { return writes_; }
  const Mutation& last_mutation() const { return last_mutation_; }

 private:
  static std::string Key(absl::string_view organization_id,
                         absl::string_view resource_id,
                         absl::string_view user_name) {
    return absl::StrCat(organization_id, "/", resource_id, "/", user_name);
  }

  std::set<std::string> grants_;
  int writes_ = 0;
  Mutation last_mutation_;
};

Principal ServiceCaller() {
  Principal principal;
  principal.set_kind(Principal::KIND_SERVICE);
  return principal;
}

class GrantRulesTest : public ::testing::Test {
 protected:
  GrantRulesTest() { users_.AddUser(kUser); }

  absl::Status Grant(const Principal& caller,
                     absl::string_view user_name = kUser) {
    return rules_.Grant(caller, "GrantWidgetAccess", kOrganization, kResource,
                        user_name);
  }

  FakeGrantStore store_;
  FakeUserDirectory users_;
  GrantRules rules_{GrantRulesConfig{"widgets", "widget", "widgets"}, &store_,
                    &users_};
  const Principal admin_ = UserCaller(kOrganization, "admin", ROLE_ADMIN);
};

TEST(AccessRulesTest, CheckOrganizationDeniesOtherOrganization) {
  const Principal caller = UserCaller("org2", "admin", ROLE_ADMIN);

  absl::Status status = CheckOrganization(caller, kOrganization, "widgets");

  EXPECT_EQ(status.code(), absl::StatusCode::kPermissionDenied);
}

TEST(AccessRulesTest, CheckOrganizationNamesServiceForOtherKinds) {
  Principal caller;
  caller.set_kind(Principal::KIND_OPERATOR);

  absl::Status status = CheckOrganization(caller, kOrganization, "widgets");

  EXPECT_EQ(status.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(status.message(), HasSubstr("the widgets service serves"));
}

TEST(AccessRulesTest, AuditActorOfServiceIsService) {
  EXPECT_EQ(AuditActor(ServiceCaller()), "service");
  EXPECT_EQ(AuditActor(UserCaller(kOrganization, "admin", ROLE_ADMIN)),
            "organizations/org1/users/admin");
}

TEST_F(GrantRulesTest, GrantStoresGrantWithMethodAsAction) {
  absl::Status status = Grant(admin_);

  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(store_.writes(), 1);
  EXPECT_EQ(store_.last_mutation().action, "GrantWidgetAccess");
  EXPECT_EQ(store_.last_mutation().actor, "organizations/org1/users/admin");
}

TEST_F(GrantRulesTest, RepeatedGrantSkipsLookups) {
  ASSERT_TRUE(Grant(admin_).ok());
  users_.SetUnavailable(true);

  absl::Status status = Grant(admin_);

  EXPECT_TRUE(status.ok()) << status;
  EXPECT_EQ(store_.writes(), 1);
  EXPECT_EQ(users_.lookups(), 1);
}

TEST_F(GrantRulesTest, GrantByDeveloperIsPermissionDenied) {
  absl::Status status = Grant(UserCaller(kOrganization, "dev", ROLE_DEVELOPER));

  EXPECT_EQ(status.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(status.message(), HasSubstr("GrantWidgetAccess needs"));
  EXPECT_EQ(store_.writes(), 0);
}

TEST_F(GrantRulesTest, GrantAcrossOrganizationsIsPermissionDenied) {
  absl::Status status = Grant(admin_, "organizations/org2/users/user1");

  EXPECT_EQ(status.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(status.message(),
              HasSubstr("grant a widget only to users of its organization"));
  EXPECT_EQ(users_.lookups(), 0);
}

TEST_F(GrantRulesTest, GrantWithMalformedUserIsInvalidArgument) {
  absl::Status status = Grant(admin_, "users/user1");

  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(GrantRulesTest, GrantOnMissingResourceSkipsIdentity) {
  absl::Status status = rules_.Grant(admin_, "GrantWidgetAccess", kOrganization,
                                     "missing", kUser);

  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(users_.lookups(), 0);
}

TEST_F(GrantRulesTest, GrantToMissingUserIsNotFound) {
  absl::Status status = Grant(admin_, "organizations/org1/users/missing");

  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store_.writes(), 0);
}

TEST_F(GrantRulesTest, RevokeSkipsIdentity) {
  ASSERT_TRUE(Grant(admin_).ok());
  users_.SetUnavailable(true);

  absl::Status status = rules_.Revoke(ServiceCaller(), "RevokeWidgetAccess",
                                      kOrganization, kResource, kUser);

  EXPECT_TRUE(status.ok()) << status;
  EXPECT_EQ(store_.last_mutation().actor, "service");
  EXPECT_EQ(users_.lookups(), 1);
}

TEST_F(GrantRulesTest, UserListingOfOwnGrantsIsAllowed) {
  absl::StatusOr<std::string> organization_id = rules_.AuthorizeUserListing(
      UserCaller(kOrganization, "user1", ROLE_DEVELOPER), "ListUserWidgets",
      kUser);

  ASSERT_TRUE(organization_id.ok()) << organization_id.status();
  EXPECT_EQ(*organization_id, kOrganization);
}

TEST_F(GrantRulesTest, UserListingOfOtherUserNeedsAdmin) {
  absl::StatusOr<std::string> organization_id = rules_.AuthorizeUserListing(
      UserCaller(kOrganization, "dev", ROLE_DEVELOPER), "ListUserWidgets",
      kUser);

  EXPECT_EQ(organization_id.status().code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(organization_id.status().message(),
              HasSubstr("other users may list only their own widgets"));
}

}  // namespace
}  // namespace ironorg::access

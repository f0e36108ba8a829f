#include "common/access_rules.h"

#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/pagination.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/test_support.h"

namespace ironorg::access {
namespace {

using ::ironorg::identity::v1::Principal;
using ::ironorg::identity::v1::ROLE_ACCOUNTANT;
using ::ironorg::identity::v1::ROLE_ADMIN;
using ::ironorg::identity::v1::ROLE_ADMIN_READ_ONLY;
using ::ironorg::identity::v1::ROLE_DEVELOPER;
using ::ironorg::test::FakeUserDirectory;
using ::ironorg::test::UserCaller;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr char kOrganization[] = "org1";
constexpr char kResource[] = "w1";
constexpr char kOtherResource[] = "w2";
constexpr char kResourceName[] = "organizations/org1/widgets/w1";
constexpr char kOtherResourceName[] = "organizations/org1/widgets/w2";
constexpr char kUser[] = "organizations/org1/users/user1";

// A GrantStore over an in-memory set that counts the writes it accepts.
class FakeGrantStore final : public GrantStore {
 public:
  absl::Status CheckResourceExists(absl::string_view organization_id,
                                   absl::string_view resource_id) override {
    if (organization_id != kOrganization ||
        (resource_id != kResource && resource_id != kOtherResource)) {
      return errors::NotFound("widget", resource_id);
    }
    return absl::OkStatus();
  }

  absl::StatusOr<GrantMemberPage> ListMembers(absl::string_view organization_id,
                                              absl::string_view resource_id,
                                              absl::string_view after_user,
                                              int page_size) override {
    absl::Status exists = CheckResourceExists(organization_id, resource_id);
    if (!exists.ok()) {
      return exists;
    }
    const std::string prefix = Key(organization_id, resource_id, "");
    GrantMemberPage page;
    for (const std::string& key : grants_) {
      if (key.compare(0, prefix.size(), prefix) != 0) {
        continue;
      }
      const std::string user_name = key.substr(prefix.size());
      if (user_name <= after_user) {
        continue;
      }
      if (static_cast<int>(page.user_names.size()) == page_size) {
        page.has_more = true;
        break;
      }
      page.user_names.push_back(user_name);
    }
    return page;
  }

  absl::StatusOr<GrantSetResult> SetUserGrants(
      absl::string_view organization_id, absl::string_view /*user_name*/,
      const std::vector<std::string>& resource_ids,
      const Mutation& mutation) override {
    last_mutation_ = mutation;
    last_set_ids_ = resource_ids;
    ++writes_;
    GrantSetResult result;
    for (const std::string& id :
         std::set<std::string>(resource_ids.begin(), resource_ids.end())) {
      result.resource_names.push_back(
          absl::StrCat("organizations/", organization_id, "/widgets/", id));
    }
    return result;
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
  const std::vector<std::string>& last_set_ids() const { return last_set_ids_; }

 private:
  static std::string Key(absl::string_view organization_id,
                         absl::string_view resource_id,
                         absl::string_view user_name) {
    return absl::StrCat(organization_id, "/", resource_id, "/", user_name);
  }

  std::set<std::string> grants_;
  int writes_ = 0;
  Mutation last_mutation_;
  std::vector<std::string> last_set_ids_;
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

  absl::StatusOr<MemberListing> ListMembers(const Principal& caller,
                                            absl::string_view resource_name,
                                            int32_t page_size = 0,
                                            absl::string_view page_token = "") {
    return rules_.ListMembers(caller, "ListWidgetMembers", resource_name,
                              page_size, page_token, page_tokens_);
  }

  absl::StatusOr<std::vector<std::string>> SetUserGrants(
      const Principal& caller, const std::vector<std::string>& resource_names,
      absl::string_view user_name = kUser) {
    return rules_.SetUserGrants(caller, "SetUserWidgets", user_name,
                                resource_names);
  }

  FakeGrantStore store_;
  FakeUserDirectory users_;
  const pagination::PageTokenCodec page_tokens_{std::string(32, 'k')};
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

TEST_F(GrantRulesTest, ListMembersPagesWithSealedToken) {
  ASSERT_TRUE(Grant(admin_).ok());
  users_.AddUser("organizations/org1/users/user2");
  ASSERT_TRUE(Grant(admin_, "organizations/org1/users/user2").ok());
  const Principal reader =
      UserCaller(kOrganization, "reader", ROLE_ADMIN_READ_ONLY);

  absl::StatusOr<MemberListing> first = ListMembers(reader, kResourceName, 1);
  ASSERT_TRUE(first.ok()) << first.status();
  absl::StatusOr<MemberListing> second =
      ListMembers(reader, kResourceName, 1, first->next_page_token);

  EXPECT_THAT(first->user_names, ElementsAre(kUser));
  EXPECT_FALSE(first->next_page_token.empty());
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_THAT(second->user_names,
              ElementsAre("organizations/org1/users/user2"));
  EXPECT_TRUE(second->next_page_token.empty());
}

TEST_F(GrantRulesTest, ListMembersRejectsOtherResourceToken) {
  ASSERT_TRUE(Grant(admin_).ok());
  users_.AddUser("organizations/org1/users/user2");
  ASSERT_TRUE(Grant(admin_, "organizations/org1/users/user2").ok());
  absl::StatusOr<MemberListing> first = ListMembers(admin_, kResourceName, 1);
  ASSERT_TRUE(first.ok()) << first.status();

  absl::StatusOr<MemberListing> other =
      ListMembers(admin_, kOtherResourceName, 1, first->next_page_token);

  EXPECT_EQ(other.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(other.status().message(), HasSubstr("page_token"));
}

TEST_F(GrantRulesTest, ListMembersByDeveloperOrAccountantIsDenied) {
  for (const Principal& caller :
       {UserCaller(kOrganization, "dev", ROLE_DEVELOPER),
        UserCaller(kOrganization, "acct", ROLE_ACCOUNTANT)}) {
    absl::StatusOr<MemberListing> listed = ListMembers(caller, kResourceName);

    EXPECT_EQ(listed.status().code(), absl::StatusCode::kPermissionDenied)
        << caller.user();
    EXPECT_THAT(listed.status().message(), HasSubstr("ListWidgetMembers needs"))
        << caller.user();
  }
}

TEST_F(GrantRulesTest, ListMembersChecksPermissionBeforeExistence) {
  absl::StatusOr<MemberListing> other_organization = ListMembers(
      UserCaller("org2", "admin", ROLE_ADMIN), "organizations/org1/widgets/w9");
  absl::StatusOr<MemberListing> missing =
      ListMembers(admin_, "organizations/org1/widgets/w9");

  EXPECT_EQ(other_organization.status().code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
}

TEST_F(GrantRulesTest, ListMembersWithMalformedNameNamesKindField) {
  absl::StatusOr<MemberListing> listed = ListMembers(admin_, "widgets/w1");

  EXPECT_EQ(listed.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(listed.status().message(),
              HasSubstr("widget must have the form"));
}

TEST_F(GrantRulesTest, SetUserGrantsReturnsSortedNames) {
  absl::StatusOr<std::vector<std::string>> names = SetUserGrants(
      admin_, {kOtherResourceName, kResourceName, kOtherResourceName});

  ASSERT_TRUE(names.ok()) << names.status();
  EXPECT_THAT(*names, ElementsAre(kResourceName, kOtherResourceName));
  EXPECT_EQ(store_.last_mutation().action, "SetUserWidgets");
  EXPECT_THAT(store_.last_set_ids(), ElementsAre("w2", "w1", "w2"));
}

TEST_F(GrantRulesTest, SetUserGrantsByNonAdminIsDenied) {
  for (const Principal& caller :
       {UserCaller(kOrganization, "dev", ROLE_DEVELOPER),
        UserCaller(kOrganization, "acct", ROLE_ACCOUNTANT),
        UserCaller(kOrganization, "reader", ROLE_ADMIN_READ_ONLY),
        UserCaller("org2", "admin", ROLE_ADMIN)}) {
    absl::StatusOr<std::vector<std::string>> names =
        SetUserGrants(caller, {kResourceName});

    EXPECT_EQ(names.status().code(), absl::StatusCode::kPermissionDenied)
        << caller.user();
  }
  EXPECT_EQ(store_.writes(), 0);
  EXPECT_EQ(users_.lookups(), 0);
}

TEST_F(GrantRulesTest, SetUserGrantsRejectsMoreThanMaximumNames) {
  const std::vector<std::string> names(kMaxSetGrantsNames + 1, kResourceName);

  absl::StatusOr<std::vector<std::string>> result =
      SetUserGrants(admin_, names);

  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(result.status().message(), HasSubstr("widgets lists 1001 names"));
  EXPECT_THAT(result.status().message(), HasSubstr("at most 1000"));
  EXPECT_EQ(store_.writes(), 0);
}

TEST_F(GrantRulesTest, SetUserGrantsAcceptsMaximumNames) {
  const std::vector<std::string> names(kMaxSetGrantsNames, kResourceName);

  absl::StatusOr<std::vector<std::string>> result =
      SetUserGrants(admin_, names);

  EXPECT_TRUE(result.ok()) << result.status();
}

TEST_F(GrantRulesTest, SetUserGrantsMalformedNameNamesIndex) {
  absl::StatusOr<std::vector<std::string>> result = SetUserGrants(
      admin_, {"organizations/org2/widgets/w1", "organizations/org1/w2"});

  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(result.status().message(), HasSubstr("widgets[1]"));
  EXPECT_EQ(store_.writes(), 0);
}

TEST_F(GrantRulesTest, SetUserGrantsOtherOrganizationNameIsDenied) {
  absl::StatusOr<std::vector<std::string>> result =
      SetUserGrants(admin_, {kResourceName, "organizations/org2/widgets/w1"});

  EXPECT_EQ(result.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(result.status().message(),
              HasSubstr("\"organizations/org2/widgets/w1\" is not in"));
  EXPECT_EQ(store_.writes(), 0);
  EXPECT_EQ(users_.lookups(), 0);
}

TEST_F(GrantRulesTest, SetUserGrantsMissingResourceSkipsIdentity) {
  absl::StatusOr<std::vector<std::string>> result =
      SetUserGrants(admin_, {kResourceName, "organizations/org1/widgets/w9"});

  EXPECT_EQ(result.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store_.writes(), 0);
  EXPECT_EQ(users_.lookups(), 0);
}

TEST_F(GrantRulesTest, SetUserGrantsUnknownUserIsNotFound) {
  absl::StatusOr<std::vector<std::string>> result =
      SetUserGrants(admin_, {kResourceName}, "organizations/org1/users/ghost");

  EXPECT_EQ(result.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(result.status().message(), HasSubstr("ghost"));
  EXPECT_EQ(store_.writes(), 0);
}

TEST_F(GrantRulesTest, SetUserGrantsEmptySkipsIdentity) {
  users_.SetUnavailable(true);

  absl::StatusOr<std::vector<std::string>> result =
      SetUserGrants(admin_, {}, "organizations/org1/users/ghost");

  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_TRUE(result->empty());
  EXPECT_EQ(store_.writes(), 1);
  EXPECT_EQ(users_.lookups(), 0);
}

}  // namespace
}  // namespace ironorg::access

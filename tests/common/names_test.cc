#include "common/names.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ironorg::names {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr char kUserPattern[] = "organizations/{organization}/users/{user}";

TEST(ParseTest, ReturnsIdsInOrder) {
  absl::StatusOr<std::vector<std::string>> ids =
      Parse("organizations/o1/users/u-2", kUserPattern, "name");

  ASSERT_TRUE(ids.ok()) << ids.status();
  EXPECT_THAT(*ids, ElementsAre("o1", "u-2"));
}

TEST(ParseTest, AcceptsIdOf63Characters) {
  const std::string id(63, 'a');

  absl::StatusOr<std::vector<std::string>> ids =
      Parse("plans/" + id, "plans/{plan}", "name");

  ASSERT_TRUE(ids.ok()) << ids.status();
  EXPECT_THAT(*ids, ElementsAre(id));
}

TEST(ParseTest, EmptyNameIsRequired) {
  absl::StatusOr<std::vector<std::string>> ids =
      Parse("", kUserPattern, "name");

  ASSERT_EQ(ids.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(ids.status().message(), HasSubstr("name is required"));
}

TEST(ParseTest, RejectsNamesThatDoNotMatch) {
  const std::vector<std::string> bad_names = {
      "organizations/o1",                        // too short
      "organizations/o1/users/u1/apiTokens/t1",  // too long
      "organizations/o1/projects/u1",            // wrong collection
      "organizations/O1/users/u1",               // upper case
      "organizations/o_1/users/u1",              // underscore
      "organizations//users/u1",                 // empty id
      "organizations/o1/users/",                 // empty last id
      "/organizations/o1/users/u1",              // leading slash
      "organizations/o1/users/u1/",              // trailing slash
      "organizations/" + std::string(64, 'a') + "/users/u1",  // id too long
  };
  for (const std::string& name : bad_names) {
    absl::StatusOr<std::vector<std::string>> ids =
        Parse(name, kUserPattern, "user");
    ASSERT_EQ(ids.status().code(), absl::StatusCode::kInvalidArgument) << name;
    EXPECT_THAT(ids.status().message(), HasSubstr("user must have the form"))
        << name;
  }
}

TEST(ParseOrganizationTest, ReturnsId) {
  absl::StatusOr<std::string> id =
      ParseOrganization("organizations/o1", "parent");

  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_EQ(*id, "o1");
}

TEST(ParseOrganizationTest, RejectsChildName) {
  absl::StatusOr<std::string> id =
      ParseOrganization("organizations/o1/users/u1", "parent");

  EXPECT_EQ(id.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(BuildTest, OrganizationAndChild) {
  EXPECT_EQ(Organization("o1"), "organizations/o1");
  EXPECT_EQ(Child("o1", "projects", "p1"), "organizations/o1/projects/p1");
}

TEST(OrganizationOfTest, ReturnsPrefixOfNamesInside) {
  EXPECT_EQ(OrganizationOf("organizations/o1"), "organizations/o1");
  EXPECT_EQ(OrganizationOf("organizations/o1/projects/p1"), "organizations/o1");
  EXPECT_EQ(OrganizationOf("organizations/o1/users/u1/apiTokens/t1"),
            "organizations/o1");
}

TEST(OrganizationOfTest, ReturnsEmptyOutsideOrganizations) {
  EXPECT_EQ(OrganizationOf(""), "");
  EXPECT_EQ(OrganizationOf("plans/iron-mq-free"), "");
  EXPECT_EQ(OrganizationOf("organizations/"), "");
  EXPECT_EQ(OrganizationOf("organizations//users/u1"), "");
  EXPECT_EQ(OrganizationOf("organizations/O1/users/u1"), "");
  EXPECT_EQ(OrganizationOf("xorganizations/o1"), "");
}

TEST(IsValidIdTest, ChecksAlphabetAndLength) {
  EXPECT_TRUE(IsValidId("a"));
  EXPECT_TRUE(IsValidId("abc-123"));
  EXPECT_TRUE(IsValidId(std::string(63, 'z')));
  EXPECT_FALSE(IsValidId(""));
  EXPECT_FALSE(IsValidId(std::string(64, 'z')));
  EXPECT_FALSE(IsValidId("Abc"));
  EXPECT_FALSE(IsValidId("a.b"));
  EXPECT_FALSE(IsValidId("a/b"));
}

}  // namespace
}  // namespace ironorg::names

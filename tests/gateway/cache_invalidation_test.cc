#include "services/gateway/cache_invalidation.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ironorg/changes/v1/change_feed.pb.h"
#include "ironorg/clusters/v1/cluster.pb.h"
#include "ironorg/clusters/v1/cluster_access.pb.h"
#include "ironorg/identity/v1/auth.pb.h"
#include "ironorg/identity/v1/principal.pb.h"
#include "ironorg/identity/v1/user.pb.h"
#include "ironorg/projects/v1/project.pb.h"
#include "ironorg/projects/v1/project_access.pb.h"
#include "services/gateway/policy.h"

namespace ironorg::gateway {
namespace {

using ::ironorg::changes::v1::Change;
using ::ironorg::identity::v1::Principal;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr char kAlice[] = "organizations/o1/users/alice";
constexpr char kProject[] = "organizations/o1/projects/p1";
constexpr char kCluster[] = "organizations/o1/clusters/c1";

Principal Caller() {
  Principal principal;
  principal.set_kind(Principal::KIND_USER_ACCESS_TOKEN);
  principal.set_organization("organizations/o1");
  principal.set_user(kAlice);
  return principal;
}

Change NewChange(const std::string& type, const std::string& resource) {
  Change change;
  change.set_type(type);
  change.set_resource(resource);
  return change;
}

TEST(DropsOfCallTest, SetUserRoleDropsUser) {
  identity::v1::SetUserRoleRequest request;
  request.set_name(kAlice);

  const CacheDrops drops = DropsOfCall(
      "ironorg.identity.v1.UserService/SetUserRole", Principal(), request);

  EXPECT_THAT(drops.users, ElementsAre(kAlice));
  EXPECT_THAT(drops.resources, IsEmpty());
}

TEST(DropsOfCallTest, UpdateUserDropsUser) {
  identity::v1::UpdateUserRequest request;
  request.mutable_user()->set_name(kAlice);

  const CacheDrops drops = DropsOfCall(
      "ironorg.identity.v1.UserService/UpdateUser", Principal(), request);

  EXPECT_THAT(drops.users, ElementsAre(kAlice));
}

TEST(DropsOfCallTest, DeleteAndResetDropUser) {
  identity::v1::DeleteUserRequest delete_request;
  delete_request.set_name(kAlice);
  identity::v1::ResetUserPasswordRequest reset_request;
  reset_request.set_name(kAlice);

  EXPECT_THAT(DropsOfCall("ironorg.identity.v1.UserService/DeleteUser",
                          Principal(), delete_request)
                  .users,
              ElementsAre(kAlice));
  EXPECT_THAT(DropsOfCall("ironorg.identity.v1.UserService/ResetUserPassword",
                          Principal(), reset_request)
                  .users,
              ElementsAre(kAlice));
}

TEST(DropsOfCallTest, LogoutAndChangePasswordDropCaller) {
  EXPECT_THAT(DropsOfCall("ironorg.identity.v1.AuthService/Logout", Caller(),
                          identity::v1::LogoutRequest())
                  .users,
              ElementsAre(kAlice));
  EXPECT_THAT(DropsOfCall("ironorg.identity.v1.AuthService/ChangePassword",
                          Caller(), identity::v1::ChangePasswordRequest())
                  .users,
              ElementsAre(kAlice));
}

TEST(DropsOfCallTest, RevokeApiTokenDropsOwner) {
  identity::v1::RevokeApiTokenRequest request;
  request.set_name(std::string(kAlice) + "/apiTokens/t1");

  const CacheDrops drops = DropsOfCall(
      "ironorg.identity.v1.AuthService/RevokeApiToken", Principal(), request);

  EXPECT_THAT(drops.users, ElementsAre(kAlice));
}

TEST(DropsOfCallTest, RevokeProjectAccessDropsUserAndProject) {
  projects::v1::RevokeProjectAccessRequest request;
  request.set_project(kProject);
  request.set_user(kAlice);

  const CacheDrops drops = DropsOfCall(
      "ironorg.projects.v1.ProjectAccessService/RevokeProjectAccess",
      Principal(), request);

  EXPECT_THAT(drops.users, ElementsAre(kAlice));
  EXPECT_THAT(drops.resources, ElementsAre(kProject));
}

TEST(DropsOfCallTest, SetUserClustersDropsUser) {
  clusters::v1::SetUserClustersRequest request;
  request.set_user(kAlice);
  request.add_clusters(kCluster);

  const CacheDrops drops = DropsOfCall(
      "ironorg.clusters.v1.ClusterAccessService/SetUserClusters", Principal(),
      request);

  EXPECT_THAT(drops.users, ElementsAre(kAlice));
}

TEST(DropsOfCallTest, RotateAndDeleteClusterDropCluster) {
  clusters::v1::RotateClusterTokenRequest rotate_request;
  rotate_request.set_name(kCluster);
  clusters::v1::DeleteClusterRequest delete_request;
  delete_request.set_name(kCluster);

  EXPECT_THAT(
      DropsOfCall("ironorg.clusters.v1.ClusterService/RotateClusterToken",
                  Principal(), rotate_request)
          .resources,
      ElementsAre(kCluster));
  EXPECT_THAT(DropsOfCall("ironorg.clusters.v1.ClusterService/DeleteCluster",
                          Principal(), delete_request)
                  .resources,
              ElementsAre(kCluster));
}

TEST(DropsOfCallTest, DeleteProjectDropsProject) {
  projects::v1::DeleteProjectRequest request;
  request.set_name(kProject);

  const CacheDrops drops = DropsOfCall(
      "ironorg.projects.v1.ProjectService/DeleteProject", Principal(), request);

  EXPECT_THAT(drops.resources, ElementsAre(kProject));
}

TEST(DropsOfCallTest, ReadCallDropsNothing) {
  identity::v1::GetUserRequest request;
  request.set_name(kAlice);

  EXPECT_TRUE(
      DropsOfCall("ironorg.identity.v1.UserService/GetUser", Caller(), request)
          .empty());
}

TEST(DropsOfChangeTest, UserChangesDropUser) {
  for (const char* type : {"user.updated", "user.role_changed", "user.deleted",
                           "user.tokens_revoked"}) {
    EXPECT_THAT(DropsOfChange(NewChange(type, kAlice)).users,
                ElementsAre(kAlice))
        << type;
  }
}

TEST(DropsOfChangeTest, UserCreatedDropsNothing) {
  EXPECT_TRUE(DropsOfChange(NewChange("user.created", kAlice)).empty());
}

TEST(DropsOfChangeTest, ResourceChangesDropResource) {
  for (const char* type :
       {"project.access_granted", "project.access_revoked", "project.deleted"}) {
    EXPECT_THAT(DropsOfChange(NewChange(type, kProject)).resources,
                ElementsAre(kProject))
        << type;
  }
  for (const char* type : {"cluster.access_granted", "cluster.access_revoked",
                           "cluster.deleted", "cluster.token_rotated"}) {
    EXPECT_THAT(DropsOfChange(NewChange(type, kCluster)).resources,
                ElementsAre(kCluster))
        << type;
  }
}

TEST(DropsOfChangeTest, ProjectUpdatedDropsNothing) {
  EXPECT_TRUE(DropsOfChange(NewChange("project.updated", kProject)).empty());
}

TEST(ApplyDropsTest, DropsUserEntries) {
  AccessCacheOptions options;
  AccessCache cache(options);
  cache.MarkFeedCurrent(cache.AddFeed("identity"), absl::Now());
  Principal principal = Caller();
  cache.InsertToken("token-a", principal, absl::InfiniteFuture(),
                    cache.generation());
  ASSERT_TRUE(cache.LookupToken("token-a").has_value());

  ApplyDrops(DropsOfChange(NewChange("user.role_changed", kAlice)), cache);

  EXPECT_FALSE(cache.LookupToken("token-a").has_value());
}

}  // namespace
}  // namespace ironorg::gateway

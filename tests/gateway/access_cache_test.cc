#include "services/gateway/access_cache.h"

#include <optional>
#include <string>

#include "gtest/gtest.h"
#include "ironorg/identity/v1/principal.pb.h"

namespace ironorg::gateway {
namespace {

using ::ironorg::identity::v1::Principal;

constexpr char kAlice[] = "organizations/o1/users/alice";
constexpr char kBob[] = "organizations/o1/users/bob";
constexpr char kProject[] = "organizations/o1/projects/p1";
constexpr char kCluster[] = "organizations/o1/clusters/c1";

Principal UserPrincipal(const std::string& user) {
  Principal principal;
  principal.set_kind(Principal::KIND_USER_ACCESS_TOKEN);
  principal.set_organization("organizations/o1");
  principal.set_user(user);
  principal.set_role(identity::v1::ROLE_ADMIN);
  return principal;
}

Principal ClusterPrincipal(const std::string& cluster) {
  Principal principal;
  principal.set_kind(Principal::KIND_CLUSTER_TOKEN);
  principal.set_organization("organizations/o1");
  principal.set_cluster(cluster);
  return principal;
}

// A cache on a manual clock with one feed, current at the start.
class AccessCacheTest : public ::testing::Test {
 protected:
  explicit AccessCacheTest(int max_entries = 3) {
    AccessCacheOptions options;
    options.max_entries = max_entries;
    options.ttl = absl::Seconds(60);
    options.staleness_bound = absl::Seconds(1);
    options.clock = [this] { return now_; };
    cache_.emplace(options);
    feed_ = cache_->AddFeed("identity");
    cache_->MarkFeedCurrent(feed_, now_);
  }

  void InsertAlice(absl::string_view token) {
    cache_->InsertToken(token, UserPrincipal(kAlice), absl::InfiniteFuture(),
                        cache_->generation());
  }

  absl::Time now_ = absl::FromUnixSeconds(1'800'000'000);
  std::optional<AccessCache> cache_;
  int feed_ = 0;
};

TEST_F(AccessCacheTest, TokenMissWhenEmpty) {
  EXPECT_FALSE(cache_->LookupToken("token-a").has_value());
}

TEST_F(AccessCacheTest, TokenHitAfterInsert) {
  InsertAlice("token-a");

  const std::optional<Principal> cached = cache_->LookupToken("token-a");

  ASSERT_TRUE(cached.has_value());
  EXPECT_EQ(cached->user(), kAlice);
  EXPECT_EQ(cached->role(), identity::v1::ROLE_ADMIN);
}

TEST_F(AccessCacheTest, TokenMissForOtherToken) {
  InsertAlice("token-a");

  EXPECT_FALSE(cache_->LookupToken("token-b").has_value());
}

TEST_F(AccessCacheTest, TokenExpiresWithToken) {
  cache_->InsertToken("token-a", UserPrincipal(kAlice),
                      now_ + absl::Seconds(5), cache_->generation());
  now_ += absl::Seconds(4);
  cache_->MarkFeedCurrent(feed_, now_);
  ASSERT_TRUE(cache_->LookupToken("token-a").has_value());

  now_ += absl::Seconds(1);
  cache_->MarkFeedCurrent(feed_, now_);

  EXPECT_FALSE(cache_->LookupToken("token-a").has_value());
}

TEST_F(AccessCacheTest, TokenExpiresWithTtl) {
  InsertAlice("token-a");
  now_ += absl::Seconds(60);
  cache_->MarkFeedCurrent(feed_, now_);

  EXPECT_FALSE(cache_->LookupToken("token-a").has_value());
}

TEST_F(AccessCacheTest, EvictsLeastRecentlyUsed) {
  InsertAlice("token-a");
  InsertAlice("token-b");
  InsertAlice("token-c");
  ASSERT_TRUE(cache_->LookupToken("token-a").has_value());

  InsertAlice("token-d");

  EXPECT_EQ(cache_->token_entries(), 3u);
  EXPECT_TRUE(cache_->LookupToken("token-a").has_value());
  EXPECT_FALSE(cache_->LookupToken("token-b").has_value());
  EXPECT_TRUE(cache_->LookupToken("token-c").has_value());
  EXPECT_TRUE(cache_->LookupToken("token-d").has_value());
}

TEST_F(AccessCacheTest, DropUserDropsOnlyTheirTokens) {
  InsertAlice("token-a");
  cache_->InsertToken("token-b", UserPrincipal(kBob), absl::InfiniteFuture(),
                      cache_->generation());

  cache_->DropUser(kAlice);

  EXPECT_FALSE(cache_->LookupToken("token-a").has_value());
  EXPECT_TRUE(cache_->LookupToken("token-b").has_value());
}

TEST_F(AccessCacheTest, DropUserDropsTheirGrants) {
  cache_->InsertGrant(GrantKind::kProject, kAlice, kProject, true,
                      cache_->generation());
  cache_->InsertGrant(GrantKind::kProject, kBob, kProject, true,
                      cache_->generation());

  cache_->DropUser(kAlice);

  EXPECT_FALSE(
      cache_->LookupGrant(GrantKind::kProject, kAlice, kProject).has_value());
  EXPECT_TRUE(
      cache_->LookupGrant(GrantKind::kProject, kBob, kProject).has_value());
}

TEST_F(AccessCacheTest, GrantHitKeepsResult) {
  cache_->InsertGrant(GrantKind::kProject, kAlice, kProject, false,
                      cache_->generation());

  const std::optional<bool> granted =
      cache_->LookupGrant(GrantKind::kProject, kAlice, kProject);

  ASSERT_TRUE(granted.has_value());
  EXPECT_FALSE(*granted);
}

TEST_F(AccessCacheTest, GrantKindsAreSeparate) {
  cache_->InsertGrant(GrantKind::kProject, kAlice, kProject, true,
                      cache_->generation());

  EXPECT_FALSE(
      cache_->LookupGrant(GrantKind::kCluster, kAlice, kProject).has_value());
}

TEST_F(AccessCacheTest, DropResourceDropsGrantsOnIt) {
  cache_->InsertGrant(GrantKind::kProject, kAlice, kProject, true,
                      cache_->generation());
  cache_->InsertGrant(GrantKind::kCluster, kAlice, kCluster, true,
                      cache_->generation());

  cache_->DropResource(kProject);

  EXPECT_FALSE(
      cache_->LookupGrant(GrantKind::kProject, kAlice, kProject).has_value());
  EXPECT_TRUE(
      cache_->LookupGrant(GrantKind::kCluster, kAlice, kCluster).has_value());
}

TEST_F(AccessCacheTest, DropResourceDropsClusterTokens) {
  cache_->InsertToken("ioc_token", ClusterPrincipal(kCluster),
                      absl::InfiniteFuture(), cache_->generation());

  cache_->DropResource(kCluster);

  EXPECT_FALSE(cache_->LookupToken("ioc_token").has_value());
}

TEST_F(AccessCacheTest, InsertAfterDropIsSkipped) {
  const uint64_t generation = cache_->generation();
  cache_->DropUser(kBob);

  cache_->InsertToken("token-a", UserPrincipal(kAlice), absl::InfiniteFuture(),
                      generation);

  EXPECT_FALSE(cache_->LookupToken("token-a").has_value());
}

TEST_F(AccessCacheTest, ClearDropsEverything) {
  InsertAlice("token-a");
  cache_->InsertGrant(GrantKind::kProject, kAlice, kProject, true,
                      cache_->generation());

  cache_->Clear();

  EXPECT_EQ(cache_->token_entries(), 0u);
  EXPECT_EQ(cache_->grant_entries(), 0u);
}

TEST_F(AccessCacheTest, StaleFeedStopsServing) {
  InsertAlice("token-a");
  now_ += absl::Milliseconds(1001);

  EXPECT_FALSE(cache_->Serving());
  EXPECT_FALSE(cache_->LookupToken("token-a").has_value());
}

TEST_F(AccessCacheTest, CurrentFeedServesAgain) {
  InsertAlice("token-a");
  now_ += absl::Seconds(5);
  ASSERT_FALSE(cache_->LookupToken("token-a").has_value());

  cache_->MarkFeedCurrent(feed_, now_);

  EXPECT_TRUE(cache_->LookupToken("token-a").has_value());
}

TEST_F(AccessCacheTest, StaleFeedStoresNothing) {
  now_ += absl::Seconds(5);
  InsertAlice("token-a");
  cache_->MarkFeedCurrent(feed_, now_);

  EXPECT_EQ(cache_->token_entries(), 0u);
}

TEST_F(AccessCacheTest, NewFeedIsBehindUntilMarked) {
  InsertAlice("token-a");
  const int clusters_feed = cache_->AddFeed("clusters");
  ASSERT_FALSE(cache_->LookupToken("token-a").has_value());

  cache_->MarkFeedCurrent(clusters_feed, now_);

  EXPECT_TRUE(cache_->LookupToken("token-a").has_value());
}

class DisabledAccessCacheTest : public AccessCacheTest {
 protected:
  DisabledAccessCacheTest() : AccessCacheTest(0) {}
};

TEST_F(DisabledAccessCacheTest, StoresNothing) {
  InsertAlice("token-a");

  EXPECT_FALSE(cache_->enabled());
  EXPECT_FALSE(cache_->Serving());
  EXPECT_EQ(cache_->token_entries(), 0u);
  EXPECT_FALSE(cache_->LookupToken("token-a").has_value());
}

}  // namespace
}  // namespace ironorg::gateway

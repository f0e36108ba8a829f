// The gateway cache on each call: a token hit (SHA-256 of the token, then
// a map lookup under the mutex), a grant hit, and a token hit from several
// threads at once, which all take the same mutex.

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "benchmark/benchmark.h"
#include "ironorg/identity/v1/principal.pb.h"
#include "services/gateway/access_cache.h"

namespace ironorg::gateway {
namespace {

using ::ironorg::identity::v1::Principal;

constexpr char kOrganization[] = "organizations/o4kq9mz2x7c1vb";
constexpr int kTokens = 1000;

std::string UserName(int i) {
  return absl::StrCat(kOrganization, "/users/u", i);
}

// A distinct 47-character token for each `i` below 1000.
std::string Token(int i) {
  return absl::StrCat("iot_", std::string(40, 'x'), i % 10, (i / 10) % 10,
                      (i / 100) % 10);
}

// Returns a cache holding kTokens tokens and their grants, with its one
// feed marked current far into the future, so that it keeps serving for
// the whole run.
AccessCache& FilledCache() {
  static AccessCache* const cache = [] {
    AccessCacheOptions options;
    options.max_entries = 10000;
    options.ttl = absl::Hours(1);
    auto* filled = new AccessCache(options);
    filled->MarkFeedCurrent(filled->AddFeed("identity"),
                            absl::Now() + absl::Hours(1));
    for (int i = 0; i < kTokens; ++i) {
      Principal principal;
      principal.set_kind(Principal::KIND_USER_ACCESS_TOKEN);
      principal.set_organization(kOrganization);
      principal.set_user(UserName(i));
      principal.set_role(ironorg::identity::v1::ROLE_DEVELOPER);
      principal.set_token_id(absl::StrCat("t", i));
      filled->InsertToken(Token(i), principal, absl::InfiniteFuture(),
                          filled->generation());
      filled->InsertGrant(GrantKind::kProject, UserName(i),
                          absl::StrCat(kOrganization, "/projects/p", i), true,
                          filled->generation());
    }
    return filled;
  }();
  return *cache;
}

void BM_TokenCacheHit(benchmark::State& state) {
  AccessCache& cache = FilledCache();
  std::vector<std::string> tokens;
  for (int i = 0; i < kTokens; ++i) {
    tokens.push_back(Token(i));
  }
  int i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(cache.LookupToken(tokens[i]));
    i = (i + 1) % kTokens;
  }
}
BENCHMARK(BM_TokenCacheHit)->ThreadRange(1, 8)->UseRealTime();

void BM_TokenCacheMiss(benchmark::State& state) {
  AccessCache& cache = FilledCache();
  const std::string unknown = Token(kTokens + 1) + "-unknown";
  for (auto _ : state) {
    benchmark::DoNotOptimize(cache.LookupToken(unknown));
  }
}
BENCHMARK(BM_TokenCacheMiss);

void BM_GrantCacheHit(benchmark::State& state) {
  AccessCache& cache = FilledCache();
  const std::string user = UserName(7);
  const std::string project = absl::StrCat(kOrganization, "/projects/p7");
  for (auto _ : state) {
    benchmark::DoNotOptimize(
        cache.LookupGrant(GrantKind::kProject, user, project));
  }
}
BENCHMARK(BM_GrantCacheHit);

}  // namespace
}  // namespace ironorg::gateway

#include "services/gateway/access_cache.h"

#include <algorithm>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/crypto.h"
#include "common/metrics.h"

namespace ironorg::gateway {
namespace {

// Counts one lookup of `cache` ("token" or "grant") by `result`: "hit",
// "miss", or "stale" when a followed feed is behind and the cache is
// bypassed.
void CountLookup(absl::string_view cache, absl::string_view result) {
  static metrics::Counter& lookups = metrics::Registry::Default().AddCounter(
      "ironorg_gateway_cache_lookups_total",
      "Gateway cache lookups by cache and result.", {"cache", "result"});
  lookups.Increment({std::string(cache), std::string(result)});
}

using ::ironorg::identity::v1::Principal;

std::string TokenKey(absl::string_view token) {
  return crypto::Sha256Hex(token);
}

// The user and resource names cannot contain a NUL byte, so joining them
// with one keeps the keys of different pairs apart.
std::string GrantKey(GrantKind kind, absl::string_view user,
                     absl::string_view resource) {
  return absl::StrCat(static_cast<int>(kind), std::string(1, '\0'), user,
                      std::string(1, '\0'), resource);
}

}  // namespace

AccessCache::AccessCache(AccessCacheOptions options)
    : options_(std::move(options)),
      tokens_(static_cast<size_t>(std::max(options_.max_entries, 0))),
      grants_(static_cast<size_t>(std::max(options_.max_entries, 0))) {}

int AccessCache::AddFeed(absl::string_view name) {
  absl::MutexLock lock(&feeds_mutex_);
  feed_names_.emplace_back(name);
  feed_current_as_of_.push_back(absl::InfinitePast());
  return static_cast<int>(feed_names_.size()) - 1;
}

void AccessCache::MarkFeedCurrent(int feed, absl::Time as_of) {
  absl::MutexLock lock(&feeds_mutex_);
  if (feed < 0 || feed >= static_cast<int>(feed_current_as_of_.size())) {
    return;
  }
  feed_current_as_of_[static_cast<size_t>(feed)] = as_of;
}

bool AccessCache::Serving() const { return ServingAt(options_.clock()); }

bool AccessCache::ServingAt(absl::Time now) const {
  if (!enabled()) {
    return false;
  }
  absl::MutexLock lock(&feeds_mutex_);
  for (const absl::Time as_of : feed_current_as_of_) {
    if (now - as_of > options_.staleness_bound) {
      return false;
    }
  }
  return true;
}

std::optional<Principal> AccessCache::LookupToken(absl::string_view token) {
  const absl::Time now = options_.clock();
  if (!ServingAt(now)) {
    CountLookup("token", "stale");
    return std::nullopt;
  }
  const std::string key = TokenKey(token);
  absl::MutexLock lock(&mutex_);
  std::optional<Principal> found = tokens_.Find(key, now);
  CountLookup("token", found.has_value() ? "hit" : "miss");
  return found;
}

void AccessCache::InsertToken(absl::string_view token,
                              const Principal& principal,
                              absl::Time token_expire_time,
                              uint64_t generation) {
  const absl::Time now = options_.clock();
  if (!ServingAt(now)) {
    return;
  }
  const std::string owner = principal.kind() == Principal::KIND_CLUSTER_TOKEN
                                ? principal.cluster()
                                : principal.user();
  if (owner.empty()) {
    return;
  }
  const std::string key = TokenKey(token);
  const absl::Time expire_time = std::min(token_expire_time, now + options_.ttl);

  absl::MutexLock lock(&mutex_);
  // Drops and clears hold the mutex while they increment the generation,
  // so comparing here, under the mutex, cannot miss one.
  if (generation != generation_.load()) {
    return;
  }
  tokens_.Put(key, principal, expire_time, {owner});
}

std::optional<bool> AccessCache::LookupGrant(GrantKind kind,
                                             absl::string_view user,
                                             absl::string_view resource) {
  const absl::Time now = options_.clock();
  if (!ServingAt(now)) {
    CountLookup("grant", "stale");
    return std::nullopt;
  }
  const std::string key = GrantKey(kind, user, resource);
  absl::MutexLock lock(&mutex_);
  const std::optional<bool> found = grants_.Find(key, now);
  CountLookup("grant", found.has_value() ? "hit" : "miss");
  return found;
}

void AccessCache::InsertGrant(GrantKind kind, absl::string_view user,
                              absl::string_view resource, bool granted,
                              uint64_t generation) {
  const absl::Time now = options_.clock();
  if (!ServingAt(now) || user.empty() || resource.empty()) {
    return;
  }
  const std::string key = GrantKey(kind, user, resource);

  absl::MutexLock lock(&mutex_);
  if (generation != generation_.load()) {
    return;
  }
  grants_.Put(key, granted, now + options_.ttl,
              {std::string(user), std::string(resource)});
}

void AccessCache::DropUser(absl::string_view user) {
  absl::MutexLock lock(&mutex_);
  ++generation_;
  tokens_.DropOwner(user);
  grants_.DropOwner(user);
}

void AccessCache::DropResource(absl::string_view resource) {
  absl::MutexLock lock(&mutex_);
  ++generation_;
  tokens_.DropOwner(resource);
  grants_.DropOwner(resource);
}

void AccessCache::Clear() {
  absl::MutexLock lock(&mutex_);
  ++generation_;
  tokens_.Clear();
  grants_.Clear();
}

size_t AccessCache::token_entries() const {
  absl::MutexLock lock(&mutex_);
  return tokens_.size();
}

size_t AccessCache::grant_entries() const {
  absl::MutexLock lock(&mutex_);
  return grants_.size();
}

}  // namespace ironorg::gateway

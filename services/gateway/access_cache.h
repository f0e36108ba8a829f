// The gateway's cache of token introspections and grant checks.
//
// Two bounded tables, each evicting its least recently used entry when
// full:
//   - tokens: SHA-256 of a token -> the Principal it resolved to. The raw
//     token is never stored. An entry lives until the token's expiry or
//     the TTL cap, whichever comes first, and is indexed by its user (or,
//     for a cluster token, its cluster) so that a change drops it.
//   - grants: (kind, user, project or cluster) -> granted or not, with the
//     TTL cap, indexed by user and by resource.
//
// Staleness: the gateway follows the change feeds of identity, projects
// and clusters (change_feed_follower.h). Each follower reports the time up
// to which it has applied every change of its feed (MarkFeedCurrent). The
// cache serves entries only while every registered feed is current within
// `staleness_bound`, so a change committed at time t is enforced by
// t + staleness_bound on every gateway. Past the bound every lookup misses,
// and callers fall back to live checks until the follower catches up.
//
// Races: a lookup that starts before an invalidation may finish after it
// with the old result. So callers read generation() before the live check
// and pass it to Insert. The insert is skipped when any drop, clear or feed
// reset happened in between.
//
// Thread-safe: every method may be called from any thread.
#ifndef IRONORG_SERVICES_GATEWAY_ACCESS_CACHE_H_
#define IRONORG_SERVICES_GATEWAY_ACCESS_CACHE_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <list>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "ironorg/identity/v1/principal.pb.h"
#include "services/gateway/policy.h"

namespace ironorg::gateway {

struct AccessCacheOptions {
  // The maximum number of entries of each table; 0 disables the cache.
  int max_entries = 10000;

  // The maximum time an entry is served, whatever the token's expiry.
  absl::Duration ttl = absl::Seconds(60);

  // How far behind its feed a follower may be before the cache stops
  // serving entries.
  absl::Duration staleness_bound = absl::Seconds(1);

  // The clock; tests replace it.
  std::function<absl::Time()> clock = [] { return absl::Now(); };
};

// A bounded least-recently-used map from a key to a value, with an expiry
// per entry and an index from owner names (a user, a project, a cluster)
// to the keys they own. Not thread-safe: AccessCache holds its mutex.
template <typename Value>
class OwnedLruTable {
 public:
  explicit OwnedLruTable(size_t max_entries) : max_entries_(max_entries) {}

  // Returns the value of `key` and marks it recently used, or nullopt when
  // there is none or it expired at `now`.
  std::optional<Value> Find(const std::string& key, absl::Time now);

  // Inserts or replaces `key`, evicting the least recently used entry when
  // the table is full.
  void Put(const std::string& key, Value value, absl::Time expire_time,
           std::vector<std::string> owners);

  // Removes every entry owned by `owner`.
  void DropOwner(absl::string_view owner);

  void Clear();
  size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    Value value;
    absl::Time expire_time;
    std::vector<std::string> owners;
    typename std::list<std::string>::iterator recency;
  };

  void Erase(const std::string& key);

  const size_t max_entries_;
  absl::flat_hash_map<std::string, Entry> entries_;
  // Keys, the most recently used first.
  std::list<std::string> recency_;
  absl::flat_hash_map<std::string, absl::flat_hash_set<std::string>>
      keys_by_owner_;
};

class AccessCache final {
 public:
  explicit AccessCache(AccessCacheOptions options);

  AccessCache(const AccessCache&) = delete;
  AccessCache& operator=(const AccessCache&) = delete;

  // False when max_entries is 0: every lookup misses and nothing is
  // stored.
  bool enabled() const { return options_.max_entries > 0; }

  const AccessCacheOptions& options() const { return options_; }

  // Registers a change feed whose follower must stay current for the cache
  // to serve. Returns its index for MarkFeedCurrent. Until the first
  // MarkFeedCurrent, the feed counts as behind.
  int AddFeed(absl::string_view name);

  // Records that every change of feed `feed` committed before `as_of` has
  // been applied.
  void MarkFeedCurrent(int feed, absl::Time as_of);

  // Returns true when every registered feed is current within the
  // staleness bound, so that entries may be served and stored.
  bool Serving() const;

  // Returns the counter that every drop, clear and feed reset increments;
  // read it before a live check and pass it to the matching Insert.
  uint64_t generation() const { return generation_.load(); }

  // Returns the cached principal of `token`, or nullopt on a miss.
  std::optional<ironorg::identity::v1::Principal> LookupToken(
      absl::string_view token);

  // Stores the principal that `token` resolved to, until `token_expire_time`
  // (absl::InfiniteFuture() when the token does not expire) or the TTL cap.
  // Skipped when `generation` is no longer current or the cache is not
  // serving.
  void InsertToken(absl::string_view token,
                   const ironorg::identity::v1::Principal& principal,
                   absl::Time token_expire_time, uint64_t generation);

  // Returns the cached result of whether `user` has a grant of `kind` on
  // `resource`, or nullopt on a miss.
  std::optional<bool> LookupGrant(GrantKind kind, absl::string_view user,
                                  absl::string_view resource);

  // Stores the result of a grant check, as InsertToken does.
  void InsertGrant(GrantKind kind, absl::string_view user,
                   absl::string_view resource, bool granted,
                   uint64_t generation);

  // Drops the tokens of `user` (organizations/{organization}/users/{user})
  // and every grant result naming them.
  void DropUser(absl::string_view user);

  // Drops every grant result on `resource` (a project or cluster name)
  // and, for a cluster, the cluster tokens resolving to it.
  void DropResource(absl::string_view resource);

  // Drops everything, as after a follower lost its place in a feed.
  void Clear();

  size_t token_entries() const;
  size_t grant_entries() const;

 private:
  bool ServingAt(absl::Time now) const;

  const AccessCacheOptions options_;
  std::atomic<uint64_t> generation_{0};

  mutable absl::Mutex feeds_mutex_;
  std::vector<std::string> feed_names_ ABSL_GUARDED_BY(feeds_mutex_);
  std::vector<absl::Time> feed_current_as_of_ ABSL_GUARDED_BY(feeds_mutex_);

  mutable absl::Mutex mutex_;
  OwnedLruTable<ironorg::identity::v1::Principal> tokens_
      ABSL_GUARDED_BY(mutex_);
  OwnedLruTable<bool> grants_ ABSL_GUARDED_BY(mutex_);
};

// Implementation of the template.

template <typename Value>
std::optional<Value> OwnedLruTable<Value>::Find(const std::string& key,
                                                absl::Time now) {
  auto it = entries_.find(key);
  if (it == entries_.end()) {
    return std::nullopt;
  }
  if (it->second.expire_time <= now) {
    Erase(key);
    return std::nullopt;
  }
  recency_.splice(recency_.begin(), recency_, it->second.recency);
  return it->second.value;
}

template <typename Value>
void OwnedLruTable<Value>::Put(const std::string& key, Value value,
                               absl::Time expire_time,
                               std::vector<std::string> owners) {
  if (max_entries_ == 0) {
    return;
  }
  Erase(key);
  while (entries_.size() >= max_entries_ && !recency_.empty()) {
    Erase(recency_.back());
  }
  recency_.push_front(key);
  for (const std::string& owner : owners) {
    keys_by_owner_[owner].insert(key);
  }
  entries_.emplace(key, Entry{std::move(value), expire_time, std::move(owners),
                              recency_.begin()});
}

template <typename Value>
void OwnedLruTable<Value>::DropOwner(absl::string_view owner) {
  auto it = keys_by_owner_.find(owner);
  if (it == keys_by_owner_.end()) {
    return;
  }
  // Erase edits the index, so work on a copy of the owner's keys.
  const absl::flat_hash_set<std::string> keys = it->second;
  for (const std::string& key : keys) {
    Erase(key);
  }
}

template <typename Value>
void OwnedLruTable<Value>::Clear() {
  entries_.clear();
  recency_.clear();
  keys_by_owner_.clear();
}

template <typename Value>
void OwnedLruTable<Value>::Erase(const std::string& key) {
  auto it = entries_.find(key);
  if (it == entries_.end()) {
    return;
  }
  for (const std::string& owner : it->second.owners) {
    auto owned = keys_by_owner_.find(owner);
    if (owned == keys_by_owner_.end()) {
      continue;
    }
    owned->second.erase(key);
    if (owned->second.empty()) {
      keys_by_owner_.erase(owned);
    }
  }
  recency_.erase(it->second.recency);
  entries_.erase(it);
}

}  // namespace ironorg::gateway

#endif  // IRONORG_SERVICES_GATEWAY_ACCESS_CACHE_H_

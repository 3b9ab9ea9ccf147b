// BoundedMap<Entry>: string keys to Entry values, split into mutex-striped shards, holding at
// most `max_keys` entries in total. The memory behind the in-memory rate limiter and lockout
// tracker, which must not grow with the number of distinct keys an attacker sends.
//
// When a shard is full and a new key arrives, the shard first drops every entry that has become
// expendable (Entry::expendable_at() <= now: forgetting it changes no future decision), then,
// if still full, the entry touched longest ago. New keys are never refused: refusing would let
// anyone who sends enough distinct keys block every new user. The price is that a flood of new
// keys can evict a live entry; see the users' headers for what that means for them.
//
// Entry needs `Clock::TimePoint expendable_at() const`. Thread-safe.
#pragma once

#include <cstddef>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/check.h"
#include "base/clock.h"

namespace caas::auth::detail {

template <typename Entry>
class BoundedMap {
 public:
  // `shards` mutex stripes (fewer when max_keys is smaller), each holding max_keys / shards.
  static constexpr std::size_t kDefaultShards = 16;

  explicit BoundedMap(std::size_t max_keys, std::size_t shards = kDefaultShards) {
    CAAS_CHECK(max_keys > 0 && shards > 0);
    shards = max_keys < shards ? max_keys : shards;
    for (std::size_t i = 0; i < shards; ++i) {
      shards_.push_back(std::make_unique<Shard>(max_keys / shards));
    }
  }

  // Runs `fn(Entry&)` under the shard's lock on the entry for `key`, created from `make()` if
  // absent (evicting as described above), and marks it as touched. Returns fn's result.
  template <typename Make, typename Fn>
  auto with_entry(std::string_view key, Clock::TimePoint now, Make make, Fn fn) {
    Shard& shard = shard_for(key);
    std::lock_guard lock(shard.mu);
    return fn(shard.find_or_insert(key, now, make));
  }

  // Runs `fn(const Entry*)` under the shard's lock: nullptr when `key` has no entry. Does not
  // create an entry, nor count as a touch.
  template <typename Fn>
  auto with_existing(std::string_view key, Fn fn) {
    Shard& shard = shard_for(key);
    std::lock_guard lock(shard.mu);
    auto it = shard.index.find(key);
    return fn(it == shard.index.end() ? nullptr : &it->second->entry);
  }

  void erase(std::string_view key) {
    Shard& shard = shard_for(key);
    std::lock_guard lock(shard.mu);
    auto it = shard.index.find(key);
    if (it != shard.index.end()) {
      shard.lru.erase(it->second);
      shard.index.erase(it);
    }
  }

  // Entries held, over all shards.
  [[nodiscard]] std::size_t size() const {
    std::size_t total = 0;
    for (const auto& shard : shards_) {
      std::lock_guard lock(shard->mu);
      total += shard->index.size();
    }
    return total;
  }

 private:
  struct Node {
    std::string key;
    Entry entry;
  };
  using Lru = std::list<Node>;  // front: touched longest ago

  struct Shard {
    explicit Shard(std::size_t max_entries) : capacity(max_entries) {}

    template <typename Make>
    Entry& find_or_insert(std::string_view key, Clock::TimePoint now, Make& make) {
      auto it = index.find(key);
      if (it != index.end()) {
        lru.splice(lru.end(), lru, it->second);
        return it->second->entry;
      }
      if (index.size() >= capacity) {
        make_room(now);
      }
      lru.push_back(Node{std::string(key), make()});
      // The index views the node's own string; list nodes never move.
      index.emplace(lru.back().key, std::prev(lru.end()));
      return lru.back().entry;
    }

    void make_room(Clock::TimePoint now) {
      // A sweep costs a pass over the shard, so sweep only once something can have become
      // expendable since the last one (entries touched since may be missed: they are young).
      if (now >= next_sweep) {
        sweep(now);
      }
      if (index.size() >= capacity) {
        index.erase(lru.front().key);
        lru.pop_front();
      }
    }

    void sweep(Clock::TimePoint now) {
      next_sweep = Clock::TimePoint::max();
      for (auto it = lru.begin(); it != lru.end();) {
        Clock::TimePoint at = it->entry.expendable_at();
        if (at <= now) {
          index.erase(it->key);
          it = lru.erase(it);
        } else {
          next_sweep = at < next_sweep ? at : next_sweep;
          ++it;
        }
      }
    }

    mutable std::mutex mu;
    std::size_t capacity;
    Clock::TimePoint next_sweep = Clock::TimePoint::min();
    Lru lru;
    std::unordered_map<std::string_view, typename Lru::iterator> index;
  };

  // TODO(auth): key the hash (SipHash) so that chosen keys cannot pile into one shard or one
  // hash chain; std::hash is unkeyed.
  Shard& shard_for(std::string_view key) {
    return *shards_[std::hash<std::string_view>{}(key) % shards_.size()];
  }

  std::vector<std::unique_ptr<Shard>> shards_;
};

}  // namespace caas::auth::detail

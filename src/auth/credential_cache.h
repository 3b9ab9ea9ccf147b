// CredentialCache: bearer credentials checked recently, so that a request does not read the
// database to learn who is calling (transit answers thousands of requests a second).
//
// An entry is trusted for `ttl` after it was read from the database. Revocations made on this
// node (logout, API key revoked, password change, TOTP switch) erase entries at once; one made
// on another node sharing the database takes effect here within `ttl`. A ttl of zero disables
// the cache. Bounded: when full, the whole cache is dropped (entries are cheap to re-read).
//
// Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "auth/principal.h"

namespace caas::auth {

class CredentialCache {
 public:
  struct Entry {
    Principal principal;
    std::int64_t session_expires_at = 0;  // sessions: the absolute expiry
    std::int64_t last_seen = 0;           // sessions: the idle clock as last written
    std::int64_t checked_at = 0;          // when it was read from the database
  };

  explicit CredentialCache(std::chrono::seconds ttl, std::size_t max_entries = 100'000)
      : ttl_(ttl.count()), max_entries_(max_entries) {}

  // The entry for `hash` if it was read less than ttl ago.
  std::optional<Entry> find(const std::string& hash, std::int64_t now);
  void put(const std::string& hash, Entry entry);
  void set_last_seen(const std::string& hash, std::int64_t last_seen);
  void erase(const std::string& hash);
  // Every session and API key of `user_id` except the credential `keep_hash`.
  void erase_user(std::string_view user_id, std::string_view keep_hash);
  void erase_api_key(std::string_view key_id);

 private:
  std::int64_t ttl_;
  std::size_t max_entries_;
  std::mutex mutex_;
  std::unordered_map<std::string, Entry> entries_;
};

}  // namespace caas::auth

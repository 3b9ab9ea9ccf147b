#include "auth/credential_cache.h"

#include <iterator>

namespace caas::auth {

std::optional<CredentialCache::Entry> CredentialCache::find(const std::string& hash,
                                                            std::int64_t now) {
  if (ttl_ <= 0) {
    return std::nullopt;
  }
  std::lock_guard lock(mutex_);
  auto found = entries_.find(hash);
  if (found == entries_.end()) {
    return std::nullopt;
  }
  if (now - found->second.checked_at >= ttl_ || now < found->second.checked_at) {
    entries_.erase(found);
    return std::nullopt;
  }
  return found->second;
}

void CredentialCache::put(const std::string& hash, Entry entry) {
  if (ttl_ <= 0) {
    return;
  }
  std::lock_guard lock(mutex_);
  if (entries_.size() >= max_entries_) {
    entries_.clear();
  }
  entries_.insert_or_assign(hash, std::move(entry));
}

void CredentialCache::set_last_seen(const std::string& hash, std::int64_t last_seen) {
  std::lock_guard lock(mutex_);
  if (auto found = entries_.find(hash); found != entries_.end()) {
    found->second.last_seen = last_seen;
  }
}

void CredentialCache::erase(const std::string& hash) {
  std::lock_guard lock(mutex_);
  entries_.erase(hash);
}

void CredentialCache::erase_user(std::string_view user_id, std::string_view keep_hash) {
  std::lock_guard lock(mutex_);
  std::erase_if(entries_, [&](const auto& item) {
    return item.second.principal.user_id == user_id && item.first != keep_hash;
  });
}

void CredentialCache::erase_api_key(std::string_view key_id) {
  std::lock_guard lock(mutex_);
  std::erase_if(entries_, [&](const auto& item) {
    return item.second.principal.kind == Principal::Kind::kApiKey &&
           item.second.principal.api_key_id == key_id;
  });
}

}  // namespace caas::auth

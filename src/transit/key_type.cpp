#include "transit/key_type.h"

#include <array>
#include <utility>

#include "base/check.h"

namespace caas::transit {
namespace {

constexpr std::array<std::pair<KeyType, std::string_view>, 6> kNames = {{
    {KeyType::kAes256Gcm, "aes256-gcm"},
    {KeyType::kChaCha20Poly1305, "chacha20-poly1305"},
    {KeyType::kXChaCha20Poly1305, "xchacha20-poly1305"},
    {KeyType::kEd25519, "ed25519"},
    {KeyType::kRsa3072, "rsa-3072"},
    {KeyType::kHmac, "hmac"},
}};

}  // namespace

std::optional<KeyType> parse_key_type(std::string_view name) {
  for (const auto& [type, type_name] : kNames) {
    if (name == type_name) {
      return type;
    }
  }
  return std::nullopt;
}

std::string_view key_type_name(KeyType type) {
  for (const auto& [known, name] : kNames) {
    if (known == type) {
      return name;
    }
  }
  CAAS_CHECK(false);  // every enumerator is in kNames
  return {};
}

bool is_aead(KeyType type) {
  return type == KeyType::kAes256Gcm || type == KeyType::kChaCha20Poly1305 ||
         type == KeyType::kXChaCha20Poly1305;
}

bool can_encrypt(KeyType type) { return is_aead(type) || type == KeyType::kRsa3072; }

bool can_sign(KeyType type) { return type == KeyType::kEd25519 || type == KeyType::kRsa3072; }

bool can_hmac(KeyType type) { return type == KeyType::kHmac; }

bool can_derive(KeyType type) { return is_aead(type) || type == KeyType::kHmac; }

bool has_nonce_limit(KeyType type) {
  return type == KeyType::kAes256Gcm || type == KeyType::kChaCha20Poly1305;
}

}  // namespace caas::transit

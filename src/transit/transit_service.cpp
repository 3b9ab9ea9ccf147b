#include "transit/transit_service.h"

#include <algorithm>
#include <charconv>

#include <spdlog/spdlog.h>

#include "base/base64.h"
#include "base/time_format.h"
#include "crypto/hkdf.h"
#include "crypto/random.h"
#include "crypto/xchacha20_poly1305.h"
#include "transit/ciphertext.h"
#include "transit/key_material.h"

namespace caas::transit {
namespace {

constexpr std::string_view kTransitKeyName = "transit";

std::string cache_key(std::string_view owner, std::string_view name) {
  std::string key(owner);
  key.push_back('\0');
  key.append(name);
  return key;
}

Status no_such_key() { return error(ErrorCode::kNotFound, "no such transit key"); }

// "caas/v1/transit-key" | owner | name | version, each length-prefixed.
Bytes material_aad(std::string_view owner, std::string_view name, std::int64_t version) {
  Bytes aad;
  for (std::string_view field :
       {std::string_view("caas/v1/transit-key"), owner, name, std::string_view()}) {
    std::string text = field.data() == nullptr ? std::to_string(version) : std::string(field);
    const auto size = static_cast<std::uint32_t>(text.size());
    for (int shift = 24; shift >= 0; shift -= 8) {
      aad.push_back(static_cast<std::uint8_t>(size >> shift));
    }
    aad.insert(aad.end(), text.begin(), text.end());
  }
  return aad;
}

Result<crypto::XChaCha20Poly1305> material_aead(ByteSpan transit_key) {
  CAAS_ASSIGN_OR_RETURN(
      crypto::SecretArray<32> key,
      crypto::hkdf_sha256_key(transit_key, {}, as_bytes("caas/v1/transit-material")));
  return crypto::XChaCha20Poly1305::create(key);
}

Result<std::string> seal_material(const kms::Keyring& keyring, std::string_view owner,
                                  std::string_view name, std::int64_t version,
                                  const crypto::SecretBytes& material) {
  CAAS_ASSIGN_OR_RETURN(kms::KeyVersion transit_key, keyring.latest(kTransitKeyName));
  CAAS_ASSIGN_OR_RETURN(crypto::XChaCha20Poly1305 aead, material_aead(transit_key.key));
  Bytes nonce = crypto::random_bytes(crypto::XChaCha20Poly1305::kNonceBytes);
  Bytes aad = material_aad(owner, name, version);
  CAAS_ASSIGN_OR_RETURN(Bytes sealed_bytes,
                        aead.seal(crypto::Nonce(nonce), material.expose(), crypto::Aad(aad)));
  nonce.insert(nonce.end(), sealed_bytes.begin(), sealed_bytes.end());
  return "v" + std::to_string(transit_key.version) + ":" + base64_encode(nonce);
}

Result<crypto::SecretBytes> open_material(const kms::Keyring& keyring,
                                          const meta::TransitKeyVersionRecord& record) {
  auto corrupt = [&] {
    return error(ErrorCode::kDataLoss, "transit key " + record.name + " v" +
                                           std::to_string(record.version) + " does not open");
  };
  const std::string& text = record.sealed_material;
  std::size_t colon = text.find(':');
  std::uint32_t keyring_version = 0;
  if (text.size() < 3 || text[0] != 'v' || colon == std::string::npos ||
      std::from_chars(text.data() + 1, text.data() + colon, keyring_version).ptr !=
          text.data() + colon) {
    return corrupt();
  }
  Result<Bytes> raw = base64_decode(std::string_view(text).substr(colon + 1));
  Result<ByteSpan> transit_key = keyring.key(kTransitKeyName, keyring_version);
  if (!raw.ok() || !transit_key.ok() ||
      raw->size() < crypto::XChaCha20Poly1305::kNonceBytes + crypto::kAeadTagBytes) {
    return corrupt();
  }
  CAAS_ASSIGN_OR_RETURN(crypto::XChaCha20Poly1305 aead, material_aead(*transit_key));
  ByteSpan all(*raw);
  Bytes aad = material_aad(record.owner_id, record.name, record.version);
  Result<crypto::SecretBytes> material =
      aead.open(crypto::Nonce(all.first(crypto::XChaCha20Poly1305::kNonceBytes)),
                all.subspan(crypto::XChaCha20Poly1305::kNonceBytes), crypto::Aad(aad));
  if (!material.ok()) {
    return corrupt();
  }
  return material;
}

}  // namespace

TransitService::TransitService(meta::TransitStore& store, kms::SealManager& seal,
                               kms::AuditLog& audit, const Clock& clock, TransitConfig config)
    : store_(store), seal_(seal), audit_(audit), clock_(clock), config_(config) {}

void TransitService::clear_cache() {
  std::unique_lock lock(cache_mutex_);
  cache_.clear();
}

// Builds the ciphers of every version the cache lacks, and re-reads the key's record.
Status TransitService::refresh(CachedKey& key, const kms::Keyring& keyring) {
  CAAS_ASSIGN_OR_RETURN(std::optional<meta::TransitKeyRecord> record,
                        store_.find_key(key.record.owner_id, key.record.name));
  if (!record) {
    return no_such_key();
  }
  key.record = *record;
  if (key.versions.size() < static_cast<std::size_t>(record->latest_version)) {
    CAAS_ASSIGN_OR_RETURN(std::vector<meta::TransitKeyVersionRecord> versions,
                          store_.key_versions(record->owner_id, record->name));
    for (const meta::TransitKeyVersionRecord& version : versions) {
      if (version.version <= static_cast<std::int64_t>(key.versions.size())) {
        continue;
      }
      if (version.version != static_cast<std::int64_t>(key.versions.size()) + 1) {
        return error(ErrorCode::kDataLoss, "transit key " + record->name + " misses a version");
      }
      CAAS_ASSIGN_OR_RETURN(crypto::SecretBytes material, open_material(keyring, version));
      CAAS_ASSIGN_OR_RETURN(std::shared_ptr<const KeyVersionCipher> cipher,
                            KeyVersionCipher::create(key.type, record->derived, record->name,
                                                     static_cast<std::uint32_t>(version.version),
                                                     std::move(material)));
      key.versions.push_back({std::move(cipher), version.created_at, version.encryptions_reserved,
                              version.encryptions_reserved});
    }
  }
  key.loaded_at = clock_.now();
  return ok_status();
}

Result<std::shared_ptr<TransitService::CachedKey>> TransitService::load(std::string_view owner,
                                                                        std::string_view name) {
  std::shared_ptr<const kms::Keyring> keyring = seal_.keyring();
  if (!keyring) {
    return kms::sealed_error();
  }
  const std::string id = cache_key(owner, name);
  std::shared_ptr<CachedKey> key;
  {
    std::shared_lock lock(cache_mutex_);
    if (auto found = cache_.find(id); found != cache_.end()) {
      key = found->second;
    }
  }
  if (key) {
    std::lock_guard lock(key->mutex);
    if (clock_.now() - key->loaded_at >= config_.refresh_interval) {
      CAAS_TRY(refresh(*key, *keyring));
    }
    return key;
  }
  key = std::make_shared<CachedKey>();
  key->record.owner_id = std::string(owner);
  key->record.name = std::string(name);
  {
    std::lock_guard lock(key->mutex);
    CAAS_ASSIGN_OR_RETURN(std::optional<meta::TransitKeyRecord> record,
                          store_.find_key(owner, name));
    if (!record) {
      return no_such_key();
    }
    std::optional<KeyType> type = parse_key_type(record->type);
    if (!type) {
      return error(ErrorCode::kDataLoss, "transit key " + record->name + " has an unknown type");
    }
    key->type = *type;
    key->record = *record;
    CAAS_TRY(refresh(*key, *keyring));
  }
  std::unique_lock lock(cache_mutex_);
  auto [slot, inserted] = cache_.emplace(id, key);
  return slot->second;  // a concurrent load may have won; both are equivalent
}

Result<std::shared_ptr<const KeyVersionCipher>> TransitService::latest(CachedKey& key) {
  std::lock_guard lock(key.mutex);
  return key.versions.back().cipher;
}

Result<std::shared_ptr<const KeyVersionCipher>> TransitService::for_version(CachedKey& key,
                                                                            std::uint32_t version) {
  std::lock_guard lock(key.mutex);
  if (version < key.record.min_decryption_version || version > key.versions.size()) {
    // Perhaps another node rotated: look once more before refusing — at most once a second,
    // so that ciphertexts naming made-up versions cannot turn every request into a database read.
    if (version > key.versions.size() && clock_.now() - key.loaded_at >= std::chrono::seconds(1)) {
      if (auto keyring = seal_.keyring(); keyring) {
        CAAS_TRY(refresh(key, *keyring));
      }
    }
    if (version < key.record.min_decryption_version || version > key.versions.size()) {
      return decryption_failed();
    }
  }
  return key.versions[version - 1].cipher;
}

// Counts one encryption against the version's nonce bound: reserves ahead in the database and
// rotates the key when the latest version reaches the limit.
Status TransitService::count_encryption(CachedKey& key, const KeyVersionCipher& cipher) {
  if (!has_nonce_limit(cipher.type())) {
    return ok_status();
  }
  std::lock_guard lock(key.mutex);
  VersionState& state = key.versions[cipher.version() - 1];
  const auto used = state.counted_before + static_cast<std::int64_t>(cipher.encryptions());
  if (used + config_.reserve_block / 2 > state.reserved) {
    CAAS_ASSIGN_OR_RETURN(state.reserved,
                          store_.reserve_encryptions(key.record.owner_id, key.record.name,
                                                     cipher.version(), config_.reserve_block));
  }
  if (static_cast<std::uint64_t>(used) >= config_.rotate_after_encryptions &&
      cipher.version() == key.versions.size()) {
    if (auto keyring = seal_.keyring(); keyring) {
      spdlog::warn("transit: key {} v{} reached {} encryptions; rotating", key.record.name,
                   cipher.version(), used);
      CAAS_TRY(add_version_locked(key, *keyring));
    }
  }
  return ok_status();
}

Status TransitService::add_version_locked(CachedKey& key, const kms::Keyring& keyring) {
  if (key.versions.size() >= config_.max_versions_per_key) {
    return error(ErrorCode::kResourceExhausted, "the key has the most versions allowed");
  }
  const auto version = static_cast<std::int64_t>(key.versions.size()) + 1;
  CAAS_ASSIGN_OR_RETURN(crypto::SecretBytes material, generate_material(key.type));
  CAAS_ASSIGN_OR_RETURN(std::string public_key, can_sign(key.type)
                                                    ? public_key_of(key.type, material.expose())
                                                    : Result<std::string>(std::string()));
  CAAS_ASSIGN_OR_RETURN(
      std::string sealed_material,
      seal_material(keyring, key.record.owner_id, key.record.name, version, material));
  meta::TransitKeyVersionRecord record{key.record.owner_id,
                                       key.record.name,
                                       version,
                                       sealed_material,
                                       public_key,
                                       format_rfc3339(clock_.now()),
                                       0};
  Status added = store_.add_version(record);
  if (added.code() == ErrorCode::kFailedPrecondition) {
    return refresh(key, keyring);  // another node rotated first: take its version
  }
  CAAS_TRY(added);
  CAAS_ASSIGN_OR_RETURN(
      std::shared_ptr<const KeyVersionCipher> cipher,
      KeyVersionCipher::create(key.type, key.record.derived, key.record.name,
                               static_cast<std::uint32_t>(version), std::move(material)));
  key.versions.push_back({std::move(cipher), record.created_at, 0, 0});
  key.record.latest_version = version;
  audit_
      .record({"user:" + key.record.owner_id, "transit.rotate", key.record.name,
               "v" + std::to_string(version)})
      .ignore_error();
  return ok_status();
}

KeyInfo TransitService::info_locked(const CachedKey& key) const {
  KeyInfo info;
  info.name = key.record.name;
  info.type = key.type;
  info.derived = key.record.derived;
  info.latest_version = static_cast<std::uint32_t>(key.record.latest_version);
  info.min_decryption_version = static_cast<std::uint32_t>(key.record.min_decryption_version);
  for (const VersionState& state : key.versions) {
    info.versions.push_back(
        {state.cipher->version(), state.created_at,
         static_cast<std::uint64_t>(state.counted_before) + state.cipher->encryptions(),
         state.cipher->public_key()});
  }
  return info;
}

Result<KeyInfo> TransitService::info_of(const std::shared_ptr<CachedKey>& key) {
  std::lock_guard lock(key->mutex);
  return info_locked(*key);
}

Result<KeyInfo> TransitService::create_key(std::string_view owner, std::string_view name,
                                           KeyType type, bool derived) {
  std::shared_ptr<const kms::Keyring> keyring = seal_.keyring();
  if (!keyring) {
    return kms::sealed_error();
  }
  if (derived && !can_derive(type)) {
    return invalid_argument("field derived: a " + std::string(key_type_name(type)) +
                            " key cannot be derived");
  }
  CAAS_ASSIGN_OR_RETURN(crypto::SecretBytes material, generate_material(type));
  CAAS_ASSIGN_OR_RETURN(std::string public_key, can_sign(type)
                                                    ? public_key_of(type, material.expose())
                                                    : Result<std::string>(std::string()));
  CAAS_ASSIGN_OR_RETURN(std::string sealed_material,
                        seal_material(*keyring, owner, name, 1, material));
  const std::string now = format_rfc3339(clock_.now());
  meta::TransitKeyRecord record{
      std::string(owner), std::string(name), std::string(key_type_name(type)), derived, 1, 1, now};
  Status created = store_.create_key(
      record, {std::string(owner), std::string(name), 1, sealed_material, public_key, now, 0},
      config_.max_keys_per_owner);
  if (created.code() == ErrorCode::kAlreadyExists) {
    return error(ErrorCode::kAlreadyExists, "a transit key with this name exists");
  }
  CAAS_TRY(created);
  audit_
      .record({"user:" + std::string(owner), "transit.create", std::string(name),
               std::string(key_type_name(type))})
      .ignore_error();
  CAAS_ASSIGN_OR_RETURN(std::shared_ptr<CachedKey> key, load(owner, name));
  return info_of(key);
}

Result<KeyInfo> TransitService::key_info(std::string_view owner, std::string_view name) {
  CAAS_ASSIGN_OR_RETURN(std::shared_ptr<CachedKey> key, load(owner, name));
  return info_of(key);
}

Status TransitService::check_key(std::string_view owner, std::string_view name) {
  return load(owner, name).status();
}

Result<KeyInfo> TransitService::rotate(std::string_view owner, std::string_view name) {
  CAAS_ASSIGN_OR_RETURN(std::shared_ptr<CachedKey> key, load(owner, name));
  std::shared_ptr<const kms::Keyring> keyring = seal_.keyring();
  if (!keyring) {
    return kms::sealed_error();
  }
  std::lock_guard lock(key->mutex);
  CAAS_TRY(add_version_locked(*key, *keyring));
  return info_locked(*key);
}

Result<KeyInfo> TransitService::set_min_decryption_version(std::string_view owner,
                                                           std::string_view name,
                                                           std::int64_t version) {
  CAAS_ASSIGN_OR_RETURN(std::shared_ptr<CachedKey> key, load(owner, name));
  std::lock_guard lock(key->mutex);
  if (version < 1 || version > key->record.latest_version) {
    return invalid_argument("field min_decryption_version: must be from 1 to the latest version");
  }
  CAAS_TRY(store_.set_min_decryption_version(owner, name, version));
  key->record.min_decryption_version = version;
  audit_
      .record({"user:" + std::string(owner), "transit.config", std::string(name),
               "min_decryption_version=" + std::to_string(version)})
      .ignore_error();
  return info_locked(*key);
}

Result<std::string> TransitService::encrypt(std::string_view owner, std::string_view name,
                                            ByteSpan plaintext, ByteSpan context,
                                            ByteSpan associated_data) {
  CAAS_ASSIGN_OR_RETURN(std::shared_ptr<CachedKey> key, load(owner, name));
  CAAS_ASSIGN_OR_RETURN(std::shared_ptr<const KeyVersionCipher> cipher, latest(*key));
  CAAS_ASSIGN_OR_RETURN(Bytes blob, cipher->encrypt(plaintext, context, associated_data));
  CAAS_TRY(count_encryption(*key, *cipher));
  return format_versioned(cipher->version(), blob);
}

Result<crypto::SecretBytes> TransitService::decrypt(std::string_view owner, std::string_view name,
                                                    std::string_view ciphertext, ByteSpan context,
                                                    ByteSpan associated_data) {
  CAAS_ASSIGN_OR_RETURN(std::shared_ptr<CachedKey> key, load(owner, name));
  Result<Versioned> parsed = parse_versioned(ciphertext);
  if (!parsed.ok()) {
    return decryption_failed();
  }
  CAAS_ASSIGN_OR_RETURN(std::shared_ptr<const KeyVersionCipher> cipher,
                        for_version(*key, parsed->version));
  return cipher->decrypt(parsed->blob, context, associated_data);
}

Result<std::string> TransitService::rewrap(std::string_view owner, std::string_view name,
                                           std::string_view ciphertext, ByteSpan context,
                                           ByteSpan associated_data) {
  CAAS_ASSIGN_OR_RETURN(crypto::SecretBytes plaintext,
                        decrypt(owner, name, ciphertext, context, associated_data));
  return encrypt(owner, name, plaintext.expose(), context, associated_data);
}

Result<DataKey> TransitService::datakey(std::string_view owner, std::string_view name,
                                        ByteSpan context, unsigned bits) {
  CAAS_ASSIGN_OR_RETURN(crypto::SecretBytes plaintext, new_data_key(bits));
  CAAS_ASSIGN_OR_RETURN(std::string ciphertext,
                        encrypt(owner, name, plaintext.expose(), context, {}));
  return DataKey{std::move(ciphertext), std::move(plaintext)};
}

Result<std::string> TransitService::hmac(std::string_view owner, std::string_view name,
                                         ByteSpan input, ByteSpan context) {
  CAAS_ASSIGN_OR_RETURN(std::shared_ptr<CachedKey> key, load(owner, name));
  CAAS_ASSIGN_OR_RETURN(std::shared_ptr<const KeyVersionCipher> cipher, latest(*key));
  CAAS_ASSIGN_OR_RETURN(Bytes tag, cipher->hmac(input, context));
  return format_versioned(cipher->version(), tag);
}

Result<bool> TransitService::verify_hmac(std::string_view owner, std::string_view name,
                                         ByteSpan input, std::string_view hmac_text,
                                         ByteSpan context) {
  CAAS_ASSIGN_OR_RETURN(std::shared_ptr<CachedKey> key, load(owner, name));
  if (!can_hmac(key->type)) {
    return invalid_argument("this key type does not make HMACs");
  }
  Result<Versioned> parsed = parse_versioned(hmac_text);
  if (!parsed.ok()) {
    return false;
  }
  Result<std::shared_ptr<const KeyVersionCipher>> cipher = for_version(*key, parsed->version);
  return cipher.ok() && (*cipher)->verify_hmac(input, context, parsed->blob);
}

Result<std::string> TransitService::sign(std::string_view owner, std::string_view name,
                                         ByteSpan input) {
  CAAS_ASSIGN_OR_RETURN(std::shared_ptr<CachedKey> key, load(owner, name));
  CAAS_ASSIGN_OR_RETURN(std::shared_ptr<const KeyVersionCipher> cipher, latest(*key));
  CAAS_ASSIGN_OR_RETURN(Bytes signature, cipher->sign(input));
  return format_versioned(cipher->version(), signature);
}

Result<bool> TransitService::verify(std::string_view owner, std::string_view name, ByteSpan input,
                                    std::string_view signature) {
  CAAS_ASSIGN_OR_RETURN(std::shared_ptr<CachedKey> key, load(owner, name));
  if (!can_sign(key->type)) {
    return invalid_argument("this key type does not sign");
  }
  Result<Versioned> parsed = parse_versioned(signature);
  if (!parsed.ok()) {
    return false;
  }
  Result<std::shared_ptr<const KeyVersionCipher>> cipher = for_version(*key, parsed->version);
  return cipher.ok() && (*cipher)->verify(input, parsed->blob);
}

}  // namespace caas::transit

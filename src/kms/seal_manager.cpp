#include "kms/seal_manager.h"

#include <charconv>

#include "base/hex.h"
#include "crypto/random.h"
#include "crypto/shamir.h"
#include "kms/barrier.h"

namespace caas::kms {
namespace {

// Setting names in the metadata store.
constexpr std::string_view kSharesSetting = "seal.shares";
constexpr std::string_view kThresholdSetting = "seal.threshold";
constexpr std::string_view kCheckSetting = "seal.check";
constexpr std::string_view kKeyringSetting = "keyring";
constexpr std::string_view kRootTokenSetting = "root_token.sha256";

// A recognisable prefix lets secret scanners find leaked tokens.
constexpr std::string_view kRootTokenPrefix = "caas-root-";
constexpr std::size_t kRootTokenRandomBytes = 32;
constexpr std::size_t kShareBytes = 1 + kRootKeyBytes;

Result<unsigned> parse_count(const std::optional<std::string>& text, std::string_view name) {
  unsigned value = 0;
  if (!text || text->empty() ||
      std::from_chars(text->data(), text->data() + text->size(), value).ec != std::errc() ||
      value == 0 || value > crypto::kShamirMaxShares) {
    return error(ErrorCode::kDataLoss, "seal settings: bad " + std::string(name));
  }
  return value;
}

Status validate_split(unsigned shares, unsigned threshold) {
  if (shares < 1 || shares > crypto::kShamirMaxShares) {
    return invalid_argument("shares must be between 1 and 255");
  }
  if (threshold < 1 || threshold > shares) {
    return invalid_argument("threshold must be between 1 and shares");
  }
  if (threshold == 1 && shares > 1) {
    return invalid_argument("threshold must be at least 2 when there is more than one share");
  }
  return ok_status();
}

crypto::SecretBytes new_root_token() {
  crypto::SecretBytes random = crypto::random_secret(kRootTokenRandomBytes);
  std::string hex = hex_encode(random.expose());
  crypto::SecretBytes token = crypto::SecretBytes::copy_of(as_bytes(kRootTokenPrefix));
  token.append(as_bytes(hex));
  crypto::detail::secure_wipe(hex.data(), hex.size());
  return token;
}

}  // namespace

Result<std::unique_ptr<SealManager>> SealManager::load(meta::MetadataStore& store) {
  std::unique_ptr<SealManager> manager(new SealManager(store));  // NOLINT(owning-memory)
  CAAS_TRY(manager->load_settings());
  return manager;
}

Status SealManager::load_settings() {
  CAAS_ASSIGN_OR_RETURN(std::optional<std::string> check, store_.get_setting(kCheckSetting));
  if (!check) {
    return ok_status();  // not initialized
  }
  CAAS_ASSIGN_OR_RETURN(std::optional<std::string> shares, store_.get_setting(kSharesSetting));
  CAAS_ASSIGN_OR_RETURN(std::optional<std::string> threshold,
                        store_.get_setting(kThresholdSetting));
  CAAS_ASSIGN_OR_RETURN(std::optional<std::string> keyring, store_.get_setting(kKeyringSetting));
  CAAS_ASSIGN_OR_RETURN(std::optional<std::string> token, store_.get_setting(kRootTokenSetting));
  CAAS_ASSIGN_OR_RETURN(shares_, parse_count(shares, kSharesSetting));
  CAAS_ASSIGN_OR_RETURN(threshold_, parse_count(threshold, kThresholdSetting));
  crypto::Sha256Digest token_hash{};
  if (!keyring || !token || !hex_decode_into(*token, token_hash).ok() || threshold_ > shares_) {
    return error(ErrorCode::kDataLoss, "seal settings: incomplete or malformed");
  }
  check_value_ = *check;
  sealed_keyring_ = *keyring;
  root_token_hash_ = token_hash;
  initialized_ = true;
  return ok_status();
}

Result<InitResult> SealManager::init(unsigned shares, unsigned threshold) {
  CAAS_TRY(validate_split(shares, threshold));
  std::lock_guard lock(mutex_);
  if (initialized_) {
    return error(ErrorCode::kAlreadyExists, "already initialized");
  }
  CAAS_ASSIGN_OR_RETURN(crypto::LockedBytes root_key, crypto::LockedBytes::allocate(kRootKeyBytes));
  crypto::random_fill(root_key.expose_mutable());
  CAAS_ASSIGN_OR_RETURN(Keyring keyring, Keyring::generate());
  CAAS_ASSIGN_OR_RETURN(std::string sealed, seal_keyring(root_key, keyring));
  CAAS_ASSIGN_OR_RETURN(std::string check, root_check_value(root_key));
  crypto::SecretBytes token = new_root_token();
  crypto::Sha256Digest token_hash = crypto::sha256(token.expose());

  InitResult result;
  {
    // The split works on SecretBytes; this copy lives only for the split and is wiped.
    crypto::SecretBytes root_copy = crypto::SecretBytes::copy_of(root_key.expose());
    CAAS_ASSIGN_OR_RETURN(std::vector<crypto::Share> split,
                          crypto::shamir_split(root_copy, threshold, shares));
    for (const crypto::Share& share : split) {
      result.shares.push_back(crypto::serialize_share(share));
    }
  }
  // One transaction: a concurrent init from another node sharing the database loses here.
  CAAS_TRY(store_.insert_settings({
      {std::string(kSharesSetting), std::to_string(shares)},
      {std::string(kThresholdSetting), std::to_string(threshold)},
      {std::string(kCheckSetting), check},
      {std::string(kKeyringSetting), sealed},
      {std::string(kRootTokenSetting), hex_encode(token_hash)},
  }));
  initialized_ = true;
  shares_ = shares;
  threshold_ = threshold;
  check_value_ = std::move(check);
  sealed_keyring_ = std::move(sealed);
  root_token_hash_ = token_hash;
  result.root_token = std::move(token);
  result.keyring = std::make_shared<const Keyring>(std::move(keyring));
  return result;
}

Result<SealStatus> SealManager::unseal(ByteSpan share) {
  std::unique_lock lock(mutex_);
  if (!initialized_) {
    return error(ErrorCode::kFailedPrecondition, "not initialized");
  }
  if (root_key_) {
    lock.unlock();
    return status();
  }
  if (share.size() != kShareBytes || share[0] == 0) {
    pending_.clear();
    return invalid_argument("share is malformed");
  }
  bool duplicate = false;
  for (const crypto::LockedBytes& held : pending_) {
    duplicate = duplicate || held.expose()[0] == share[0];
  }
  if (!duplicate) {
    CAAS_ASSIGN_OR_RETURN(crypto::LockedBytes copy, crypto::LockedBytes::copy_of(share));
    pending_.push_back(std::move(copy));
  }
  if (pending_.size() >= threshold_) {
    Status finished = finish_unseal();
    pending_.clear();
    CAAS_TRY(finished);
  }
  lock.unlock();
  return status();
}

Result<crypto::LockedBytes> SealManager::combine_pending() {
  std::vector<crypto::Share> shares;
  for (const crypto::LockedBytes& held : pending_) {
    CAAS_ASSIGN_OR_RETURN(crypto::Share share, crypto::parse_share(held.expose()));
    shares.push_back(std::move(share));
  }
  CAAS_ASSIGN_OR_RETURN(crypto::SecretBytes secret, crypto::shamir_combine(shares));
  return crypto::LockedBytes::copy_of(secret.expose());
}

Status SealManager::finish_unseal() {
  CAAS_ASSIGN_OR_RETURN(crypto::LockedBytes root_key, combine_pending());
  CAAS_TRY(verify_root_key(root_key, check_value_));
  CAAS_ASSIGN_OR_RETURN(Keyring keyring, open_keyring(root_key, sealed_keyring_));
  root_key_ = std::move(root_key);
  keyring_.store(std::make_shared<const Keyring>(std::move(keyring)));
  return ok_status();
}

void SealManager::seal() {
  {
    std::lock_guard lock(mutex_);
    keyring_.store(nullptr);
    root_key_.reset();
    pending_.clear();
  }
  for (const auto& listener : seal_listeners_) {
    listener();
  }
}

void SealManager::add_seal_listener(std::function<void()> listener) {
  seal_listeners_.push_back(std::move(listener));
}

SealStatus SealManager::status() const {
  std::lock_guard lock(mutex_);
  return SealStatus{initialized_, !root_key_.has_value(), static_cast<unsigned>(pending_.size()),
                    threshold_, shares_};
}

bool SealManager::is_root_token(std::string_view token) const {
  // The prefix is public; skipping the hash for other tokens keeps it off every user request.
  if (!token.starts_with(kRootTokenPrefix)) {
    return false;
  }
  crypto::Sha256Digest digest = crypto::sha256(as_bytes(token));
  std::lock_guard lock(mutex_);
  return root_token_hash_.has_value() && crypto::constant_time_equal(digest, *root_token_hash_);
}

}  // namespace caas::kms

#include "kms/audit_log.h"

#include <string>

#include "base/bytes.h"
#include "base/hex.h"
#include "base/time_format.h"
#include "crypto/hkdf.h"
#include "crypto/hmac.h"
#include "crypto/secret.h"

namespace caas::kms {
namespace {

constexpr std::string_view kChainInfo = "caas/v1/audit-chain";
constexpr std::string_view kIdsInfo = "caas/v1/audit-ids";
const std::string kGenesisHash(64, '0');
constexpr int kVerifyPageSize = 1000;

Result<crypto::SecretArray<32>> audit_subkey(const Keyring& keyring, std::string_view info) {
  CAAS_ASSIGN_OR_RETURN(ByteSpan key, keyring.key("audit", 1));
  return crypto::hkdf_sha256_key(key, ByteSpan(), as_bytes(info));
}

// Length-prefixed fields: no two different entries encode alike, whatever bytes they hold.
void add_field(crypto::HmacSha256& mac, std::string_view field) {
  std::array<std::uint8_t, 4> length{};
  store_be32(length, static_cast<std::uint32_t>(field.size()));
  mac.update(length);
  mac.update(as_bytes(field));
}

// The entry's hash under an already derived chain key (verify() derives it once per walk).
std::string chained_hash(ByteSpan chain_key, const meta::AuditEntry& entry) {
  crypto::HmacSha256 mac(chain_key);
  add_field(mac, std::to_string(entry.seq));
  for (const std::string* field :
       {&entry.time, &entry.actor, &entry.action, &entry.target, &entry.result, &entry.prev_hash}) {
    add_field(mac, *field);
  }
  return hex_encode(mac.finish());
}

}  // namespace

Result<std::string> AuditLog::entry_hash(const Keyring& keyring, const meta::AuditEntry& entry) {
  CAAS_ASSIGN_OR_RETURN(crypto::SecretArray<32> key, audit_subkey(keyring, kChainInfo));
  return chained_hash(key.expose(), entry);
}

Status AuditLog::append(const Keyring& keyring, const AuditEvent& event, Clock::TimePoint time) {
  Status hash_status;
  Result<meta::AuditEntry> written = store_.append_audit([&](const meta::AuditEntry* last) {
    meta::AuditEntry entry{last != nullptr ? last->seq + 1 : 1,
                           format_rfc3339(time),
                           event.actor,
                           event.action,
                           event.target,
                           event.result,
                           last != nullptr ? last->hash : kGenesisHash,
                           {}};
    Result<std::string> hash = entry_hash(keyring, entry);
    if (hash.ok()) {
      entry.hash = std::move(*hash);
    } else {
      hash_status = hash.status();
    }
    return entry;
  });
  CAAS_TRY(hash_status);
  return written.status();
}

Status AuditLog::flush_queue(const Keyring& keyring) {
  while (!queue_.empty()) {
    CAAS_TRY(append(keyring, queue_.front().event, queue_.front().time));
    queue_.pop_front();
  }
  return ok_status();
}

// The lock covers the queue only, not the append: the store orders concurrent appends itself
// (one transaction reads the last entry and writes the next), and its group commit makes many
// concurrent appends share one flush, which a lock held across the append would forbid.
Status AuditLog::record(AuditEvent event) {
  std::shared_ptr<const Keyring> keyring = seal_.keyring();
  {
    std::lock_guard lock(mutex_);
    if (keyring == nullptr) {
      if (queue_.size() >= kMaxQueued) {
        queue_.pop_front();
      }
      queue_.push_back(Queued{std::move(event), clock_.now()});
      return ok_status();
    }
    CAAS_TRY(flush_queue(*keyring));  // events from while sealed go first
  }
  return append(*keyring, event, clock_.now());
}

Status AuditLog::record_with(const Keyring& keyring, AuditEvent event) {
  {
    std::lock_guard lock(mutex_);
    CAAS_TRY(flush_queue(keyring));
  }
  return append(keyring, event, clock_.now());
}

std::string AuditLog::sensitive(std::string_view value) const {
  std::shared_ptr<const Keyring> keyring = seal_.keyring();
  if (keyring == nullptr) {
    return "hmac:sealed";
  }
  Result<crypto::SecretArray<32>> key = audit_subkey(*keyring, kIdsInfo);
  if (!key.ok()) {
    return "hmac:unavailable";
  }
  return "hmac:" + hex_encode(crypto::hmac_sha256(key->expose(), as_bytes(value)));
}

Result<std::vector<meta::AuditEntry>> AuditLog::list(std::int64_t after_seq, int limit) {
  return store_.list_audit(after_seq, limit);
}

Result<AuditVerifyReport> AuditLog::verify() {
  std::shared_ptr<const Keyring> keyring = seal_.keyring();
  if (keyring == nullptr) {
    return error(ErrorCode::kFailedPrecondition, "sealed");
  }
  CAAS_ASSIGN_OR_RETURN(crypto::SecretArray<32> chain_key, audit_subkey(*keyring, kChainInfo));
  AuditVerifyReport report;
  std::int64_t expected_seq = 1;
  std::string expected_prev = kGenesisHash;
  for (;;) {
    CAAS_ASSIGN_OR_RETURN(std::vector<meta::AuditEntry> page,
                          store_.list_audit(expected_seq - 1, kVerifyPageSize));
    for (const meta::AuditEntry& entry : page) {
      std::string hash = chained_hash(chain_key.expose(), entry);
      bool good = entry.seq == expected_seq && entry.prev_hash == expected_prev &&
                  crypto::constant_time_equal(as_bytes(hash), as_bytes(entry.hash));
      if (!good) {
        report.valid = false;
        report.first_bad_seq = entry.seq;
        return report;
      }
      ++report.entries;
      expected_seq = entry.seq + 1;
      expected_prev = entry.hash;
    }
    if (page.size() < static_cast<std::size_t>(kVerifyPageSize)) {
      return report;
    }
  }
}

}  // namespace caas::kms

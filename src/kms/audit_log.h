// AuditLog: the append-only, hash-chained record of every operator and key operation.
//
// Each entry's hash is HMAC-SHA-256 under a chain key derived from the keyring's "audit" key v1
// (HKDF info "caas/v1/audit-chain") over a length-prefixed encoding of seq, time, actor, action,
// target, result and prev_hash; prev_hash is the previous entry's hash (64 zeros for seq 1).
// Keying the chain means that someone who can write the database cannot recompute it after an
// edit: verify() names the first entry that does not check. What the chain cannot show on its
// own is the loss of its newest entries (truncation); docs/SECURITY.md says how to anchor the
// head. The chain key never rotates: a new "audit" key version would start a new chain.
//
// Identifiers that are sensitive (emails, file paths) go through sensitive() first: an HMAC
// under a second subkey (info "caas/v1/audit-ids"), so entries about one user can be found by
// recomputing the HMAC, but the log alone does not reveal them.
//
// While sealed there is no key: events are queued in memory (at most kMaxQueued, the oldest
// dropped with a warning in the log) and written, in order, before the next event after unseal.
//
// Thread-safe.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "kms/keyring.h"
#include "kms/seal_manager.h"
#include "meta/metadata_store.h"

namespace caas::kms {

struct AuditEvent {
  std::string actor;   // "operator", "anonymous", later a user id
  std::string action;  // "sys.init", "sys.unseal", ...
  std::string target;  // what it acted on; sensitive identifiers through sensitive()
  std::string result;  // "ok" or an error code
};

struct AuditVerifyReport {
  bool valid = true;
  std::int64_t entries = 0;                   // entries checked
  std::optional<std::int64_t> first_bad_seq;  // the first entry that does not check
};

class AuditLog {
 public:
  static constexpr std::size_t kMaxQueued = 1024;

  // `store`, `seal` and `clock` must outlive the log.
  AuditLog(meta::MetadataStore& store, const SealManager& seal, const Clock& clock)
      : store_(store), seal_(seal), clock_(clock) {}

  // Appends `event` now if unsealed (after any queued events), else queues it.
  Status record(AuditEvent event);
  // Appends with an explicit keyring (init, before the first unseal).
  Status record_with(const Keyring& keyring, AuditEvent event);

  // "hmac:<hex>" of `value`, or "hmac:sealed" when there is no keyring.
  [[nodiscard]] std::string sensitive(std::string_view value) const;

  Result<std::vector<meta::AuditEntry>> list(std::int64_t after_seq, int limit);

  // Walks the whole chain. Errors: kFailedPrecondition when sealed; the store's.
  Result<AuditVerifyReport> verify();

  // The hash of `entry` under `keyring` (for verify and tests).
  static Result<std::string> entry_hash(const Keyring& keyring, const meta::AuditEntry& entry);

 private:
  Status append(const Keyring& keyring, const AuditEvent& event, Clock::TimePoint time);
  Status flush_queue(const Keyring& keyring);

  struct Queued {
    AuditEvent event;
    Clock::TimePoint time;
  };

  meta::MetadataStore& store_;
  const SealManager& seal_;
  const Clock& clock_;
  std::mutex mutex_;  // guards queue_ (appends are ordered by the store)
  std::deque<Queued> queue_;
};

}  // namespace caas::kms

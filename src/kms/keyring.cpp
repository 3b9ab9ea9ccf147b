#include "kms/keyring.h"

#include <algorithm>
#include <array>
#include <cstring>

#include "base/bytes.h"
#include "crypto/random.h"

namespace caas::kms {
namespace {

constexpr std::array<std::uint8_t, 4> kMagic = {'C', 'K', 'R', '1'};
constexpr std::size_t kHeaderBytes = kMagic.size() + 4;
constexpr std::array<std::string_view, 4> kBuiltInNames = {"audit", "files", "otp", "transit"};

Status malformed(std::string_view what) {
  return error(ErrorCode::kDataLoss, "keyring: " + std::string(what));
}

std::size_t entry_bytes(std::size_t name_bytes) { return 1 + name_bytes + 4 + kKeyringKeyBytes; }

// Writes a keyring of the given (name, version) pairs into fresh guarded memory. Keys come from
// `key_of(i)`: either copied from an existing keyring or drawn from the CSPRNG.
struct NewEntry {
  std::string name;
  std::uint32_t version;
  ByteSpan existing_key;  // empty → draw a fresh key
};

Result<crypto::LockedBytes> serialize(const std::vector<NewEntry>& entries) {
  std::size_t total = kHeaderBytes;
  for (const NewEntry& entry : entries) {
    total += entry_bytes(entry.name.size());
  }
  CAAS_ASSIGN_OR_RETURN(crypto::LockedBytes out, crypto::LockedBytes::allocate(total));
  MutableByteSpan bytes = out.expose_mutable();
  std::copy(kMagic.begin(), kMagic.end(), bytes.begin());
  store_be32(bytes.subspan(kMagic.size()), static_cast<std::uint32_t>(entries.size()));
  std::size_t at = kHeaderBytes;
  for (const NewEntry& entry : entries) {
    bytes[at++] = static_cast<std::uint8_t>(entry.name.size());
    std::memcpy(&bytes[at], entry.name.data(), entry.name.size());
    at += entry.name.size();
    store_be32(bytes.subspan(at), entry.version);
    at += 4;
    MutableByteSpan key = bytes.subspan(at, kKeyringKeyBytes);
    if (entry.existing_key.empty()) {
      crypto::random_fill(key);
    } else {
      std::copy(entry.existing_key.begin(), entry.existing_key.end(), key.begin());
    }
    at += kKeyringKeyBytes;
  }
  return out;
}

}  // namespace

Result<Keyring> Keyring::generate() {
  std::vector<NewEntry> entries;
  for (std::string_view name : kBuiltInNames) {
    entries.push_back(NewEntry{std::string(name), 1, {}});
  }
  CAAS_ASSIGN_OR_RETURN(crypto::LockedBytes bytes, serialize(entries));
  return parse(std::move(bytes));
}

Result<Keyring> Keyring::parse(crypto::LockedBytes serialized) {
  ByteSpan bytes = serialized.expose();
  if (bytes.size() < kHeaderBytes || !std::equal(kMagic.begin(), kMagic.end(), bytes.begin())) {
    return malformed("bad magic");
  }
  std::uint32_t count = load_be32(bytes.subspan(kMagic.size()));
  if (count > kKeyringMaxEntries) {
    return malformed("too many entries");
  }
  std::vector<Entry> index;
  index.reserve(count);
  std::size_t at = kHeaderBytes;
  for (std::uint32_t i = 0; i < count; ++i) {
    if (at >= bytes.size()) {
      return malformed("truncated");
    }
    std::size_t name_bytes = bytes[at];
    if (name_bytes == 0 || name_bytes > kKeyringMaxNameBytes ||
        bytes.size() - at < entry_bytes(name_bytes)) {
      return malformed("truncated or bad name");
    }
    std::string name(as_chars(bytes.subspan(at + 1, name_bytes)));
    std::uint32_t version = load_be32(bytes.subspan(at + 1 + name_bytes));
    if (version == 0) {
      return malformed("version 0");
    }
    for (const Entry& other : index) {
      if (other.name == name && other.version == version) {
        return malformed("duplicate key version");
      }
    }
    index.push_back(Entry{std::move(name), version, at + 1 + name_bytes + 4});
    at += entry_bytes(name_bytes);
  }
  if (at != bytes.size()) {
    return malformed("trailing bytes");
  }
  return Keyring(std::move(serialized), std::move(index));
}

Result<ByteSpan> Keyring::key(std::string_view name, std::uint32_t version) const {
  for (const Entry& entry : index_) {
    if (entry.name == name && entry.version == version) {
      return bytes_.expose().subspan(entry.offset, kKeyringKeyBytes);
    }
  }
  return error(ErrorCode::kNotFound,
               "keyring: no key " + std::string(name) + " v" + std::to_string(version));
}

Result<KeyVersion> Keyring::latest(std::string_view name) const {
  const Entry* best = nullptr;
  for (const Entry& entry : index_) {
    if (entry.name == name && (best == nullptr || entry.version > best->version)) {
      best = &entry;
    }
  }
  if (best == nullptr) {
    return error(ErrorCode::kNotFound, "keyring: no key " + std::string(name));
  }
  return KeyVersion{best->version, bytes_.expose().subspan(best->offset, kKeyringKeyBytes)};
}

Result<Keyring> Keyring::rotated(std::string_view name) const {
  if (name.empty() || name.size() > kKeyringMaxNameBytes) {
    return invalid_argument("keyring: key name must be 1 to 64 bytes");
  }
  std::vector<NewEntry> entries;
  std::uint32_t next = 1;
  for (const Entry& entry : index_) {
    entries.push_back(NewEntry{entry.name, entry.version,
                               bytes_.expose().subspan(entry.offset, kKeyringKeyBytes)});
    if (entry.name == name) {
      next = std::max(next, entry.version + 1);
    }
  }
  entries.push_back(NewEntry{std::string(name), next, {}});
  CAAS_ASSIGN_OR_RETURN(crypto::LockedBytes bytes, serialize(entries));
  return parse(std::move(bytes));
}

}  // namespace caas::kms

#include "format/age/scrypt.h"

#include <algorithm>

#include "base/base64.h"
#include "crypto/random.h"
#include "crypto/scrypt.h"
#include "format/age/detail/file_key_wrap.h"

namespace caas::format::age {
namespace {

constexpr std::string_view kSaltLabel = "age-encryption.org/v1/scrypt";
constexpr std::size_t kSaltBytes = 16;

// spec, "scrypt recipient stanza": wrap key = scrypt(N = 2^log2_n, r = 8, p = 1, dkLen = 32,
// S = "age-encryption.org/v1/scrypt" || salt, P = passphrase).
Result<crypto::SecretArray<32>> wrap_key(const crypto::SecretBytes& passphrase, ByteSpan salt,
                                         std::uint32_t log2_n) {
  crypto::ScryptParams params;
  params.log2_n = log2_n;
  params.r = 8;
  params.p = 1;
  // 128 * r * N for the work area, plus slack for the per-block buffers.
  params.max_memory_bytes = (std::uint64_t{128} * 8 << log2_n) + (std::uint64_t{1} << 24);
  Bytes full_salt = concat({as_bytes(kSaltLabel), salt});
  CAAS_ASSIGN_OR_RETURN(crypto::SecretBytes key,
                        crypto::scrypt(passphrase.expose(), full_salt, params, 32));
  return crypto::SecretArray<32>::copy_of(key.expose().first<32>());
}

// spec: the work factor is "^[1-9][0-9]*$" in decimal. Errors: kInvalidArgument, also past
// `max_log2_n` (which also rules out overflow: we stop after three digits).
Result<std::uint32_t> parse_work_factor(std::string_view text, std::uint32_t max_log2_n) {
  bool digits = !text.empty() && text.size() <= 3 && text[0] != '0' &&
                std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (!digits) {
    return invalid_argument("age scrypt stanza: work factor is not a decimal number");
  }
  std::uint32_t value = 0;
  for (char c : text) {
    value = value * 10 + static_cast<std::uint32_t>(c - '0');
  }
  if (value > max_log2_n) {
    return invalid_argument("age scrypt stanza: work factor over our limit");
  }
  return value;
}

}  // namespace

Result<ScryptRecipient> ScryptRecipient::create(crypto::SecretBytes passphrase,
                                                std::uint32_t log2_n) {
  if (passphrase.empty()) {
    return invalid_argument("age scrypt: empty passphrase");
  }
  if (log2_n < 1 || log2_n > kScryptMaxLog2N) {
    return invalid_argument("age scrypt: work factor outside 1..22");
  }
  return ScryptRecipient(std::move(passphrase), log2_n);
}

Result<std::vector<Stanza>> ScryptRecipient::wrap(const FileKey& file_key) const {
  Bytes salt = crypto::random_bytes(kSaltBytes);  // spec: new salt per stanza and file
  CAAS_ASSIGN_OR_RETURN(crypto::SecretArray<32> key, wrap_key(passphrase_, salt, log2_n_));
  Stanza stanza;
  stanza.type = std::string(kScryptStanzaType);
  stanza.args = {base64_encode_unpadded(salt), std::to_string(log2_n_)};
  stanza.body = detail::seal_file_key(key, file_key);
  std::vector<Stanza> stanzas;
  stanzas.push_back(std::move(stanza));
  return stanzas;
}

ScryptIdentity::ScryptIdentity(crypto::SecretBytes passphrase, std::uint32_t max_log2_n)
    : passphrase_(std::move(passphrase)), max_log2_n_(max_log2_n) {
  CAAS_CHECK(max_log2_n_ <= kScryptMaxLog2N);
}

Result<FileKey> ScryptIdentity::unwrap(std::span<const Stanza> stanzas) const {
  for (const Stanza& stanza : stanzas) {
    Result<FileKey> file_key = unwrap_one(stanza);
    if (file_key.ok() || file_key.status().code() != ErrorCode::kNotFound) {
      return file_key;
    }
  }
  return no_match();
}

Result<FileKey> ScryptIdentity::unwrap_one(const Stanza& stanza) const {
  if (stanza.type != kScryptStanzaType) {
    return no_match();
  }
  if (stanza.args.size() != 2) {
    return invalid_argument("age scrypt stanza: wrong number of arguments");
  }
  Result<Bytes> salt = base64_decode_unpadded(stanza.args[0]);
  if (!salt.ok() || salt->size() != kSaltBytes) {
    return invalid_argument("age scrypt stanza: salt is not canonical base64 of 16 bytes");
  }
  CAAS_ASSIGN_OR_RETURN(std::uint32_t log2_n, parse_work_factor(stanza.args[1], max_log2_n_));
  if (stanza.body.size() != detail::kWrappedFileKeyBytes) {
    return invalid_argument("age scrypt stanza: body is not 32 bytes");  // before scrypt
  }
  CAAS_ASSIGN_OR_RETURN(crypto::SecretArray<32> key, wrap_key(passphrase_, *salt, log2_n));
  Result<FileKey> file_key = detail::open_file_key(key, stanza.body);
  if (!file_key.ok() && file_key.status().code() == ErrorCode::kDecryptionFailed) {
    return no_match();  // a wrong passphrase
  }
  return file_key;
}

}  // namespace caas::format::age

// RSA through OpenSSL 3.0's EVP_PKEY API only (the RSA_* functions are deprecated in 3.0).
// Operations are configured with OSSL_PARAM lists, so each is set up in a single init call.
#include "crypto/rsa.h"

#include <array>
#include <memory>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/decoder.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "base/check.h"
#include "crypto/detail/pem.h"

namespace caas::crypto {
namespace {

constexpr int kPssSaltBytes = static_cast<int>(kRsaPssSaltBytes);
constexpr unsigned kMinPublicExponentBits = 17;   // 65537 = 2^16 + 1 is the first odd e allowed
constexpr unsigned kMaxPublicExponentBits = 256;  // e < 2^256 (SP 800-56B Rev. 2 §6.2.1)
constexpr const char* kPemPrivateKey = "PRIVATE KEY";
constexpr const char* kPemRsaPrivateKey = "RSA PRIVATE KEY";
constexpr const char* kPemPublicKey = "PUBLIC KEY";

// OSSL_PARAM's constructors take char* and void* but only read through them.
template <typename T>
T* param_ptr(const T* value) {
  return const_cast<T*>(value);  // NOLINT(cppcoreguidelines-pro-type-const-cast)
}

long der_length(ByteSpan der) {          // NOLINT(google-runtime-int): OpenSSL's type
  return static_cast<long>(der.size());  // bounded by kRsaMaxEncodedKeyBytes
}

Status check_encoded_size(ByteSpan encoded) {
  if (encoded.empty() || encoded.size() > kRsaMaxEncodedKeyBytes) {
    return invalid_argument("rsa: key encoding is empty or too large");
  }
  return ok_status();
}

// A d2i call must consume all of `der`: a key followed by other bytes is not a key.
Status check_consumed(ByteSpan der, std::size_t consumed) {
  if (consumed != der.size()) {
    return invalid_argument("rsa: trailing data after the key");
  }
  return ok_status();
}

Result<ossl::Ptr<BIGNUM>> get_bn(const EVP_PKEY* key, const char* name) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &raw) != 1) {
    ossl::clear_errors();
    return invalid_argument("rsa: key has no " + std::string(name));
  }
  ossl::Ptr<BIGNUM> bn(raw);
  BN_set_flags(bn.get(), BN_FLG_CONSTTIME);  // private values must not steer the timing
  return bn;
}

// The public half of the import policy in rsa.h.
Status check_public(const EVP_PKEY* key) {
  if (EVP_PKEY_is_a(key, "RSA") != 1) {
    return invalid_argument("rsa: not an rsa key");
  }
  const int bits = EVP_PKEY_get_bits(key);
  if (bits < static_cast<int>(kRsaMinModulusBits) || bits > static_cast<int>(kRsaMaxModulusBits)) {
    return invalid_argument("rsa: " + std::to_string(bits) +
                            "-bit modulus is outside the 2048 to 16384 bits allowed");
  }
  CAAS_ASSIGN_OR_RETURN(ossl::Ptr<BIGNUM> n, get_bn(key, OSSL_PKEY_PARAM_RSA_N));
  CAAS_ASSIGN_OR_RETURN(ossl::Ptr<BIGNUM> e, get_bn(key, OSSL_PKEY_PARAM_RSA_E));
  if (BN_is_odd(n.get()) != 1) {
    return invalid_argument("rsa: modulus is even");
  }
  // An even e has no inverse mod lambda(n); with e = 3 and other small exponents every slip in
  // padding becomes exploitable (Bleichenbacher's 2006 e = 3 signature forgery).
  const auto e_bits = static_cast<unsigned>(BN_num_bits(e.get()));
  if (BN_is_odd(e.get()) != 1 || e_bits < kMinPublicExponentBits ||
      e_bits > kMaxPublicExponentBits) {
    return invalid_argument("rsa: public exponent must be odd, at least 65537 and below 2^256");
  }
  return ok_status();
}

// The private half: the relations of RFC 8017 §3.2 between the components (a multi-prime key
// fails n = p q). We do not call EVP_PKEY_pairwise_check: its primality tests cost 50 ms (2048
// bits) to 350 ms (4096 bits) per import; these checks cost microseconds and catch any
// mismatched or corrupted component.
Status check_private(const EVP_PKEY* key) {
  std::array<ossl::Ptr<BIGNUM>, 8> values;
  std::array<const char*, 8> names = {
      OSSL_PKEY_PARAM_RSA_N,         OSSL_PKEY_PARAM_RSA_E,           OSSL_PKEY_PARAM_RSA_D,
      OSSL_PKEY_PARAM_RSA_FACTOR1,   OSSL_PKEY_PARAM_RSA_FACTOR2,     OSSL_PKEY_PARAM_RSA_EXPONENT1,
      OSSL_PKEY_PARAM_RSA_EXPONENT2, OSSL_PKEY_PARAM_RSA_COEFFICIENT1};
  for (std::size_t i = 0; i < values.size(); ++i) {
    CAAS_ASSIGN_OR_RETURN(values[i], get_bn(key, names[i]));
  }
  auto& [n, e, d, p, q, dp, dq, q_inv] = values;
  ossl::Ptr<BN_CTX> ctx(BN_CTX_secure_new());
  ossl::Ptr<BIGNUM> p1(BN_secure_new());
  ossl::Ptr<BIGNUM> q1(BN_secure_new());
  ossl::Ptr<BIGNUM> lambda(BN_secure_new());
  ossl::Ptr<BIGNUM> t(BN_secure_new());
  CAAS_CHECK(ctx && p1 && q1 && lambda && t);
  for (BIGNUM* bn : {p1.get(), q1.get(), lambda.get(), t.get()}) {
    BN_set_flags(bn, BN_FLG_CONSTTIME);
  }
  BN_CTX* c = ctx.get();
  // n = p q; lambda(n) = (p - 1)(q - 1) / gcd(p - 1, q - 1); e d = 1 mod lambda(n);
  // dP = d mod (p - 1); dQ = d mod (q - 1); qInv q = 1 mod p. A failing step (division by zero
  // for p = 1, say) means a malformed key too.
  const bool consistent =
      BN_mul(t.get(), p.get(), q.get(), c) == 1 && BN_cmp(t.get(), n.get()) == 0 &&
      BN_sub(p1.get(), p.get(), BN_value_one()) == 1 &&
      BN_sub(q1.get(), q.get(), BN_value_one()) == 1 &&
      BN_gcd(lambda.get(), p1.get(), q1.get(), c) == 1 &&
      BN_mul(t.get(), p1.get(), q1.get(), c) == 1 &&
      BN_div(lambda.get(), nullptr, t.get(), lambda.get(), c) == 1 &&
      BN_mod_mul(t.get(), e.get(), d.get(), lambda.get(), c) == 1 && BN_is_one(t.get()) == 1 &&
      BN_nnmod(t.get(), d.get(), p1.get(), c) == 1 && BN_cmp(t.get(), dp.get()) == 0 &&
      BN_nnmod(t.get(), d.get(), q1.get(), c) == 1 && BN_cmp(t.get(), dq.get()) == 0 &&
      BN_mod_mul(t.get(), q_inv.get(), q.get(), p.get(), c) == 1 && BN_is_one(t.get()) == 1;
  ossl::clear_errors();
  if (!consistent) {
    return invalid_argument("rsa: inconsistent private key");
  }
  return ok_status();
}

Bytes spki_der(const EVP_PKEY* key) {
  const int size = i2d_PUBKEY(key, nullptr);
  CAAS_CHECK(size > 0);
  Bytes der(static_cast<std::size_t>(size));
  unsigned char* out = der.data();
  CAAS_CHECK(i2d_PUBKEY(key, &out) == size);
  return der;
}

// SubjectPublicKeyInfo DER to a key of any type; the caller checks the type.
Result<ossl::Ptr<EVP_PKEY>> parse_spki(ByteSpan der) {
  CAAS_TRY(check_encoded_size(der));
  const unsigned char* cursor = der.data();
  ossl::Ptr<EVP_PKEY> key(d2i_PUBKEY_ex(nullptr, &cursor, der_length(der), nullptr, nullptr));
  if (key == nullptr) {
    return ossl::error(ErrorCode::kInvalidArgument, "rsa: parse spki der");
  }
  CAAS_TRY(check_consumed(der, static_cast<std::size_t>(cursor - der.data())));
  return key;
}

// PKCS#1 RSAPrivateKey DER ("type-specific" in OpenSSL's decoder names). No passphrase callback
// is set, so nothing can ever prompt on a terminal.
Result<ossl::Ptr<EVP_PKEY>> parse_pkcs1_private(ByteSpan der) {
  CAAS_TRY(check_encoded_size(der));
  EVP_PKEY* raw = nullptr;
  ossl::Ptr<OSSL_DECODER_CTX> decoder(OSSL_DECODER_CTX_new_for_pkey(
      &raw, "DER", "type-specific", "RSA", EVP_PKEY_KEYPAIR, nullptr, nullptr));
  if (decoder == nullptr) {
    return ossl::error("rsa: no pkcs#1 decoder");  // a provider is missing: not the input's fault
  }
  const unsigned char* cursor = der.data();
  std::size_t left = der.size();
  if (OSSL_DECODER_from_data(decoder.get(), &cursor, &left) != 1) {
    return ossl::error(ErrorCode::kInvalidArgument, "rsa: parse pkcs#1 der");
  }
  ossl::Ptr<EVP_PKEY> key(raw);
  CAAS_TRY(check_consumed(der, der.size() - left));
  return key;
}

Result<ossl::Ptr<EVP_PKEY_CTX>> oaep_context(EVP_PKEY* key, bool encrypt, ByteSpan label) {
  ossl::Ptr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr));
  if (ctx == nullptr) {
    return ossl::error("rsa-oaep: new context");
  }
  // RFC 8017 §7.1 with Hash = MGF1's hash = SHA-256. An empty label is OpenSSL's default, and
  // OpenSSL refuses an empty octet-string parameter, so the label goes in only when non-empty;
  // OpenSSL copies it into the context.
  std::array<OSSL_PARAM, 5> params = {
      OSSL_PARAM_construct_utf8_string(OSSL_ASYM_CIPHER_PARAM_PAD_MODE,
                                       param_ptr(OSSL_PKEY_RSA_PAD_MODE_OAEP), 0),
      OSSL_PARAM_construct_utf8_string(OSSL_ASYM_CIPHER_PARAM_OAEP_DIGEST, param_ptr("SHA256"), 0),
      OSSL_PARAM_construct_utf8_string(OSSL_ASYM_CIPHER_PARAM_MGF1_DIGEST, param_ptr("SHA256"), 0),
      OSSL_PARAM_construct_end(), OSSL_PARAM_construct_end()};
  if (!label.empty()) {
    params[3] = OSSL_PARAM_construct_octet_string(OSSL_ASYM_CIPHER_PARAM_OAEP_LABEL,
                                                  param_ptr(label.data()), label.size());
  }
  auto* init = encrypt ? EVP_PKEY_encrypt_init_ex : EVP_PKEY_decrypt_init_ex;
  if (init(ctx.get(), params.data()) != 1) {
    return ossl::error("rsa-oaep: init");
  }
  return ctx;
}

// An EVP_MD_CTX set up for RSASSA-PSS (RFC 8017 §8.1, EMSA-PSS §9.1) with SHA-256, MGF1-SHA-256
// and a 32-byte salt; a verifier insists on exactly that salt length.
Result<ossl::Ptr<EVP_MD_CTX>> pss_context(EVP_PKEY* key, bool sign) {
  int salt_bytes = kPssSaltBytes;
  std::array<OSSL_PARAM, 4> params = {
      OSSL_PARAM_construct_utf8_string(OSSL_SIGNATURE_PARAM_PAD_MODE,
                                       param_ptr(OSSL_PKEY_RSA_PAD_MODE_PSS), 0),
      OSSL_PARAM_construct_utf8_string(OSSL_SIGNATURE_PARAM_MGF1_DIGEST, param_ptr("SHA256"), 0),
      OSSL_PARAM_construct_int(OSSL_SIGNATURE_PARAM_PSS_SALTLEN, &salt_bytes),
      OSSL_PARAM_construct_end()};
  ossl::Ptr<EVP_MD_CTX> ctx(EVP_MD_CTX_new());
  CAAS_CHECK(ctx != nullptr);
  auto* init = sign ? EVP_DigestSignInit_ex : EVP_DigestVerifyInit_ex;  // same signature
  if (init(ctx.get(), nullptr, "SHA256", nullptr, nullptr, key, params.data()) != 1) {
    return ossl::error("rsa-pss: init");
  }
  return ctx;
}

std::size_t modulus_bytes_of(const EVP_PKEY* key) {
  return static_cast<std::size_t>(EVP_PKEY_get_size(key));
}

}  // namespace

Result<RsaPublicKey> RsaPublicKey::from_spki_der(ByteSpan der) {
  CAAS_ASSIGN_OR_RETURN(ossl::Ptr<EVP_PKEY> key, parse_spki(der));
  CAAS_TRY(check_public(key.get()));
  return RsaPublicKey(std::move(key));
}

Result<RsaPublicKey> RsaPublicKey::from_pem(std::string_view pem) {
  CAAS_ASSIGN_OR_RETURN(detail::PemBlock block,
                        detail::pem_decode(as_bytes(pem), kRsaMaxEncodedKeyBytes));
  if (block.label != kPemPublicKey || block.has_headers) {
    return invalid_argument(R"(rsa: expected a pem "PUBLIC KEY" block)");
  }
  return from_spki_der(block.der.expose());
}

Bytes RsaPublicKey::to_spki_der() const { return spki_der(key_.get()); }

std::string RsaPublicKey::to_pem() const {
  SecretBytes pem = detail::pem_encode(kPemPublicKey, to_spki_der());
  return std::string(as_chars(pem.expose()));  // a public key: nothing to protect
}

unsigned RsaPublicKey::bits() const { return static_cast<unsigned>(EVP_PKEY_get_bits(key_.get())); }

std::size_t RsaPublicKey::modulus_bytes() const { return modulus_bytes_of(key_.get()); }

std::size_t RsaPublicKey::max_oaep_plaintext_bytes() const {
  return modulus_bytes() - kRsaOaepSha256OverheadBytes;  // k >= 256 after import checks
}

Status RsaPublicKey::verify_pss(ByteSpan message, ByteSpan signature) const {
  CAAS_ASSIGN_OR_RETURN(ossl::Ptr<EVP_MD_CTX> ctx, pss_context(key_.get(), /*sign=*/false));
  if (EVP_DigestVerify(ctx.get(), signature.data(), signature.size(), message.data(),
                       message.size()) != 1) {
    ossl::clear_errors();
    return decryption_failed();
  }
  return ok_status();
}

Result<RsaPrivateKey> RsaPrivateKey::generate(unsigned bits) {
  if (bits != 2048 && bits != 3072 && bits != 4096) {
    return invalid_argument("rsa: key size must be 2048, 3072 or 4096 bits");
  }
  // The public exponent is OpenSSL's default, 65537.
  ossl::Ptr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
  if (ctx == nullptr || EVP_PKEY_keygen_init(ctx.get()) != 1 ||
      EVP_PKEY_CTX_set_rsa_keygen_bits(ctx.get(), static_cast<int>(bits)) != 1) {
    return ossl::error("rsa: keygen init");
  }
  EVP_PKEY* raw = nullptr;
  if (EVP_PKEY_generate(ctx.get(), &raw) != 1) {
    return ossl::error("rsa: keygen");
  }
  return RsaPrivateKey(ossl::Ptr<EVP_PKEY>(raw));
}

Result<RsaPrivateKey> RsaPrivateKey::from_pkcs8_der(ByteSpan der) {
  CAAS_TRY(check_encoded_size(der));
  const unsigned char* cursor = der.data();
  ossl::Ptr<PKCS8_PRIV_KEY_INFO> info(d2i_PKCS8_PRIV_KEY_INFO(nullptr, &cursor, der_length(der)));
  if (info == nullptr) {
    return ossl::error(ErrorCode::kInvalidArgument, "rsa: parse pkcs#8 der");
  }
  CAAS_TRY(check_consumed(der, static_cast<std::size_t>(cursor - der.data())));
  ossl::Ptr<EVP_PKEY> key(EVP_PKCS82PKEY_ex(info.get(), nullptr, nullptr));
  if (key == nullptr) {
    return ossl::error(ErrorCode::kInvalidArgument, "rsa: parse pkcs#8 der");
  }
  return adopt(std::move(key));
}

Result<RsaPrivateKey> RsaPrivateKey::from_pem(ByteSpan pem) {
  CAAS_ASSIGN_OR_RETURN(detail::PemBlock block, detail::pem_decode(pem, kRsaMaxEncodedKeyBytes));
  if (block.has_headers) {
    // RFC 1421 headers (Proc-Type, DEK-Info) appear only on encrypted traditional keys.
    return invalid_argument("rsa: encrypted private keys are not supported");
  }
  if (block.label == kPemPrivateKey) {
    return from_pkcs8_der(block.der.expose());
  }
  if (block.label != kPemRsaPrivateKey) {
    return invalid_argument(R"(rsa: expected a pem "PRIVATE KEY" or "RSA PRIVATE KEY" block)");
  }
  CAAS_ASSIGN_OR_RETURN(ossl::Ptr<EVP_PKEY> key, parse_pkcs1_private(block.der.expose()));
  return adopt(std::move(key));
}

Result<RsaPrivateKey> RsaPrivateKey::adopt(ossl::Ptr<EVP_PKEY> key) {
  CAAS_TRY(check_public(key.get()));
  CAAS_TRY(check_private(key.get()));
  return RsaPrivateKey(std::move(key));
}

SecretBytes RsaPrivateKey::to_pkcs8_der() const {
  ossl::Ptr<PKCS8_PRIV_KEY_INFO> info(EVP_PKEY2PKCS8(key_.get()));
  CAAS_CHECK(info != nullptr);
  const int size = i2d_PKCS8_PRIV_KEY_INFO(info.get(), nullptr);
  CAAS_CHECK(size > 0);
  SecretBytes der(static_cast<std::size_t>(size));
  unsigned char* out = der.expose_mutable().data();
  CAAS_CHECK(i2d_PKCS8_PRIV_KEY_INFO(info.get(), &out) == size);
  return der;
}

SecretBytes RsaPrivateKey::to_pem() const {
  return detail::pem_encode(kPemPrivateKey, to_pkcs8_der().expose());
}

RsaPublicKey RsaPrivateKey::public_key() const {
  // Through SubjectPublicKeyInfo, so that the public key object holds no private component.
  Result<ossl::Ptr<EVP_PKEY>> key = parse_spki(spki_der(key_.get()));
  CAAS_CHECK(key.ok());
  return RsaPublicKey(std::move(key).value());
}

unsigned RsaPrivateKey::bits() const {
  return static_cast<unsigned>(EVP_PKEY_get_bits(key_.get()));
}

Result<Bytes> RsaPrivateKey::sign_pss(ByteSpan message) const {
  CAAS_ASSIGN_OR_RETURN(ossl::Ptr<EVP_MD_CTX> ctx, pss_context(key_.get(), /*sign=*/true));
  Bytes signature(modulus_bytes_of(key_.get()));
  std::size_t size = signature.size();
  if (EVP_DigestSign(ctx.get(), signature.data(), &size, message.data(), message.size()) != 1) {
    return ossl::error("rsa-pss: sign");
  }
  signature.resize(size);
  return signature;
}

Result<Bytes> oaep_encrypt(const RsaPublicKey& key, ByteSpan plaintext, ByteSpan label) {
  const std::size_t max_bytes = key.max_oaep_plaintext_bytes();
  if (plaintext.size() > max_bytes) {
    return invalid_argument("rsa-oaep: plaintext of " + std::to_string(plaintext.size()) +
                            " bytes exceeds the " + std::to_string(max_bytes) +
                            "-byte maximum for this key");
  }
  CAAS_ASSIGN_OR_RETURN(ossl::Ptr<EVP_PKEY_CTX> ctx,
                        oaep_context(key.key_.get(), /*encrypt=*/true, label));
  Bytes ciphertext(key.modulus_bytes());
  std::size_t size = ciphertext.size();
  if (EVP_PKEY_encrypt(ctx.get(), ciphertext.data(), &size, plaintext.data(), plaintext.size()) !=
      1) {
    return ossl::error("rsa-oaep: encrypt");
  }
  ciphertext.resize(size);
  return ciphertext;
}

Result<SecretBytes> oaep_decrypt(const RsaPrivateKey& key, ByteSpan ciphertext, ByteSpan label) {
  const std::size_t modulus_bytes = modulus_bytes_of(key.key_.get());
  // RFC 8017 §7.1.2 step 1b: a ciphertext that is not k bytes long is a decryption error.
  if (ciphertext.size() != modulus_bytes) {
    return decryption_failed();
  }
  CAAS_ASSIGN_OR_RETURN(ossl::Ptr<EVP_PKEY_CTX> ctx,
                        oaep_context(key.key_.get(), /*encrypt=*/false, label));
  SecretBytes plaintext(modulus_bytes);
  std::size_t size = plaintext.size();
  // OpenSSL checks the padding in constant time (RFC 8017 §7.1.2 note on Manger's attack); we
  // give one answer for every failure and drop the error queue, whose reason codes would tell a
  // padding error from a label mismatch.
  if (EVP_PKEY_decrypt(ctx.get(), plaintext.expose_mutable().data(), &size, ciphertext.data(),
                       ciphertext.size()) != 1) {
    ossl::clear_errors();
    return decryption_failed();
  }
  plaintext.resize(size);
  return plaintext;
}

}  // namespace caas::crypto

// X25519 recipients and identities (age spec, "The X25519 recipient type"): `age1…` public keys
// and `AGE-SECRET-KEY-1…` secret keys, both bech32. Immutable; thread-safe for const use.
#pragma once

#include <string>
#include <string_view>

#include "crypto/secret.h"
#include "crypto/x25519.h"
#include "format/age/recipient.h"

namespace caas::format::age {

inline constexpr std::string_view kX25519StanzaType = "X25519";

class X25519Recipient final : public Recipient {
 public:
  explicit X25519Recipient(const crypto::X25519PublicKey& key) : key_(key) {}
  // Parses "age1…" (bech32, lower case, 32 bytes). Errors: kInvalidArgument.
  static Result<X25519Recipient> parse(std::string_view text);

  X25519Recipient(const X25519Recipient&) = delete;
  X25519Recipient& operator=(const X25519Recipient&) = delete;
  X25519Recipient(X25519Recipient&&) = default;
  X25519Recipient& operator=(X25519Recipient&&) = default;
  ~X25519Recipient() override = default;

  // "age1…", lower case.
  [[nodiscard]] std::string to_string() const;
  [[nodiscard]] const crypto::X25519PublicKey& key() const { return key_; }

  // One "X25519" stanza with a fresh ephemeral share.
  Result<std::vector<Stanza>> wrap(const FileKey& file_key) const override;

 private:
  crypto::X25519PublicKey key_;
};

class X25519Identity final : public Identity {
 public:
  static X25519Identity generate();
  // Parses "AGE-SECRET-KEY-1…" (bech32, upper case, 32 bytes). Errors: kInvalidArgument (the
  // message never quotes the input).
  static Result<X25519Identity> parse(std::string_view text);

  X25519Identity(const X25519Identity&) = delete;
  X25519Identity& operator=(const X25519Identity&) = delete;
  X25519Identity(X25519Identity&&) = default;
  X25519Identity& operator=(X25519Identity&&) = default;
  ~X25519Identity() override = default;

  // "AGE-SECRET-KEY-1…", upper case as age writes it, in wiped memory.
  [[nodiscard]] crypto::SecretBytes to_secret_string() const;
  [[nodiscard]] X25519Recipient recipient() const { return X25519Recipient(key_.public_key()); }

  // Errors as Identity::unwrap; an "X25519" stanza is malformed unless it has exactly one
  // argument, the canonical base64 of 32 bytes, a 32-byte body and a share that is not of low
  // order (spec: the all-zero shared secret MUST abort).
  Result<FileKey> unwrap(std::span<const Stanza> stanzas) const override;

 private:
  explicit X25519Identity(crypto::X25519PrivateKey key) : key_(std::move(key)) {}
  Result<FileKey> unwrap_one(const Stanza& stanza) const;

  crypto::X25519PrivateKey key_;
};

}  // namespace caas::format::age

// Helpers shared by the age tests: deterministic plaintext and one-recipient encryption.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "base/bytes.h"
#include "base/check.h"
#include "format/age/age.h"

namespace caas::format::age::testing {

// `size` bytes of a fixed pattern whose period (256) does not divide the chunk size, so that
// swapped or shifted chunks change the plaintext.
inline Bytes pattern(std::size_t size) {
  Bytes bytes(size);
  for (std::size_t i = 0; i < size; ++i) {
    bytes[i] = static_cast<std::uint8_t>((i * 31 + 7) & 0xff);
  }
  return bytes;
}

// A whole age file of `plaintext` for `recipient`; aborts on failure (a broken test set-up).
inline Bytes encrypt_to(const Recipient& recipient, ByteSpan plaintext) {
  std::vector<const Recipient*> recipients = {&recipient};
  Result<Bytes> file = encrypt(recipients, plaintext);
  CAAS_CHECK(file.ok());
  return std::move(file).value();
}

}  // namespace caas::format::age::testing

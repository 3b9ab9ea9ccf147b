#include "crypto/ossl.h"

#include <array>
#include <string>

#include <openssl/err.h>

namespace caas::crypto::ossl {

Status error(ErrorCode code, std::string_view what) {
  std::string message(what);
  // Report the earliest error (the cause); later ones are usually consequences.
  unsigned long first = ERR_get_error();  // NOLINT(google-runtime-int): OpenSSL's type
  if (first != 0) {
    std::array<char, 256> reason{};
    ERR_error_string_n(first, reason.data(), reason.size());
    message += ": ";
    message += reason.data();
  }
  ERR_clear_error();
  return Status(code, std::move(message));
}

Status error(std::string_view what) { return error(ErrorCode::kInternal, what); }

void clear_errors() noexcept { ERR_clear_error(); }

}  // namespace caas::crypto::ossl

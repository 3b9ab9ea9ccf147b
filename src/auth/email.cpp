#include "auth/email.h"

#include <cstdint>
#include <cstdlib>
#include <memory>

#include <uninorm.h>
#include <unistr.h>

#include "base/bytes.h"

namespace caas::auth {
namespace {

Status email_error(std::string_view reason) {
  return invalid_argument("field email: " + std::string(reason));
}

bool is_ascii_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string_view trim(std::string_view text) {
  while (!text.empty() && is_ascii_space(text.front())) {
    text.remove_prefix(1);
  }
  while (!text.empty() && is_ascii_space(text.back())) {
    text.remove_suffix(1);
  }
  return text;
}

// libunistring returns malloc'ed buffers; this gives them back.
struct FreeDeleter {
  void operator()(std::uint8_t* p) const {
    // NOLINTNEXTLINE(cppcoreguidelines-no-malloc,cppcoreguidelines-owning-memory): C API
    std::free(p);
  }
};

// NFC (UAX #15). The input is valid UTF-8, so a failure can only be running out of memory.
Result<std::string> to_nfc(std::string_view text) {
  ByteSpan bytes = as_bytes(text);
  std::size_t length = 0;
  std::unique_ptr<std::uint8_t, FreeDeleter> out(
      u8_normalize(UNINORM_NFC, bytes.data(), bytes.size(), nullptr, &length));
  if (out == nullptr) {
    return error(ErrorCode::kInternal, "field email: unicode normalization failed");
  }
  return std::string(as_chars(ByteSpan(out.get(), length)));
}

// Unicode White_Space characters outside ASCII (U+0085 is caught as a C1 control).
bool is_unicode_space(ucs4_t c) {
  return c == 0x00A0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 ||
         c == 0x202F || c == 0x205F || c == 0x3000;
}

bool is_forbidden_ascii(ucs4_t c) {
  constexpr std::string_view kForbidden = "<>()[],;:\\\"";
  return c < 0x80 && kForbidden.find(static_cast<char>(c)) != std::string_view::npos;
}

// Rejects controls (C0, DEL, C1), whitespace, and the characters that delimit addresses and
// headers, anywhere in `text` (valid UTF-8).
Status check_characters(std::string_view text) {
  ByteSpan bytes = as_bytes(text);
  for (std::size_t i = 0; i < bytes.size();) {
    ucs4_t c = 0;
    i += static_cast<std::size_t>(u8_mbtouc(&c, bytes.data() + i, bytes.size() - i));
    if (c < 0x20 || (c >= 0x7F && c <= 0x9F)) {
      return email_error("control character");
    }
    if (c == ' ' || is_unicode_space(c)) {
      return email_error("whitespace inside the address");
    }
    if (is_forbidden_ascii(c)) {
      return email_error("forbidden character");
    }
  }
  return ok_status();
}

bool is_ascii_label_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

// One domain label, already lower-cased. Non-ASCII bytes are valid UTF-8 by now.
Status check_label(std::string_view label) {
  if (label.empty()) {
    return email_error("empty domain label");
  }
  if (label.front() == '-' || label.back() == '-') {
    return email_error("domain label starts or ends with '-'");
  }
  bool ascii = true;
  for (char c : label) {
    if (static_cast<unsigned char>(c) >= 0x80) {
      ascii = false;
    } else if (!is_ascii_label_char(c)) {
      return email_error("domain has a character other than letters, digits, '-' and '.'");
    }
  }
  // The 63-byte DNS limit applies to the A-label (punycode) of an internationalized label,
  // which we do not compute here; its UTF-8 length is bounded by the domain limit instead.
  if (ascii && label.size() > kMaxEmailLabelBytes) {
    return email_error("domain label too long");
  }
  return ok_status();
}

Status check_domain(std::string_view domain) {
  if (domain.empty()) {
    return email_error("empty domain");
  }
  if (domain.size() > kMaxEmailDomainBytes) {
    return email_error("domain too long");
  }
  std::size_t start = 0;
  while (true) {
    std::size_t dot = domain.find('.', start);
    CAAS_TRY(check_label(domain.substr(start, dot == std::string_view::npos ? dot : dot - start)));
    if (dot == std::string_view::npos) {
      return ok_status();
    }
    start = dot + 1;
  }
}

Status check_local(std::string_view local) {
  if (local.empty()) {
    return email_error("empty local part");
  }
  if (local.size() > kMaxEmailLocalBytes) {
    return email_error("local part too long");
  }
  // Unquoted, a second '@' is not an address (RFC 5322 §3.4.1), and mailers disagree on where
  // such a string would be delivered.
  if (local.find('@') != std::string_view::npos) {
    return email_error("more than one '@'");
  }
  return ok_status();
}

void lower_ascii(std::string& text, std::size_t from) {
  for (std::size_t i = from; i < text.size(); ++i) {
    if (text[i] >= 'A' && text[i] <= 'Z') {
      text[i] = static_cast<char>(text[i] - 'A' + 'a');
    }
  }
}

// NFC, then the domain's ASCII letters lower-cased. Lower-casing can make a string non-NFC
// ("W" + U+030A has no composition, "w" + U+030A composes to U+1E98), so a domain holding
// non-ASCII characters is normalized again; '@' never composes, so the split is stable.
Result<std::string> canonicalize(std::string_view text) {
  CAAS_ASSIGN_OR_RETURN(std::string out, to_nfc(text));
  std::size_t at = out.rfind('@');
  if (at == std::string::npos) {
    return email_error("missing '@'");
  }
  lower_ascii(out, at + 1);
  std::string_view domain = std::string_view(out).substr(at + 1);
  for (char c : domain) {
    if (static_cast<unsigned char>(c) >= 0x80) {
      CAAS_ASSIGN_OR_RETURN(std::string nfc_domain, to_nfc(domain));
      out.resize(at + 1);
      out += nfc_domain;
      break;
    }
  }
  return out;
}

}  // namespace

Result<std::string> normalize_email(std::string_view input) {
  if (input.size() > kMaxEmailInputBytes) {
    return email_error("too long");
  }
  std::string_view text = trim(input);
  if (text.empty()) {
    return email_error("empty");
  }
  ByteSpan bytes = as_bytes(text);
  if (u8_check(bytes.data(), bytes.size()) != nullptr) {
    return email_error("not valid UTF-8");
  }
  CAAS_ASSIGN_OR_RETURN(std::string out, canonicalize(text));
  // Every check runs on the final form, so the result passes them again: idempotence.
  CAAS_TRY(check_characters(out));
  std::size_t at = out.rfind('@');
  CAAS_TRY(check_local(std::string_view(out).substr(0, at)));
  CAAS_TRY(check_domain(std::string_view(out).substr(at + 1)));
  if (out.size() > kMaxEmailBytes) {
    return email_error("too long");
  }
  return out;
}

}  // namespace caas::auth

#include "format/age/header.h"

#include <algorithm>
#include <string_view>

#include "base/base64.h"
#include "base/check.h"
#include "crypto/hkdf.h"
#include "crypto/hmac.h"

namespace caas::format::age {
namespace {

constexpr std::string_view kVersionLine = "age-encryption.org/v1";
constexpr std::string_view kStanzaPrefix = "-> ";
constexpr std::string_view kMacPrefix = "---";
constexpr std::size_t kMacBase64Chars = 43;  // spec ABNF: end = "--- " 43base64char LF

Status malformed(std::string_view what) {
  return invalid_argument("age header: " + std::string(what));
}

// spec ABNF: argument = 1*VCHAR (%x21-7E).
bool valid_argument(std::string_view arg) {
  return !arg.empty() &&
         std::all_of(arg.begin(), arg.end(), [](char c) { return c >= 0x21 && c <= 0x7e; });
}

bool is_base64_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
         c == '/';
}

// Reads LF-terminated lines from a header; a line never includes its LF.
class LineReader {
 public:
  explicit LineReader(std::string_view text) : text_(text) {}
  std::optional<std::string_view> next() {
    std::size_t end = text_.find('\n', pos_);
    if (end == std::string_view::npos) {
      return std::nullopt;
    }
    std::string_view line = text_.substr(pos_, end - pos_);
    pos_ = end + 1;
    return line;
  }
  [[nodiscard]] bool at_end() const { return pos_ == text_.size(); }

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
};

Result<Stanza> parse_arg_line(std::string_view line) {
  Stanza stanza;
  std::string_view rest = line.substr(kStanzaPrefix.size());
  std::vector<std::string> args;
  while (true) {
    std::size_t space = rest.find(' ');
    std::string_view arg = rest.substr(0, space);
    if (!valid_argument(arg)) {
      return malformed("stanza argument is empty or not printable");
    }
    if (args.size() == kMaxStanzaArgs) {
      return malformed("too many stanza arguments");
    }
    args.emplace_back(arg);
    if (space == std::string_view::npos) {
      break;
    }
    rest = rest.substr(space + 1);
  }
  stanza.type = std::move(args.front());
  stanza.args.assign(std::make_move_iterator(args.begin() + 1),
                     std::make_move_iterator(args.end()));
  return stanza;
}

// Body lines until the first one shorter than 64 columns (spec ABNF: *full-line final-line).
Status parse_body(LineReader& lines, Stanza& stanza) {
  std::string text;
  while (true) {
    std::optional<std::string_view> line = lines.next();
    if (!line) {
      return malformed("stanza body has no final line");
    }
    if (line->size() > kBodyColumns) {
      return malformed("stanza body line longer than 64 columns");
    }
    if (!std::all_of(line->begin(), line->end(), is_base64_char)) {
      return malformed("stanza body is not unpadded base64");
    }
    text.append(*line);
    if (line->size() < kBodyColumns) {
      break;
    }
  }
  // Canonical decoding rejects non-zero unused bits, so the body has one encoding only.
  CAAS_ASSIGN_OR_RETURN(stanza.body, base64_decode_unpadded(text));
  return ok_status();
}

Status parse_mac_line(std::string_view line, HeaderMac& mac) {
  if (line.size() != kMacPrefix.size() + 1 + kMacBase64Chars || line[kMacPrefix.size()] != ' ') {
    return malformed("bad mac line");
  }
  Status decoded = base64_decode_unpadded_into(line.substr(kMacPrefix.size() + 1), mac);
  if (!decoded.ok()) {
    return malformed("mac is not canonical base64");
  }
  return ok_status();
}

void append(Bytes& out, std::string_view text) { out.insert(out.end(), text.begin(), text.end()); }

void append_stanza(Bytes& out, const Stanza& stanza) {
  CAAS_CHECK(valid_stanza(stanza));
  append(out, kStanzaPrefix);
  append(out, stanza.type);
  for (const std::string& arg : stanza.args) {
    append(out, " ");
    append(out, arg);
  }
  append(out, "\n");
  std::string body = base64_encode_unpadded(stanza.body);
  // Full 64-column lines, then a final shorter line, empty when the body fills the last one.
  for (std::size_t pos = 0;; pos += kBodyColumns) {
    std::string_view line = std::string_view(body).substr(std::min(pos, body.size()), kBodyColumns);
    append(out, line);
    append(out, "\n");
    if (line.size() < kBodyColumns) {
      break;
    }
  }
}

}  // namespace

bool valid_stanza(const Stanza& stanza) {
  return valid_argument(stanza.type) && stanza.args.size() < kMaxStanzaArgs &&
         std::all_of(stanza.args.begin(), stanza.args.end(),
                     [](const std::string& arg) { return valid_argument(arg); });
}

Bytes Header::serialize_without_mac() const {
  CAAS_CHECK(!stanzas.empty() && stanzas.size() <= kMaxStanzas);
  Bytes out;
  append(out, kVersionLine);
  append(out, "\n");
  for (const Stanza& stanza : stanzas) {
    append_stanza(out, stanza);
  }
  append(out, kMacPrefix);
  return out;
}

Bytes Header::serialize() const {
  Bytes out = serialize_without_mac();
  append(out, " ");
  append(out, base64_encode_unpadded(mac));
  append(out, "\n");
  return out;
}

Result<Header> Header::parse(ByteSpan bytes) {
  if (bytes.size() > kMaxHeaderBytes) {
    return malformed("header too large");
  }
  LineReader lines(as_chars(bytes));
  if (lines.next() != kVersionLine) {
    return malformed("unsupported version line");
  }
  Header header;
  while (true) {
    std::optional<std::string_view> line = lines.next();
    if (!line) {
      return malformed("no mac line");
    }
    if (line->starts_with(kStanzaPrefix)) {
      if (header.stanzas.size() == kMaxStanzas) {
        return malformed("too many stanzas");
      }
      CAAS_ASSIGN_OR_RETURN(Stanza stanza, parse_arg_line(*line));
      CAAS_TRY(parse_body(lines, stanza));
      header.stanzas.push_back(std::move(stanza));
    } else if (line->starts_with(kMacPrefix)) {
      CAAS_TRY(parse_mac_line(*line, header.mac));
      break;
    } else {
      return malformed("line is neither a stanza nor the mac");
    }
  }
  if (header.stanzas.empty()) {
    return malformed("no recipient stanza");
  }
  if (!lines.at_end()) {
    return malformed("bytes after the mac line");
  }
  return header;
}

std::optional<std::size_t> find_header_end(ByteSpan input) {
  std::string_view text = as_chars(input);
  std::size_t line_start = 0;
  while (line_start < text.size()) {
    std::size_t end = text.find('\n', line_start);
    if (end == std::string_view::npos) {
      return std::nullopt;
    }
    if (text.substr(line_start, end - line_start).starts_with(kMacPrefix)) {
      return end + 1;
    }
    line_start = end + 1;
  }
  return std::nullopt;
}

HeaderMac header_mac(const FileKey& file_key, const Header& header) {
  // spec, "Header MAC": HMAC key = HKDF-SHA-256(ikm = file key, salt = empty, info = "header").
  Result<crypto::SecretArray<32>> key =
      crypto::hkdf_sha256_key(file_key.expose(), ByteSpan(), as_bytes("header"));
  CAAS_CHECK(key.ok());  // fails only for an overlong info, and ours is a constant
  return crypto::hmac_sha256(key->expose(), header.serialize_without_mac());
}

Status verify_header_mac(const FileKey& file_key, const Header& header) {
  HeaderMac expected = header_mac(file_key, header);
  if (!crypto::constant_time_equal(expected, header.mac)) {
    return decryption_failed();
  }
  return ok_status();
}

}  // namespace caas::format::age

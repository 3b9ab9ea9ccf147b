#include "auth/mailer.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <ctime>
#include <string>
#include <utility>

#include <curl/curl.h>
#include <spdlog/spdlog.h>

#include "base/base64.h"
#include "base/hex.h"
#include "crypto/random.h"

namespace caas::auth {
namespace {

constexpr std::size_t kMaxSubjectBytes = 900;       // RFC 5322 §2.1.1: lines of at most 998 octets
constexpr std::size_t kEncodedWordInputBytes = 45;  // 60 base64 chars: a word stays under 75
constexpr std::size_t kMessageIdRandomBytes = 16;

struct CurlEasyDeleter {
  void operator()(CURL* handle) const { curl_easy_cleanup(handle); }
};
struct CurlSlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
struct CurlUrlDeleter {
  void operator()(CURLU* url) const { curl_url_cleanup(url); }
};
struct CurlFreeDeleter {
  void operator()(char* text) const { curl_free(text); }
};
using CurlEasy = std::unique_ptr<CURL, CurlEasyDeleter>;
using CurlSlist = std::unique_ptr<curl_slist, CurlSlistDeleter>;
using CurlUrl = std::unique_ptr<CURLU, CurlUrlDeleter>;
using CurlString = std::unique_ptr<char, CurlFreeDeleter>;

// curl_global_init is not thread-safe and must run once before any other libcurl call.
Status global_init() {
  static std::once_flag once;
  static CURLcode result = CURLE_OK;
  std::call_once(once, [] { result = curl_global_init(CURL_GLOBAL_DEFAULT); });
  if (result != CURLE_OK) {
    return error(ErrorCode::kInternal,
                 std::string("smtp: curl_global_init: ") + curl_easy_strerror(result));
  }
  return ok_status();
}

std::string_view domain_of(std::string_view address) {
  const std::size_t at = address.rfind('@');
  return at == std::string_view::npos ? std::string_view() : address.substr(at + 1);
}

// "Wed, 02 Dec 2026 06:16:53 +0000" (RFC 5322 §3.3), in UTC. Spelled out rather than strftime's
// %a/%b, which follow the locale.
std::string format_date(std::chrono::system_clock::time_point time) {
  static constexpr std::array<const char*, 7> kDays = {"Sun", "Mon", "Tue", "Wed",
                                                       "Thu", "Fri", "Sat"};
  static constexpr std::array<const char*, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const std::time_t seconds = std::chrono::system_clock::to_time_t(time);
  std::tm utc{};
  ::gmtime_r(&seconds, &utc);
  std::array<char, 64> buffer{};
  std::snprintf(buffer.data(), buffer.size(), "%s, %02d %s %04d %02d:%02d:%02d +0000",
                kDays.at(static_cast<std::size_t>(utc.tm_wday)), utc.tm_mday,
                kMonths.at(static_cast<std::size_t>(utc.tm_mon)), utc.tm_year + 1900, utc.tm_hour,
                utc.tm_min, utc.tm_sec);
  return buffer.data();
}

// The Subject header's value: as is when printable ASCII, otherwise RFC 2047 §4.1 "B"
// encoded-words of whole UTF-8 characters, each under 75 characters (§2), folded onto
// continuation lines (RFC 5322 §2.2.3).
Result<std::string> encode_subject(std::string_view subject) {
  if (subject.size() > kMaxSubjectBytes) {
    return invalid_argument("mail subject: too long");
  }
  bool ascii = true;
  for (const char c : subject) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) {
      return invalid_argument("mail subject: control character");
    }
    ascii = ascii && byte < 0x80;
  }
  if (ascii) {
    return std::string(subject);
  }
  std::string encoded;
  std::size_t start = 0;
  while (start < subject.size()) {
    std::size_t end = std::min(start + kEncodedWordInputBytes, subject.size());
    // Back off to a character boundary: a UTF-8 continuation byte is 10xxxxxx.
    while (end < subject.size() && end > start + 1 &&
           (static_cast<unsigned char>(subject[end]) & 0xc0) == 0x80) {
      --end;
    }
    if (!encoded.empty()) {
      encoded += "\r\n ";
    }
    encoded += "=?UTF-8?B?" + base64_encode(as_bytes(subject.substr(start, end - start))) + "?=";
    start = end;
  }
  return encoded;
}

// Appends `text` with every line ending (LF, CR or CRLF) as CRLF (RFC 5322 §2.3), ending in one.
void append_crlf_body(ByteSpan text, crypto::SecretBytes& out) {
  static constexpr std::array<std::uint8_t, 2> kCrlf = {'\r', '\n'};
  std::size_t line_start = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\r' && text[i] != '\n') {
      continue;
    }
    out.append(text.subspan(line_start, i - line_start));
    out.append(kCrlf);
    if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      ++i;
    }
    line_start = i + 1;
  }
  if (line_start < text.size()) {
    out.append(text.subspan(line_start));
    out.append(kCrlf);
  }
}

// The whole RFC 5322 message: header fields, an empty line, the body. Dot-stuffing (RFC 5321
// §4.5.2) is left to libcurl, which escapes a '.' starting a line in SMTP uploads.
Result<crypto::SecretBytes> build_message(const std::string& from, std::string_view from_domain,
                                          const MailMessage& message) {
  CAAS_ASSIGN_OR_RETURN(const std::string subject, encode_subject(message.subject));
  const std::string message_id =
      hex_encode(crypto::random_bytes(kMessageIdRandomBytes)) + "@" + std::string(from_domain);
  const std::string header = "Date: " + format_date(std::chrono::system_clock::now()) +
                             "\r\n"
                             "From: " +
                             from + "\r\nTo: " + message.to + "\r\nSubject: " + subject +
                             "\r\nMessage-ID: <" + message_id +
                             ">\r\n"
                             "MIME-Version: 1.0\r\n"
                             "Content-Type: text/plain; charset=utf-8\r\n"
                             "Content-Transfer-Encoding: 8bit\r\n"
                             "\r\n";
  crypto::SecretBytes out;
  out.reserve(header.size() + message.text.size() + message.text.size() / 8 + 2);
  out.append(as_bytes(header));
  append_crlf_body(message.text.expose(), out);
  return out;
}

struct UploadState {
  ByteSpan data;
  std::size_t offset = 0;
};

extern "C" std::size_t read_upload(char* buffer, std::size_t size, std::size_t count, void* user) {
  auto* state = static_cast<UploadState*>(user);
  const std::size_t n = std::min(size * count, state->data.size() - state->offset);
  std::copy_n(state->data.begin() + static_cast<std::ptrdiff_t>(state->offset), n, buffer);
  state->offset += n;
  return n;
}

}  // namespace

Status check_address(std::string_view address) {
  static constexpr std::string_view kForbidden = "<>,;:\"()[]\\";
  const std::size_t at = address.find('@');
  if (at == std::string_view::npos || at == 0 || at + 1 == address.size() ||
      address.find('@', at + 1) != std::string_view::npos) {
    return invalid_argument("mail address: not of the form local@domain");
  }
  for (const char c : address) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte <= 0x20 || byte >= 0x7f) {
      return invalid_argument("mail address: whitespace, control or non-ASCII character");
    }
    if (kForbidden.find(c) != std::string_view::npos) {
      return invalid_argument("mail address: forbidden character");
    }
  }
  return ok_status();
}

SmtpMailer::SmtpMailer(SmtpOptions options)
    : options_(std::move(options)), from_domain_(domain_of(options_.from)) {}

Result<std::unique_ptr<SmtpMailer>> SmtpMailer::create(SmtpOptions options) {
  CAAS_TRY(global_init());
  CAAS_TRY(check_address(options.from).with_context("smtp from"));
  if (options.timeout.count() <= 0) {
    return invalid_argument("smtp: timeout must be positive");
  }
  if (options.user.find('\0') != std::string::npos ||
      std::find(options.password.expose().begin(), options.password.expose().end(), 0) !=
          options.password.expose().end()) {
    return invalid_argument("smtp: user or password contains a NUL byte");
  }
  CurlUrl url(curl_url());
  if (url == nullptr) {
    return error(ErrorCode::kInternal, "smtp: curl_url: out of memory");
  }
  // CURLU_NON_SUPPORT_SCHEME: parse any scheme, so that we, not libcurl, say what is wrong.
  if (curl_url_set(url.get(), CURLUPART_URL, options.url.c_str(), CURLU_NON_SUPPORT_SCHEME) !=
      CURLUE_OK) {
    return invalid_argument("smtp url: malformed");
  }
  char* raw = nullptr;
  if (curl_url_get(url.get(), CURLUPART_SCHEME, &raw, 0) != CURLUE_OK) {
    return invalid_argument("smtp url: no scheme");
  }
  const CurlString scheme(raw);
  if (std::string_view(scheme.get()) != "smtp" && std::string_view(scheme.get()) != "smtps") {
    return invalid_argument("smtp url: scheme must be smtp or smtps");
  }
  raw = nullptr;
  if (curl_url_get(url.get(), CURLUPART_HOST, &raw, 0) != CURLUE_OK || raw == nullptr) {
    return invalid_argument("smtp url: no host");
  }
  curl_free(raw);
  raw = nullptr;
  if (curl_url_get(url.get(), CURLUPART_USER, &raw, 0) == CURLUE_OK) {
    curl_free(raw);
    return invalid_argument("smtp url: credentials belong in user and password, not the url");
  }
  return std::unique_ptr<SmtpMailer>(new SmtpMailer(std::move(options)));
}

Status SmtpMailer::send(const MailMessage& message) {
  CAAS_TRY(check_address(message.to).with_context("mail recipient"));
  CAAS_ASSIGN_OR_RETURN(crypto::SecretBytes data,
                        build_message(options_.from, from_domain_, message));
  const std::string context = "smtp send to " + std::string(domain_of(message.to));
  CurlEasy curl(curl_easy_init());
  if (curl == nullptr) {
    return error(ErrorCode::kInternal, context + ": curl_easy_init failed");
  }
  const std::string mail_from = "<" + options_.from + ">";
  const std::string rcpt = "<" + message.to + ">";
  CurlSlist recipients(curl_slist_append(nullptr, rcpt.c_str()));
  if (recipients == nullptr) {
    return error(ErrorCode::kInternal, context + ": curl_slist_append failed");
  }
  const bool implicit_tls = options_.url.starts_with("smtps:");
  // With a password to send, a STARTTLS that an attacker on the path strips must not downgrade
  // the login to clear text: TLS is then required, not tried.
  const bool require_tls = implicit_tls || options_.require_starttls || !options_.user.empty();
  const long use_ssl =  // NOLINT(google-runtime-int): libcurl takes long
      require_tls ? CURLUSESSL_ALL : CURLUSESSL_TRY;
  const long timeout_ms =
      static_cast<long>(options_.timeout.count());  // NOLINT(google-runtime-int)
  UploadState upload{data.expose(), 0};
  std::array<char, CURL_ERROR_SIZE> error_buffer{};

  CURLcode rc = CURLE_OK;
  auto set = [&](CURLoption option, auto value) {
    if (rc == CURLE_OK) {
      rc = curl_easy_setopt(curl.get(), option, value);
    }
  };
  set(CURLOPT_URL, options_.url.c_str());
  set(CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  set(CURLOPT_MAIL_FROM, mail_from.c_str());
  set(CURLOPT_MAIL_RCPT, recipients.get());
  set(CURLOPT_UPLOAD, 1L);
  set(CURLOPT_READFUNCTION, &read_upload);
  set(CURLOPT_READDATA, static_cast<void*>(&upload));
  set(CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(data.size()));
  set(CURLOPT_USE_SSL, use_ssl);
  set(CURLOPT_TIMEOUT_MS, timeout_ms);
  set(CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
  set(CURLOPT_NOSIGNAL, 1L);
  set(CURLOPT_VERBOSE, 0L);
  set(CURLOPT_ERRORBUFFER, error_buffer.data());
  crypto::SecretBytes password;  // NUL-terminated copy; libcurl keeps its own until cleanup
  if (!options_.user.empty()) {
    password = options_.password.clone();
    password.append(std::array<std::uint8_t, 1>{0});
    set(CURLOPT_USERNAME, options_.user.c_str());
    set(CURLOPT_PASSWORD, reinterpret_cast<const char*>(password.expose().data()));
  }
  if (rc != CURLE_OK) {
    return error(ErrorCode::kInternal, context + ": setopt: " + curl_easy_strerror(rc));
  }
  rc = curl_easy_perform(curl.get());
  if (rc == CURLE_OK) {
    return ok_status();
  }
  // The error buffer and the reply code hold what libcurl saw of the connection and the
  // server's replies, never the credentials or the body we uploaded.
  std::string detail = curl_easy_strerror(rc);
  if (error_buffer[0] != '\0') {
    detail += std::string(" (") + error_buffer.data() + ")";
  }
  long reply = 0;  // NOLINT(google-runtime-int)
  if (curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &reply) == CURLE_OK && reply != 0) {
    detail += ", server replied " + std::to_string(reply);
  }
  return error(ErrorCode::kUnavailable, context + ": " + detail);
}

Status LogMailer::send(const MailMessage& message) {
  CAAS_TRY(check_address(message.to).with_context("mail recipient"));
  spdlog::warn("dev mode: mail to {}: {}: {}", message.to, message.subject,
               as_chars(message.text.expose()));
  return ok_status();
}

MailQueue::MailQueue(Mailer& mailer, std::size_t capacity, std::chrono::milliseconds drain_timeout)
    : mailer_(mailer),
      capacity_(capacity),
      drain_timeout_(drain_timeout),
      worker_([this] { run(); }) {}

MailQueue::~MailQueue() {
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
    drain_deadline_ = std::chrono::steady_clock::now() + drain_timeout_;
  }
  work_.notify_all();
  worker_.join();
}

bool MailQueue::enqueue(MailMessage message) {
  {
    const std::lock_guard lock(mutex_);
    if (stopping_ || queue_.size() >= capacity_) {
      return false;
    }
    queue_.push_back(std::move(message));
  }
  work_.notify_one();
  return true;
}

void MailQueue::wait_idle() {
  std::unique_lock lock(mutex_);
  idle_.wait(lock, [this] { return queue_.empty() && !sending_; });
}

void MailQueue::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    work_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (!queue_.empty() && stopping_ && std::chrono::steady_clock::now() >= drain_deadline_) {
      spdlog::warn("mail queue: shutting down, dropping {} unsent mails", queue_.size());
      queue_.clear();
    }
    if (queue_.empty()) {  // and so stopping_
      idle_.notify_all();
      return;
    }
    MailMessage message = std::move(queue_.front());
    queue_.pop_front();
    sending_ = true;
    lock.unlock();
    const Status status = mailer_.send(message);
    if (!status.ok()) {
      spdlog::warn("mail queue: mail to a recipient at {} not sent: {}", domain_of(message.to),
                   status.to_string());
    }
    lock.lock();
    sending_ = false;
    if (queue_.empty()) {
      idle_.notify_all();
    }
  }
}

}  // namespace caas::auth

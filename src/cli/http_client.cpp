#include "cli/http_client.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <mutex>
#include <optional>

#include <curl/curl.h>

namespace caas::cli {
namespace {

// Connecting must not hang a script for minutes; transfers themselves may take as long as the
// bytes need, but not stall: under 1 byte/s for 60 s ends them.
constexpr long kConnectTimeoutSeconds = 10;
constexpr long kLowSpeedSeconds = 60;
// All the header lines of one exchange (interim 1xx answers included): caasd sends a few
// hundred bytes.
constexpr std::size_t kMaxHeaderBytes = 64 * 1024;

void global_init_once() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// What one transfer carries between curl's callbacks.
struct Transfer {
  const HttpRequest* request = nullptr;
  HttpResponse response;
  long status_seen = 0;  // the status line of the final response, once headers arrive
  std::uint64_t sent = 0;
  std::uint64_t received = 0;
  bool started = false;  // on_start was called
  std::size_t header_bytes = 0;
  std::optional<Status> failure;  // a reader/writer error, which aborted the transfer
};

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
    text.remove_prefix(1);
  }
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r' ||
                           text.back() == '\n')) {
    text.remove_suffix(1);
  }
  return text;
}

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  std::string_view line(data, size * count);
  // Bounded whatever the server sends; curl calls this once per header line.
  transfer->header_bytes += line.size();
  if (transfer->header_bytes > kMaxHeaderBytes) {
    transfer->failure = error(ErrorCode::kResourceExhausted, "the server's headers are too large");
    return 0;  // aborts the transfer
  }
  if (line.starts_with("HTTP/")) {
    // A new response (after a 100 Continue, say): forget the previous one's headers. Its status
    // routes the body that follows (on_body), so it is read here, before any body byte.
    transfer->response.headers.clear();
    transfer->status_seen = 0;
    std::size_t space = line.find(' ');
    if (space != std::string_view::npos && line.size() >= space + 4) {
      std::string code(line.substr(space + 1, 3));
      transfer->status_seen = std::strtol(code.c_str(), nullptr, 10);
    }
    return line.size();
  }
  std::size_t colon = line.find(':');
  if (colon != std::string_view::npos) {
    transfer->response.headers[lower(trim(line.substr(0, colon)))] =
        std::string(trim(line.substr(colon + 1)));
  }
  return line.size();
}

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  std::size_t bytes = size * count;
  transfer->received += bytes;
  bool success = transfer->status_seen >= 200 && transfer->status_seen < 300;
  if (success && transfer->request->writer) {
    if (!transfer->started) {
      transfer->started = true;
      transfer->response.status = transfer->status_seen;
      if (transfer->request->on_start) {
        Status status = transfer->request->on_start(transfer->response);
        if (!status.ok()) {
          transfer->failure = std::move(status);
          return 0;
        }
      }
    }
    Status status =
        transfer->request->writer(ByteSpan(reinterpret_cast<std::uint8_t*>(data), bytes));
    if (!status.ok()) {
      transfer->failure = std::move(status);
      return 0;  // aborts the transfer
    }
    if (transfer->request->progress) {
      transfer->request->progress(transfer->received);
    }
    return bytes;
  }
  if (transfer->response.body.size() + bytes > kMaxSmallBodyBytes) {
    transfer->failure = error(ErrorCode::kResourceExhausted, "the server's answer is too large");
    return 0;
  }
  transfer->response.body.append(data, bytes);
  return bytes;
}

std::size_t on_read(char* data, std::size_t size, std::size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  Result<std::size_t> got = transfer->request->reader(
      MutableByteSpan(reinterpret_cast<std::uint8_t*>(data), size * count));
  if (!got.ok()) {
    transfer->failure = std::move(got).status();
    return CURL_READFUNC_ABORT;
  }
  transfer->sent += *got;
  if (transfer->request->progress) {
    transfer->request->progress(transfer->sent);
  }
  return *got;
}

}  // namespace

struct HttpClient::Handle {
  CURL* curl = nullptr;
  ~Handle() {
    if (curl != nullptr) {
      curl_easy_cleanup(curl);
    }
  }
};

std::string HttpResponse::header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? std::string() : it->second;
}

Result<HttpClient> HttpClient::create(std::string base_url) {
  while (base_url.ends_with('/')) {
    base_url.pop_back();
  }
  if (!base_url.starts_with("http://") && !base_url.starts_with("https://")) {
    return error(ErrorCode::kInvalidArgument,
                 "server URL must start with http:// or https:// (got \"" + base_url + "\")");
  }
  global_init_once();
  auto handle = std::make_unique<Handle>();
  handle->curl = curl_easy_init();
  if (handle->curl == nullptr) {
    return error(ErrorCode::kInternal, "libcurl could not start");
  }
  return HttpClient(std::move(base_url), std::move(handle));
}

HttpClient::HttpClient(std::string base_url, std::unique_ptr<Handle> handle)
    : base_url_(std::move(base_url)), handle_(std::move(handle)) {}
HttpClient::HttpClient(HttpClient&&) noexcept = default;
HttpClient& HttpClient::operator=(HttpClient&&) noexcept = default;
HttpClient::~HttpClient() = default;

void HttpClient::set_token(crypto::SecretBytes token) { token_ = std::move(token); }

Result<HttpResponse> HttpClient::send(const HttpRequest& request) {
  CURL* curl = handle_->curl;
  curl_easy_reset(curl);
  Transfer transfer;
  transfer.request = &request;

  std::string url = base_url_ + request.target;
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  // Paths go as typed: libcurl would drop "." and ".." segments, which the server refuses.
  curl_easy_setopt(curl, CURLOPT_PATH_AS_IS, 1L);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, kConnectTimeoutSeconds);
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, kLowSpeedSeconds);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  // A private CA (an internal caasd with its own certificate): CAAS_CA_FILE names its PEM file.
  // Otherwise libcurl uses the system's trust store. Verification is never switched off.
  if (const char* ca_file = std::getenv("CAAS_CA_FILE"); ca_file != nullptr && ca_file[0] != '\0') {
    curl_easy_setopt(curl, CURLOPT_CAINFO, ca_file);
  }
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &transfer);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &transfer);

  if (request.method == "HEAD") {
    curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  } else if (request.reader) {
    curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(curl, CURLOPT_READFUNCTION, on_read);
    curl_easy_setopt(curl, CURLOPT_READDATA, &transfer);
    curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(request.body_size));
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  } else if (request.method != "GET" || !request.body.empty()) {
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(request.body.size()));
  }

  curl_slist* headers = nullptr;
  // curl adds "Expect: 100-continue" to large uploads and waits for the server; caasd answers
  // refusals (401/409/413) before reading a body anyway, so the wait only costs a round trip.
  headers = curl_slist_append(headers, "Expect:");
  for (const std::string& header : request.headers) {
    headers = curl_slist_append(headers, header.c_str());
  }
  crypto::SecretBytes authorization;
  if (!token_.empty()) {
    authorization = crypto::SecretBytes::copy_of(as_bytes("Authorization: Bearer "));
    authorization.append(token_.expose());
    authorization.append(as_bytes(std::string_view("\0", 1)));
    headers =
        curl_slist_append(headers, reinterpret_cast<const char*>(authorization.expose().data()));
  }
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);

  CURLcode code = curl_easy_perform(curl);
  curl_slist_free_all(headers);
  if (!token_.empty()) {
    // curl_slist_append copied the header; that copy is freed (not wiped) above. Ours is wiped.
    authorization.clear();
  }
  if (transfer.failure.has_value()) {
    return *std::move(transfer.failure);
  }
  if (code != CURLE_OK) {
    return error(ErrorCode::kUnavailable,
                 "cannot reach " + base_url_ + ": " + curl_easy_strerror(code));
  }
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &transfer.response.status);
  return std::move(transfer.response);
}

std::string url_encode(std::string_view text, bool keep_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    auto c = static_cast<unsigned char>(ch);
    // RFC 3986 unreserved characters, spelled out: isalnum() would follow the locale.
    bool unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved || (keep_slash && c == '/')) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

}  // namespace caas::cli

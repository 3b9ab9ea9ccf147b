// HttpClient: the client's one HTTP transport, over libcurl (TLS, proxies, HTTP/1.1 keep-alive).
// Three shapes of request: a small body in and a small body out (JSON calls), a streamed body in
// (uploads, pulled from a BodyReader as curl sends) and a streamed body out (downloads, pushed
// to a BodyWriter as curl receives). Error bodies are always collected, bounded, so that the
// caller can show the server's message.
//
// TLS peers are always verified, against the system's trust store or the PEM file named by
// CAAS_CA_FILE.
//
// Not thread-safe: one per thread. The bearer token is held in wiped memory and is never part
// of an error message.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "crypto/secret.h"

namespace caas::cli {

// The largest response body collected in memory (JSON answers, error bodies).
inline constexpr std::size_t kMaxSmallBodyBytes = std::size_t{16} << 20;

struct HttpResponse {
  long status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased; the last value wins
  std::string body;                            // empty when streamed to a BodyWriter

  [[nodiscard]] bool success() const { return status >= 200 && status < 300; }
  // The header's value, or "" when absent.
  [[nodiscard]] std::string header(const std::string& lower_name) const;
};

// Fills `out` with the next body bytes; returns 0 at the end.
using BodyReader = std::function<Result<std::size_t>(MutableByteSpan out)>;
// Takes the next bytes of a 2xx body.
using BodyWriter = std::function<Status(ByteSpan bytes)>;
// Bytes moved so far; called often, so it must be cheap.
using ProgressCallback = std::function<void(std::uint64_t done)>;

struct HttpRequest {
  std::string method = "GET";
  std::string target;  // path and query, already percent-encoded ("/v1/files/a%20b?mode=client")
  std::vector<std::string> headers;  // "Name: value"
  std::string body;                  // a small body (ignored when `reader` is set)
  BodyReader reader;                 // a streamed body of exactly `body_size` bytes
  std::uint64_t body_size = 0;
  BodyWriter writer;  // where a 2xx body goes; unset: into HttpResponse::body
  // Called once before the first byte of a 2xx body reaches `writer`, with the status and
  // headers, so that the writer can depend on them (a file's mode). Not called for an empty body.
  std::function<Status(const HttpResponse&)> on_start;
  ProgressCallback progress;
};

class HttpClient {
 public:
  // `base_url` is "http://host:port" or "https://…", without a path. Errors: kInvalidArgument.
  static Result<HttpClient> create(std::string base_url);
  HttpClient(HttpClient&&) noexcept;
  HttpClient& operator=(HttpClient&&) noexcept;
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;
  ~HttpClient();

  [[nodiscard]] const std::string& base_url() const { return base_url_; }
  // Sent as "Authorization: Bearer <token>" from now on; empty: none.
  void set_token(crypto::SecretBytes token);
  [[nodiscard]] bool has_token() const { return !token_.empty(); }

  // Any HTTP status is a response; errors are transport failures: kUnavailable (cannot
  // connect, timeout, TLS), kIo, or the reader's/writer's own error.
  Result<HttpResponse> send(const HttpRequest& request);

 private:
  struct Handle;
  HttpClient(std::string base_url, std::unique_ptr<Handle> handle);

  std::string base_url_;
  crypto::SecretBytes token_;
  std::unique_ptr<Handle> handle_;
};

// Percent-encodes `text` for a URL path (keeping '/' when `keep_slash`) or a query value.
std::string url_encode(std::string_view text, bool keep_slash);

}  // namespace caas::cli

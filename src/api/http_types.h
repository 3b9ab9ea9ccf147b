// Request and Response as handlers see them: plain values with no Beast types, so that handler
// code (and every module above src/api) compiles without Beast and Asio headers. The session
// (api/detail/session.cpp) converts from and to the wire.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"

namespace caas::api {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct Request {
  std::string method;  // "GET", "POST", ...
  std::string path;    // the raw path, without the query
  std::string query;   // after '?', raw; empty when there is none
  std::vector<std::pair<std::string, std::string>> params;  // path parameters, percent-decoded
  std::string authorization;                                // the Authorization header, or empty
  std::string content_type;                                 // the Content-Type header, or empty
  std::string range;          // the Range header, or empty (file downloads)
  std::string if_none_match;  // the If-None-Match header, or empty
  // The X-Caas-Content-Hash header (file uploads), or nullopt when absent.
  std::optional<std::string> content_hash;
  std::string body;  // wiped by the session once the handler returns
  std::string request_id;
  std::string remote_address;

  // The path parameter `name` (declared in the route pattern, so always present).
  [[nodiscard]] std::string_view param(std::string_view name) const;
  // The percent-decoded value of query parameter `name`; nullopt when absent.
  [[nodiscard]] std::optional<std::string> query_param(std::string_view name) const;
  // The token of an "Authorization: Bearer <token>" header, or empty.
  [[nodiscard]] std::string_view bearer_token() const;
};

// A response body produced while it is sent (file downloads). The session pulls it in chunks on
// the file I/O pool — reading the next chunk while the previous one is on the wire — and
// never holds more than two chunks.
class BodySource {
 public:
  BodySource() = default;
  BodySource(const BodySource&) = delete;
  BodySource& operator=(const BodySource&) = delete;
  virtual ~BodySource() = default;

  // Fills `out` (never empty) with the next bytes and returns how many; 0 only at the end. An
  // error ends the response early: the session closes the connection before the declared
  // length, so the client cannot take a cut body for a whole one. The source logs why.
  virtual Result<std::size_t> read(MutableByteSpan out) = 0;
};

struct Response {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::string body;
  HeaderList headers;
  // The body holds secrets (unseal shares, tokens): the session wipes it once written.
  bool sensitive = false;
  // When set, the body is streamed from here instead, `stream_bytes` long (Content-Length).
  std::shared_ptr<BodySource> stream;
  std::uint64_t stream_bytes = 0;
  // HEAD: send the headers, Content-Length = stream_bytes, and no body.
  bool head = false;
};

// A request body taken in as it arrives (file uploads). The session reads the body in chunks
// and hands each to write() on the file I/O pool while it reads the next one, so receiving,
// encrypting and writing overlap, and memory stays at two chunks whatever the body's size.
// Exactly one of finish() and abort() ends it; both run on the pool.
class BodySink {
 public:
  BodySink() = default;
  BodySink(const BodySink&) = delete;
  BodySink& operator=(const BodySink&) = delete;
  virtual ~BodySink() = default;

  // Takes the next bytes of the body. An error stops the upload: the session calls fail().
  virtual Status write(ByteSpan chunk) = 0;
  // The whole body arrived: make it durable and answer.
  virtual Response finish() = 0;
  // write() failed with `status`: discard everything and answer with the error.
  virtual Response fail(const Status& status) = 0;
  // The body will not complete (the client left, a timeout, over the limit, malformed): discard
  // everything. No answer is wanted, or the session sends its own.
  virtual void abort() = 0;
};

// What an upload handler decides once the request's header is in: answer at once (401, 409…)
// without reading the body, or take the body into `sink`.
struct UploadStart {
  Response response;
  std::shared_ptr<BodySink> sink;  // null: send `response`
};

// Percent-decodes `text` ('+' stays '+'). nullopt on a malformed escape.
std::optional<std::string> percent_decode(std::string_view text);

}  // namespace caas::api

// Fuzzes the client-mode upload check (files/detail/age_body_check.h) for properties:
// - the verdict, the header length and the bytes handed on do not depend on how the body is cut
//   into pushes (the input's first byte picks the piece size);
// - the bytes handed on are exactly a prefix of the body, and all of it when the check passes;
// - an accepted body starts with a header Header::parse accepts, of the length the check says
//   and at most kMaxClientHeaderBytes, followed by a payload of a valid length;
// - every refusal is kInvalidArgument "invalid_age: …".
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "base/bytes.h"
#include "files/detail/age_body_check.h"
#include "files/file_service.h"
#include "format/age/header.h"

namespace {

using caas::Bytes;
using caas::ByteSpan;

void require(bool property) {
  if (!property) {
    std::abort();
  }
}

struct Outcome {
  bool accepted = false;
  std::size_t header_bytes = 0;
  Bytes handed_on;
};

Outcome run(ByteSpan body, std::size_t piece) {
  caas::files::detail::AgeBodyCheck check;
  Outcome outcome;
  for (std::size_t at = 0; at < body.size(); at += piece) {
    caas::Result<ByteSpan> ready = check.push(body.subspan(at, std::min(piece, body.size() - at)));
    if (!ready.ok()) {
      require(ready.status().code() == caas::ErrorCode::kInvalidArgument);
      require(ready.status().message().starts_with("invalid_age: "));
      return outcome;
    }
    outcome.handed_on.insert(outcome.handed_on.end(), ready->begin(), ready->end());
  }
  caas::Status finished = check.finish();
  if (!finished.ok()) {
    require(finished.message().starts_with("invalid_age: "));
    return outcome;
  }
  outcome.accepted = true;
  outcome.header_bytes = check.header_bytes();
  return outcome;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) {
    return 0;
  }
  const std::size_t piece = 1 + data[0] % 64;
  ByteSpan body(data + 1, size - 1);
  Outcome whole = run(body, body.size() + 1);
  Outcome pieces = run(body, piece);
  require(whole.accepted == pieces.accepted);
  require(whole.header_bytes == pieces.header_bytes);
  for (const Outcome& outcome : {whole, pieces}) {
    require(outcome.handed_on.size() <= body.size());
    require(std::equal(outcome.handed_on.begin(), outcome.handed_on.end(), body.begin()));
  }
  if (whole.accepted) {
    require(whole.handed_on.size() == body.size() && pieces.handed_on.size() == body.size());
    require(whole.header_bytes > 0 && whole.header_bytes <= caas::files::kMaxClientHeaderBytes);
    require(caas::format::age::Header::parse(body.first(whole.header_bytes)).ok());
    require(caas::files::detail::valid_age_payload_length(body.size() - whole.header_bytes));
  }
  return 0;
}

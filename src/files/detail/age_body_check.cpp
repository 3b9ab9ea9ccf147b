#include "files/detail/age_body_check.h"

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>

#include "files/file_service.h"
#include "format/age/header.h"

namespace caas::files::detail {
namespace {

constexpr std::uint64_t kAgeNonceBytes = 16;
constexpr std::uint64_t kAgeTagBytes = 16;
constexpr std::uint64_t kAgeChunkBytes = std::uint64_t{64} * 1024 + kAgeTagBytes;
constexpr std::string_view kAgeVersionLine = "age-encryption.org/v1\n";

Status invalid_age(std::string_view why) {
  return invalid_argument("invalid_age: " + std::string(why));
}

}  // namespace

bool valid_age_payload_length(std::uint64_t bytes) {
  if (bytes < kAgeNonceBytes) {
    return false;
  }
  const std::uint64_t chunks = bytes - kAgeNonceBytes;
  const std::uint64_t full = chunks / kAgeChunkBytes;
  const std::uint64_t rest = chunks % kAgeChunkBytes;
  // A last chunk that is full, or short but not empty, or the one empty chunk of an empty file.
  return (full >= 1 && rest == 0) || rest > kAgeTagBytes || (full == 0 && rest == kAgeTagBytes);
}

Result<ByteSpan> AgeBodyCheck::push(ByteSpan bytes) {
  if (failed_) {
    return invalid_age("the body already failed its check");
  }
  total_ += bytes.size();
  if (header_bytes_ > 0) {
    if (!pending_.empty()) {
      Bytes().swap(pending_);  // handed out by the call that found the header's end
    }
    return bytes;
  }
  // At most the cap and what follows in this call: bounded by the cap plus one chunk.
  pending_.insert(pending_.end(), bytes.begin(), bytes.end());
  if (Status found = find_header(); !found.ok()) {
    failed_ = true;
    pending_.clear();
    return found;
  }
  if (header_bytes_ == 0) {
    if (pending_.size() >= kMaxClientHeaderBytes) {
      failed_ = true;
      pending_.clear();
      return invalid_age("no age header ends within the first " +
                         std::to_string(kMaxClientHeaderBytes) + " bytes");
    }
    return ByteSpan();
  }
  return ByteSpan(pending_);
}

// Scans only from the last incomplete line, so a body trickled in tiny pieces costs linear time.
Status AgeBodyCheck::find_header() {
  const std::size_t known = std::min(pending_.size(), kAgeVersionLine.size());
  if (!std::equal(pending_.begin(), pending_.begin() + static_cast<long>(known),
                  kAgeVersionLine.begin())) {
    return invalid_age(
        "the body does not start with an age v1 header (armored files are not accepted: send "
        "the binary form)");
  }
  const std::size_t limit = std::min(pending_.size(), kMaxClientHeaderBytes);
  std::optional<std::size_t> end =
      format::age::find_header_end(ByteSpan(pending_).first(limit).subspan(scan_from_));
  if (!end) {
    auto last_lf = std::find(pending_.rbegin(), pending_.rend(), '\n');
    scan_from_ = std::min(static_cast<std::size_t>(pending_.rend() - last_lf), limit);
    return ok_status();
  }
  const std::size_t header_end = scan_from_ + *end;
  if (!format::age::Header::parse(ByteSpan(pending_).first(header_end)).ok()) {
    return invalid_age("the age header is malformed");
  }
  header_bytes_ = header_end;
  return ok_status();
}

Status AgeBodyCheck::finish() const {
  if (failed_) {
    return invalid_age("the body already failed its check");
  }
  if (header_bytes_ == 0) {
    return invalid_age(total_ == 0 ? "the body is empty"
                                   : "the body ends before its age header does");
  }
  if (!valid_age_payload_length(total_ - header_bytes_)) {
    return invalid_age("payload length is not an age payload");
  }
  return ok_status();
}

}  // namespace caas::files::detail

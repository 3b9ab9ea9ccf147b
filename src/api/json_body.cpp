#include "api/json_body.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <new>
#include <string>

#include <boost/json/memory_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/storage_ptr.hpp>
#include <boost/json/value.hpp>

#include "base/check.h"
#include "crypto/secret.h"

namespace caas::api {
namespace {

// A memory resource that wipes every block before freeing it, so that secrets parsed out of a
// request body leave no copy on the heap. Each block records its own size in a 16-byte prefix:
// the wipe then covers exactly what was allocated, whatever size and alignment the caller
// passes back on deallocation (Boost.JSON does not always pass the same alignment).
class WipingResource final : public boost::json::memory_resource {
 private:
  static constexpr std::size_t kPrefixBytes = 16;  // keeps the 16-byte alignment of new

  void* do_allocate(std::size_t bytes, std::size_t align) override {
    CAAS_CHECK(align <= kPrefixBytes);
    auto* block = static_cast<unsigned char*>(::operator new(bytes + kPrefixBytes));
    std::memcpy(block, &bytes, sizeof bytes);
    return block + kPrefixBytes;  // NOLINT(cppcoreguidelines-pro-bounds-pointer-arithmetic)
  }
  void do_deallocate(void* p, std::size_t /*bytes*/, std::size_t /*align*/) override {
    auto* block = static_cast<unsigned char*>(p) - kPrefixBytes;  // NOLINT(pointer-arithmetic)
    std::size_t size = 0;
    std::memcpy(&size, block, sizeof size);
    crypto::detail::secure_wipe(block, size + kPrefixBytes);
    ::operator delete(block);
  }
  [[nodiscard]] bool do_is_equal(const memory_resource& other) const noexcept override {
    return this == &other;
  }
};

// RFC 8259 §6 lets a parser limit the range of numbers. Boost.JSON turns 1e400 into infinity,
// which no JSON text can carry back (it serializes as "Infinity"): such a body is refused.
bool has_non_finite(const boost::json::value& value) {
  switch (value.kind()) {
    case boost::json::kind::double_:
      return !std::isfinite(value.get_double());
    case boost::json::kind::array:
      return std::any_of(value.get_array().begin(), value.get_array().end(), has_non_finite);
    case boost::json::kind::object:
      return std::any_of(value.get_object().begin(), value.get_object().end(),
                         [](const auto& member) { return has_non_finite(member.value()); });
    default:
      return false;
  }
}

Status field_error(std::string_view field, std::string_view what) {
  return invalid_argument("field " + std::string(field) + ": " + std::string(what));
}

}  // namespace

Result<boost::json::object> parse_json_object(std::string_view body) {
  boost::json::parse_options options;
  options.max_depth = kMaxJsonDepth;
  boost::system::error_code ec;
  boost::json::value value =
      boost::json::parse(body, ec, boost::json::make_shared_resource<WipingResource>(), options);
  if (ec) {
    return invalid_argument("body: malformed JSON");
  }
  if (!value.is_object()) {
    return invalid_argument("body: must be a JSON object");
  }
  if (has_non_finite(value)) {
    return invalid_argument("body: a number is out of range");
  }
  return std::move(value.as_object());
}

Result<std::int64_t> get_int(const boost::json::object& object, std::string_view field,
                             std::int64_t min, std::int64_t max) {
  const boost::json::value* value = object.if_contains(field);
  std::string range =
      "must be an integer from " + std::to_string(min) + " to " + std::to_string(max);
  if (value == nullptr) {
    return field_error(field, "missing; " + range);
  }
  std::int64_t number = 0;
  if (value->is_int64()) {
    number = value->as_int64();
  } else if (value->is_uint64() && value->as_uint64() <= static_cast<std::uint64_t>(max)) {
    number = static_cast<std::int64_t>(value->as_uint64());
  } else {
    return field_error(field, range);
  }
  if (number < min || number > max) {
    return field_error(field, range);
  }
  return number;
}

Result<std::string_view> get_string(const boost::json::object& object, std::string_view field) {
  const boost::json::value* value = object.if_contains(field);
  if (value == nullptr) {
    return field_error(field, "missing; must be a string");
  }
  if (!value->is_string()) {
    return field_error(field, "must be a string");
  }
  const boost::json::string& text = value->as_string();
  return std::string_view(text.data(), text.size());
}

Response json_response(unsigned status, const boost::json::value& body, bool sensitive) {
  Response response;
  response.status = status;
  response.body = boost::json::serialize(body);
  response.sensitive = sensitive;
  return response;
}

}  // namespace caas::api

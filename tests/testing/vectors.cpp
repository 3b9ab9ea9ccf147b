#include "testing/vectors.h"

#include <boost/json/parse.hpp>
#include <boost/json/string.hpp>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "base/hex.h"

namespace caas::testing {
namespace {

[[noreturn]] void die(const std::string& message) {
  std::fprintf(stderr, "test vectors: %s\n", message.c_str());
  std::abort();
}

}  // namespace

std::filesystem::path vector_path(std::string_view relative) {
  return std::filesystem::path(CAAS_TEST_VECTORS_DIR) / relative;
}

boost::json::value load_json(std::string_view relative) {
  std::ifstream in(vector_path(relative), std::ios::binary);
  if (!in) {
    die("cannot open " + vector_path(relative).string());
  }
  std::stringstream text;
  text << in.rdbuf();
  boost::json::error_code ec;
  boost::json::value value = boost::json::parse(text.str(), ec);
  if (ec) {
    die("cannot parse " + std::string(relative) + ": " + ec.message());
  }
  return value;
}

Bytes hex(std::string_view text) {
  Result<Bytes> bytes = hex_decode(text);
  if (!bytes.ok()) {
    die("bad hex in a vector file: " + std::string(text.substr(0, 32)));
  }
  return std::move(bytes).value();
}

std::string_view str(const boost::json::value& object, std::string_view key) {
  const boost::json::value* member = object.as_object().if_contains(key);
  if (member == nullptr || !member->is_string()) {
    die("missing string member " + std::string(key));
  }
  const boost::json::string& s = member->get_string();
  return {s.data(), s.size()};
}

void VectorCounts::count(std::string_view result) {
  if (result == "valid") {
    ++valid;
  } else if (result == "invalid") {
    ++invalid;
  } else if (result == "acceptable") {
    ++acceptable;
  } else {
    die("unknown result " + std::string(result));
  }
}

void VectorCounts::print(std::string_view file) const {
  std::printf("vectors %.*s: %zu ran (valid %zu, invalid %zu, acceptable %zu), %zu skipped\n",
              static_cast<int>(file.size()), file.data(), ran(), valid, invalid, acceptable,
              skipped);
}

}  // namespace caas::testing

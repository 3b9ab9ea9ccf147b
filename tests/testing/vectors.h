// Helpers for tests that read the standard vectors in tests/vectors/.
#pragma once

#include <boost/json/value.hpp>

#include <cstddef>
#include <filesystem>
#include <iostream>
#include <string>
#include <string_view>

#include "base/bytes.h"

namespace caas::testing {

// Absolute path of a file under tests/vectors/ (the source tree's copy).
std::filesystem::path vector_path(std::string_view relative);

// Parses a JSON vector file under tests/vectors/; aborts the test binary if it is missing or
// malformed (a vector file that cannot be read must never look like a pass).
boost::json::value load_json(std::string_view relative);

// Decodes hex from a vector file; aborts on malformed hex.
Bytes hex(std::string_view text);

// The string member `key` of a JSON object (aborts if absent or not a string).
std::string_view str(const boost::json::value& object, std::string_view key);

// Counts of Wycheproof cases by stated result, printed by each vector test so that the output
// says how many vectors ran per file.
struct VectorCounts {
  std::size_t valid = 0;
  std::size_t invalid = 0;
  std::size_t acceptable = 0;
  std::size_t skipped = 0;

  void count(std::string_view result);
  [[nodiscard]] std::size_t ran() const { return valid + invalid + acceptable; }
  // Prints "vectors <file>: N ran (valid a, invalid b, acceptable c), s skipped".
  void print(std::string_view file) const;
};

}  // namespace caas::testing

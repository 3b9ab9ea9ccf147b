// Replay driver for fuzz targets in builds without libFuzzer: runs LLVMFuzzerTestOneInput once
// on every file of the corpus folders given on the command line. ctest calls it for each
// target, so every build (including the sanitizer build) checks every corpus. A folder that
// is missing or empty is an error: an empty corpus would make the check vacuous.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s CORPUS_DIR...\n", argv[0]);
    return 2;
  }
  std::size_t total = 0;
  for (int i = 1; i < argc; ++i) {
    std::filesystem::path dir(argv[i]);  // NOLINT(cppcoreguidelines-pro-bounds-pointer-arithmetic)
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec)) {
      std::fprintf(stderr, "replay: %s is not a folder\n", dir.c_str());
      return 1;
    }
    std::size_t files = 0;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
      if (!entry.is_regular_file()) {
        continue;
      }
      std::ifstream in(entry.path(), std::ios::binary);
      std::vector<std::uint8_t> data((std::istreambuf_iterator<char>(in)),
                                     std::istreambuf_iterator<char>());
      LLVMFuzzerTestOneInput(data.data(), data.size());
      ++files;
    }
    if (files == 0) {
      std::fprintf(stderr, "replay: corpus %s is empty\n", dir.c_str());
      return 1;
    }
    total += files;
  }
  std::printf("replay: %zu inputs ran without a finding\n", total);
  return 0;
}

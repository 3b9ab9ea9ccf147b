#include "files/file_path.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace caas::files {
namespace {

TEST(FilePathTest, AcceptsOrdinaryPaths) {
  for (const std::string& path : std::vector<std::string>{
           "a", "reports/q3.pdf", "a/b/c/d.txt", "ünïcødé/файл.txt", "with space/and%percent",
           "grants", "grants/x", "x/grants.txt", ".hidden", "a/...", std::string(1024, 'x')}) {
    EXPECT_TRUE(validate_file_path(path).ok()) << path;
  }
}

TEST(FilePathTest, RefusesWhatApiMdRefuses) {
  const std::string bad[] = {
      "",
      "/a",
      "a/",
      "a//b",
      ".",
      "..",
      "a/./b",
      "a/../b",
      "../x",
      "a/..",
      std::string(1025, 'x'),
      std::string("a\0b", 3),
      "a\nb",
      "a\x7f"
      "b",
      "a\xc2\x85"
      "b",  // NUL, LF, DEL, NEL (C1)
      "\xff\xfe",
      "a\xc3",  // not UTF-8
  };
  for (const std::string& path : bad) {
    Status status = validate_file_path(path);
    EXPECT_EQ(status.code(), ErrorCode::kInvalidArgument) << path;
    EXPECT_TRUE(status.message().starts_with("invalid_path: ")) << status.message();
    if (path.size() > 4) {  // short ones occur in any sentence
      EXPECT_EQ(status.message().find(path), std::string::npos) << "the path is not echoed";
    }
  }
}

TEST(FilePathTest, RefusesPathsTheGrantsRoutesWouldShadow) {
  for (const char* path : {"a/grants", "a/b/grants", "a/grants/x", "a/b/grants/someone"}) {
    EXPECT_EQ(validate_file_path(path).code(), ErrorCode::kInvalidArgument) << path;
  }
}

TEST(FilePathTest, PrefixesMayEndAnywhere) {
  for (const char* prefix : {"", "a/", "reports/q", "a//"}) {
    EXPECT_TRUE(validate_path_prefix(prefix).ok()) << prefix;
  }
  EXPECT_FALSE(validate_path_prefix("a\nb").ok());
  EXPECT_FALSE(validate_path_prefix(std::string(1025, 'x')).ok());
}

}  // namespace
}  // namespace caas::files

// The age header (src/format/age/header.h) and armor (armor.h): exact serialization, the body
// wrapping rule, bounds, framing, and armor round trips. The kit's malformed headers and armors
// are in age_cctv_test.cpp.
#include <gtest/gtest.h>

#include "format/age/armor.h"
#include "format/age/header.h"

namespace caas::format::age {
namespace {

Stanza stanza_with_body(std::size_t body_bytes) {
  Stanza stanza;
  stanza.type = "example.com/test";
  stanza.args = {"a", "b!~"};
  stanza.body = Bytes(body_bytes, 0x5a);
  return stanza;
}

Header header_with(std::vector<Stanza> stanzas) {
  Header header;
  header.stanzas = std::move(stanzas);
  header.mac.fill(0x42);
  return header;
}

TEST(AgeHeaderTest, SerializeThenParseGivesTheSameHeaderAndBytes) {
  for (std::size_t body : {0U, 1U, 47U, 48U, 49U, 96U, 200U}) {
    Header header = header_with({stanza_with_body(body), stanza_with_body(3)});
    Bytes bytes = header.serialize();
    Result<Header> parsed = Header::parse(bytes);
    ASSERT_TRUE(parsed.ok()) << body << " " << parsed.status();
    EXPECT_EQ(parsed->stanzas, header.stanzas);
    EXPECT_EQ(parsed->mac, header.mac);
    EXPECT_EQ(parsed->serialize(), bytes);
    EXPECT_EQ(find_header_end(bytes), bytes.size());
  }
}

TEST(AgeHeaderTest, BodyOfWholeLinesEndsWithAnEmptyLine) {
  // 48 bytes are exactly one 64-column line, so an empty final line must follow (spec ABNF).
  std::string text(as_chars(header_with({stanza_with_body(48)}).serialize()));
  std::size_t end = text.find("\n\n---");
  ASSERT_NE(end, std::string::npos) << text;
  EXPECT_EQ(text.rfind('\n', end - 1), end - 65) << text;  // a full line, then an empty one
  std::string missing = text;
  missing.erase(missing.find("\n\n---"), 1);
  EXPECT_EQ(Header::parse(as_bytes(missing)).status().code(), ErrorCode::kInvalidArgument);
  // An empty body is a single empty line.
  std::string empty(as_chars(header_with({stanza_with_body(0)}).serialize()));
  EXPECT_NE(empty.find("b!~\n\n---"), std::string::npos);
}

TEST(AgeHeaderTest, RejectsWhatTheGrammarRejects) {
  const std::string good =
      "age-encryption.org/v1\n-> X25519 abc\nAAAA\n--- "
      "WyJp9F/9FOZh7gJdheq2WIJcwHgYc8NIVh3ddwhrcNg\n";
  ASSERT_TRUE(Header::parse(as_bytes(good)).ok());
  auto replaced = [&good](const std::string& from, const std::string& to) {
    std::string text = good;
    text.replace(text.find(from), from.size(), to);
    return text;
  };
  for (const std::string& bad :
       {replaced("v1", "v2"), replaced("-> X25519 abc", "->  X25519 abc"),
        replaced("-> X25519 abc", "-> X25519 abc "), replaced("-> X25519 abc", "->"),
        replaced("-> X25519 abc", "-> X25519 \x7f"), replaced("AAAA", "AAA="),
        replaced("AAAA", "AAAA\r"), replaced("AAAA", "AAB"), replaced("--- ", "---"),
        replaced("--- ", "---  "), replaced("Ng\n", "Nh\n"), replaced("Ng\n", "N\n"), good + "x",
        replaced("-> X25519 abc\nAAAA\n", ""), replaced("AAAA", std::string(65, 'A'))}) {
    EXPECT_EQ(Header::parse(as_bytes(bad)).status().code(), ErrorCode::kInvalidArgument) << bad;
  }
}

TEST(AgeHeaderTest, BoundsComeFromUs) {
  std::string text = "age-encryption.org/v1\n";
  for (std::size_t i = 0; i <= kMaxStanzas; ++i) {
    text += "-> t\n\n";
  }
  text += "--- WyJp9F/9FOZh7gJdheq2WIJcwHgYc8NIVh3ddwhrcNg\n";
  EXPECT_EQ(Header::parse(as_bytes(text)).status().code(), ErrorCode::kInvalidArgument);
  std::string args = "age-encryption.org/v1\n->";
  for (std::size_t i = 0; i <= kMaxStanzaArgs; ++i) {
    args += " a";
  }
  args += "\n\n--- WyJp9F/9FOZh7gJdheq2WIJcwHgYc8NIVh3ddwhrcNg\n";
  EXPECT_EQ(Header::parse(as_bytes(args)).status().code(), ErrorCode::kInvalidArgument);
}

TEST(AgeHeaderTest, FindHeaderEndWaitsForTheMacLine) {
  EXPECT_EQ(find_header_end(as_bytes("age-encryption.org/v1\n-> a\n\n--- abc")), std::nullopt);
  EXPECT_EQ(find_header_end(as_bytes("age-encryption.org/v1\n-> a\n\n--- abc\npayload")), 36U);
}

TEST(AgeHeaderTest, MacDependsOnKeyAndEveryHeaderByte) {
  FileKey key;
  Header header = header_with({stanza_with_body(10)});
  header.mac = header_mac(key, header);
  EXPECT_TRUE(verify_header_mac(key, header).ok());
  Header changed = header;
  changed.stanzas[0].args[0] = "c";
  EXPECT_EQ(verify_header_mac(key, changed), decryption_failed());
  FileKey other;
  other.expose_mutable()[0] = 1;
  EXPECT_EQ(verify_header_mac(other, header), decryption_failed());
}

TEST(AgeArmorTest, EncodeThenDecodeRoundTrips) {
  for (std::size_t size : {0U, 1U, 47U, 48U, 49U, 1000U}) {
    Bytes data(size, 0xa7);
    std::string armored = armor_encode(data);
    Result<Bytes> decoded = armor_decode(as_bytes(armored));
    ASSERT_TRUE(decoded.ok()) << size;
    EXPECT_EQ(*decoded, data);
    // CRLF and surrounding whitespace are tolerated, and give the same bytes.
    std::string crlf;
    for (char c : armored) {
      crlf += c == '\n' ? std::string("\r\n") : std::string(1, c);
    }
    Result<Bytes> from_crlf = armor_decode(as_bytes(" \n\t" + crlf + "\r\n "));
    ASSERT_TRUE(from_crlf.ok()) << size;
    EXPECT_EQ(*from_crlf, data);
  }
}

TEST(AgeArmorTest, BoundsTheWhitespaceAround) {
  std::string armored = armor_encode(Bytes(10, 1));
  EXPECT_FALSE(armor_decode(as_bytes(std::string(kArmorMaxWhitespace + 1, ' ') + armored)).ok());
  EXPECT_FALSE(armor_decode(as_bytes(armored + std::string(kArmorMaxWhitespace + 1, ' '))).ok());
  EXPECT_TRUE(armor_decode(as_bytes(std::string(kArmorMaxWhitespace, '\n') + armored)).ok());
}

}  // namespace
}  // namespace caas::format::age

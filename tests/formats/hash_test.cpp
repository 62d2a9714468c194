#include "formats/hash/hash.h"

#include <gtest/gtest.h>
#include <sodium/crypto_generichash.h>

#include <random>
#include <vector>

#include "test_util.h"

namespace tf {
namespace {

// Published BLAKE2b-256 digests (RFC 7693 reference implementation, outlen 32).
TEST(Hash, Blake2b256KnownVectors) {
  EXPECT_EQ(blake2b_256(std::string_view("")).to_hex(),
            "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8");
  EXPECT_EQ(blake2b_256(std::string_view("abc")).to_hex(),
            "bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319");
}

TEST(Hash, StreamingEqualsOneShot) {
  std::string text(100000, '\0');
  for (size_t i = 0; i < text.size(); ++i) text[i] = static_cast<char>(i * 31 + 7);
  Blake2bHasher h;
  for (size_t i = 0; i < text.size(); i += 977) h.update(std::string_view(text).substr(i, 977));
  const Hash256 streamed = h.finish();
  EXPECT_EQ(streamed, blake2b_256(text));
  EXPECT_EQ(h.finish(), streamed);  // finishing twice returns the same digest
  EXPECT_NE(streamed, blake2b_256(std::string_view(text).substr(1)));
}

// libsodium's crypto_generichash is a second, independent BLAKE2b: every length around the
// block size (128 bytes) and its multiples, fed at once and in pieces cut at random, gives its
// digest.
TEST(Hash, Blake2b256IsLibsodiumsAtEveryLengthAndSplit) {
  std::mt19937 rng(7);
  std::vector<uint8_t> data(70000);
  for (uint8_t& b : data) b = static_cast<uint8_t>(rng());
  std::vector<size_t> lengths;
  for (size_t n = 0; n <= 520; ++n) lengths.push_back(n);
  for (size_t n : {1023, 1024, 1025, 65535, 65536, 65537, 70000}) lengths.push_back(n);
  for (size_t n : lengths) {
    Hash256 expected;
    crypto_generichash(expected.bytes.data(), expected.bytes.size(), data.data(), n, nullptr, 0);
    const std::span<const uint8_t> input(data.data(), n);
    EXPECT_EQ(blake2b_256(input), expected) << n << " bytes at once";
    Blake2bHasher pieces;
    for (size_t at = 0; at < n;) {
      const size_t piece = std::min<size_t>(n - at, rng() % 300);
      pieces.update(input.subspan(at, piece));
      at += piece;
    }
    EXPECT_EQ(pieces.finish(), expected) << n << " bytes in pieces";
  }
}

TEST(Hash, HexRoundTripAndRejects) {
  const Hash256 h = blake2b_256(std::string_view("tilefarm"));
  Result<Hash256> back = Hash256::from_hex(h.to_hex());
  ASSERT_TRUE(back.is_ok()) << back.message();
  EXPECT_EQ(back.value(), h);
  std::string upper = h.to_hex();
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_EQ(Hash256::from_hex(upper).value(), h);
  EXPECT_FALSE(Hash256::from_hex("abc").is_ok());
  EXPECT_FALSE(Hash256::from_hex(std::string(63, '0') + "g").is_ok());
  EXPECT_FALSE(Hash256::from_hex(std::string(66, '0')).is_ok());
}

TEST(Hash, HashFileMatchesBytesAndReportsMissing) {
  testing::TempDir dir;
  const std::string text = "some file contents\n";
  test::write_text(dir / "a.txt", text);
  Result<Hash256> h = hash_file(dir / "a.txt");
  ASSERT_TRUE(h.is_ok()) << h.message();
  EXPECT_EQ(h.value(), blake2b_256(text));
  Result<Hash256> missing = hash_file(dir / "missing.txt");
  ASSERT_FALSE(missing.is_ok());
  EXPECT_NE(missing.message().find("missing.txt"), std::string::npos);
}

}  // namespace
}  // namespace tf

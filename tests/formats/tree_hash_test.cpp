#include "formats/hash/tree_hash.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <future>
#include <string>
#include <vector>

namespace tf {
namespace {

// The test message: byte i is (7 i + 3) mod 256.
std::vector<uint8_t> message(size_t bytes) {
  std::vector<uint8_t> m(bytes);
  for (size_t i = 0; i < bytes; ++i) m[i] = static_cast<uint8_t>(i * 7 + 3);
  return m;
}

struct Vector {
  size_t bytes;
  const char* digest;
};

// Digests from a second, independent BLAKE2b: Python's hashlib, with the header's tree:
//   L = 65536; n = max(1, -(-len(m) // L))
//   leaves = [blake2b(m[i*L:(i+1)*L], digest_size=32, fanout=0, depth=2, leaf_size=L,
//                     node_offset=i, node_depth=0, inner_size=32, last_node=(i == n-1)).digest()
//             for i in range(n)]
//   blake2b(b''.join(leaves), digest_size=32, fanout=0, depth=2, leaf_size=L, node_offset=0,
//           node_depth=1, inner_size=32, last_node=True).hexdigest()
// Lengths: empty, one byte, around one leaf, four leaves, a 256^2 D2Q9 chunk's canonical
// result (2,359,296 bytes of fields and the 8-byte count; 36 leaves, the last one short),
// sixteen whole leaves (the last leaf whole, hashed in SIMD lanes with the others:
// blake2b_lanes.h) and nine whole leaves and one byte.
constexpr std::array<Vector, 9> kVectors = {{
    {0, "85cc758ea88c484ffe3539c993affd1ac2457962cdac89e98e30be34a98e6e63"},
    {1, "69a5124b8b748417f655f19e1a1f5c824fdbc0634fe4850bb2778a12eabb8015"},
    {65535, "ee118ab1a1f3064445c04582c4fb4729210b779aae6ec0b0c8282538a2c6cf23"},
    {65536, "244729e8746cf78e8be31603c60194e479e65a35335343af9f7b9126bf96a367"},
    {65537, "6d5af2c4b0f1663594d11f3adfcf9ab5e3e51b8f986890371e59423faa3f243f"},
    {196708, "f7db01d6d81589ca3c3711bce703f61b9059dab11b3faf704f652596a95be015"},
    {2359304, "031f6583c971cc86a58b9d71e6b71f763bee30d139c73420ff7eb12ab13d3927"},
    {1048576, "686d3a5064cdce63556b8757230c4585c31a4359580082c3b78817db30449d9c"},
    {589825, "9676f6b48c5beb9666d934c14ad46d6ab7f99d4dbb58efc591078b7a75b4289e"},
}};

TEST(TreeHash, IsPythonHashlibsBlake2bTree) {
  for (const Vector& v : kVectors) {
    EXPECT_EQ(blake2b_tree_256(message(v.bytes)).to_hex(), v.digest) << v.bytes << " bytes";
  }
}

TEST(TreeHash, DiffersFromSequentialBlake2b) {
  const std::vector<uint8_t> m = message(1000);
  EXPECT_NE(blake2b_tree_256(m), blake2b_256(m)) << "one leaf is still a tree node";
}

// A message in parts hashes as the whole, wherever the parts are cut: inside a leaf, on a
// leaf's boundary, and with empty parts; and in the middle of sixteen whole leaves, where the
// leaf cut in two is hashed apart from the others' lanes.
TEST(TreeHash, PartsHashAsTheirConcatenation) {
  const auto check = [](const Vector& v, std::initializer_list<size_t> cuts) {
    const std::vector<uint8_t> m = message(v.bytes);
    const std::span<const uint8_t> whole(m);
    for (size_t cut : cuts) {
      const std::span<const uint8_t> parts[] = {whole.first(cut), whole.subspan(cut, 0),
                                                whole.subspan(cut)};
      EXPECT_EQ(blake2b_tree_256(parts).to_hex(), v.digest) << v.bytes << " cut at " << cut;
    }
  };
  check(kVectors[5], {0, 1, kTreeLeafBytes, kTreeLeafBytes + 9, kVectors[5].bytes - 8,
                      kVectors[5].bytes});
  check(kVectors[7], {5 * kTreeLeafBytes + 17, 8 * kTreeLeafBytes, kVectors[7].bytes - 1});
}

// Callers on many threads at once share the helpers and each get their own message's digest.
TEST(TreeHash, ConcurrentCallersGetTheirOwnDigests) {
  const std::vector<uint8_t> big = message(kVectors[6].bytes);
  const std::vector<uint8_t> small = message(kVectors[5].bytes);
  std::vector<std::future<std::string>> calls;
  for (int i = 0; i < 8; ++i) {
    calls.push_back(std::async(std::launch::async, [&, i] {
      std::string digests;
      for (int round = 0; round < 4; ++round) {
        digests += blake2b_tree_256(i % 2 == 0 ? big : small).to_hex();
      }
      return digests;
    }));
  }
  for (int i = 0; i < 8; ++i) {
    const std::string expected = kVectors[i % 2 == 0 ? 6 : 5].digest;
    EXPECT_EQ(calls[i].get(), expected + expected + expected + expected) << "caller " << i;
  }
}

// A process forked after the helpers started has none of them (fork copies the calling thread
// alone): its callers hash every leaf themselves and get the same digest.
TEST(TreeHash, AForkedChildWithoutTheHelpersHashesAlone) {
  const std::vector<uint8_t> big = message(kVectors[6].bytes);
  ASSERT_EQ(blake2b_tree_256(big).to_hex(), kVectors[6].digest);  // the helpers are running
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::alarm(20);  // a hang fails the test instead of stalling it
    ::_exit(blake2b_tree_256(big).to_hex() == kVectors[6].digest ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status)) << "the child hung or crashed";
  EXPECT_EQ(WEXITSTATUS(status), 0) << "the child's digest differs";
}

}  // namespace
}  // namespace tf

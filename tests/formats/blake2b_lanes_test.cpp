#include "formats/hash/blake2b_lanes.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

namespace tf {
namespace {

// Every lane width the host has gives each message the digest of Blake2bHasher on it alone (a
// second implementation, checked against libsodium in hash_test.cpp): no bytes, part of a
// block, one block and several; counts that fill the lanes, leave lanes spare and span
// several groups; node parameters differing from lane to lane, and the last-node flag in any
// one lane.
TEST(Blake2bLanes, EachLaneHashesItsMessageAsBlake2bHasherDoes) {
  std::mt19937_64 random(7);
  std::vector<unsigned> widths = {1};
  if (blake2b_lanes() >= 4) widths.push_back(4);
  if (blake2b_lanes() >= 8) widths.push_back(8);
  for (size_t length : {size_t{0}, size_t{100}, size_t{128}, size_t{384}, size_t{65536}}) {
    for (size_t count : {size_t{1}, size_t{3}, size_t{4}, size_t{8}, size_t{13}, size_t{17}}) {
      std::vector<uint8_t> bytes(length * count);
      for (uint8_t& b : bytes) b = static_cast<uint8_t>(random());
      std::vector<LaneMessage> messages(count);
      std::vector<Hash256> expected(count);
      for (size_t i = 0; i < count; ++i) {
        messages[i].bytes = bytes.data() + i * length;
        messages[i].node = {.fanout = static_cast<uint8_t>(random() % 3),
                            .depth = static_cast<uint8_t>(1 + random() % 3),
                            .leaf_length = static_cast<uint32_t>(random()),
                            .node_offset = random(),
                            .node_depth = static_cast<uint8_t>(random() % 2),
                            .inner_length = static_cast<uint8_t>(random() % 65),
                            .last_node = i == count / 2};
        Blake2bHasher alone(messages[i].node);
        alone.update(std::span<const uint8_t>(messages[i].bytes, length));
        expected[i] = alone.finish();
      }
      for (unsigned lanes : widths) {
        std::vector<Hash256> digests(count);
        blake2b_256_lanes(messages.data(), count, length, digests.data(), lanes);
        for (size_t i = 0; i < count; ++i) {
          EXPECT_EQ(digests[i], expected[i]) << lanes << " lanes, " << count << " messages of "
                                             << length << " bytes, message " << i;
        }
      }
    }
  }
}

}  // namespace
}  // namespace tf

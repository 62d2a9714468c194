// The simulation unit contract: state bytes that read back exactly and refuse anything else,
// and units whose input, output and cost follow from the tiling rules.
#include "formats/sim/sim_unit.h"

#include <gtest/gtest.h>

#include <cstring>

namespace tf::sim {
namespace {

// A small lid-driven box with a non-trivial flow: walls, a moving lid and 30 steps of motion.
TileState flowing_state(Model model = Model::d2q9) {
  const Extent size = model == Model::d3q19 ? Extent{9, 8, 7} : Extent{17, 13, 1};
  TileState s = make_state(model, size).value();
  s.lbm = lbm_relaxation(0.7, Collision::trt);
  s.lbm.wall_ux = 0.1f;
  for (int z = 0; z < size.nz; ++z) {
    for (int y = 0; y < size.ny; ++y) {
      for (int x = 0; x < size.nx; ++x) {
        const bool edge = x == 0 || x == size.nx - 1 || y == 0;
        if (edge) s.cell_types[static_cast<size_t>(s.cell_index(x, y, z))] = TF_CELL_WALL;
        if (y == size.ny - 1) s.cell_types[static_cast<size_t>(s.cell_index(x, y, z))] = TF_CELL_MOVING_WALL;
      }
    }
  }
  EXPECT_TRUE(run_steps_cpu(s, 30, 1));
  return s;
}

bool same_bytes(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

TEST(SimStateCodec, RoundTripsEveryModelExactly) {
  for (Model model : {Model::d2q9, Model::d3q19}) {
    const TileState s = flowing_state(model);
    Result<std::vector<uint8_t>> bytes = encode_state(s);
    ASSERT_TRUE(bytes.is_ok()) << bytes.message();
    Result<TileState> back = decode_state(bytes.value());
    ASSERT_TRUE(back.is_ok()) << back.message();
    EXPECT_EQ(back->model, s.model);
    EXPECT_EQ(back->size, s.size);
    EXPECT_EQ(back->periodic, s.periodic);
    EXPECT_TRUE(same_bytes(back->fields, s.fields));
    EXPECT_EQ(back->cell_types, s.cell_types);
    EXPECT_EQ(std::memcmp(&back->lbm, &s.lbm, sizeof s.lbm), 0);
    // Canonical: encoding the decoded state gives the same bytes.
    EXPECT_EQ(encode_state(back.value()).value(), bytes.value());
  }
  TileState heat = make_state(Model::heat, {6, 5, 1}, {true, false, false}).value();
  heat.heat.diffusion_number = 0.2f;
  heat.fields[7] = 3.5f;
  Result<TileState> back = decode_state(encode_state(heat).value());
  ASSERT_TRUE(back.is_ok()) << back.message();
  EXPECT_EQ(back->periodic, heat.periodic);
  EXPECT_TRUE(same_bytes(back->fields, heat.fields));
  EXPECT_EQ(back->heat.diffusion_number, 0.2f);
}

TEST(SimStateCodec, EveryTruncationAndExtensionIsAnError) {
  const std::vector<uint8_t> bytes = encode_state(flowing_state()).value();
  for (size_t n = 0; n < bytes.size(); ++n) {
    const std::vector<uint8_t> prefix(bytes.begin(), bytes.begin() + static_cast<long>(n));
    EXPECT_FALSE(decode_state(prefix).is_ok()) << "prefix of " << n << " bytes";
  }
  std::vector<uint8_t> longer = bytes;
  longer.push_back(0);
  EXPECT_FALSE(decode_state(longer).is_ok());
}

TEST(SimStateCodec, HostileHeadersAreErrorsNotCrashes) {
  const std::vector<uint8_t> bytes = encode_state(flowing_state()).value();
  auto with = [&](size_t offset, const void* value, size_t n) {
    std::vector<uint8_t> b = bytes;
    std::memcpy(b.data() + offset, value, n);
    return decode_state(b);
  };
  const uint32_t unknown_model = 9;
  EXPECT_FALSE(with(8, &unknown_model, 4).is_ok());
  const int32_t huge = 1 << 30, negative = -3;
  EXPECT_FALSE(with(12, &huge, 4).is_ok());      // nx: sizes no longer match the payload
  EXPECT_FALSE(with(16, &negative, 4).is_ok());  // ny
  const int32_t deep = 2;
  EXPECT_FALSE(with(20, &deep, 4).is_ok());      // nz = 2 in a 2D model
  std::vector<uint8_t> bad_type = bytes;
  bad_type.back() = 200;  // a cell type no model knows
  EXPECT_FALSE(decode_state(bad_type).is_ok());
  for (char version : {'1', '3'}) {  // the format before and after this one
    std::vector<uint8_t> other_version = bytes;
    other_version[7] = static_cast<uint8_t>(version);
    EXPECT_FALSE(decode_state(other_version).is_ok()) << version;
  }
}

TEST(SimStateCodec, OnlyWholeDomainsAreAssets) {
  const TileState whole = flowing_state();
  Result<TileState> tile = extract_tile(whole, {2, 2, 0, {5, 5, 1}}, 3);
  ASSERT_TRUE(tile.is_ok()) << tile.message();
  EXPECT_FALSE(encode_state(tile.value()).is_ok());
}

TEST(SimUnit, AUnitOfTheWholeDomainIsTheDomainItself) {
  const TileState whole = flowing_state();
  const Box all{0, 0, 0, whole.size};
  EXPECT_TRUE(covers_domain(whole.size, all));
  Result<TileState> input = unit_input(whole, all, 12);
  ASSERT_TRUE(input.is_ok()) << input.message();
  EXPECT_EQ(input->ghost, 0);
  EXPECT_TRUE(same_bytes(input->fields, whole.fields));
  EXPECT_EQ(unit_cell_updates(Model::d2q9, whole.size, all, 12),
            static_cast<uint64_t>(whole.size.cell_count()) * 12);
}

// Units over a split of the domain, each advanced on its own and stitched, give the bytes of
// the whole domain advanced directly; each is credited for the cells its input really has.
TEST(SimUnit, StitchedUnitsEqualTheWholeDomainAndCostWhatTheyCompute) {
  for (Model model : {Model::d2q9, Model::d3q19}) {
    const TileState start = flowing_state(model);
    const int steps = 4;
    TileState expected = start;
    ASSERT_TRUE(run_steps_cpu(expected, steps, 1));
    TileState stitched = start;
    const Extent tile = model == Model::d3q19 ? Extent{4, 3, 5} : Extent{6, 5, 1};
    for (const Box& box : split_domain(start.size, tile)) {
      Result<TileState> input = unit_input(start, box, steps);
      ASSERT_TRUE(input.is_ok()) << input.message();
      EXPECT_EQ(unit_cell_updates(model, start.size, box, steps),
                static_cast<uint64_t>(input->size.cell_count()) * steps);
      ASSERT_TRUE(run_steps_cpu(input.value(), steps, 1));
      const std::vector<float> output = unit_output(input.value());
      EXPECT_EQ(output.size(), unit_output_floats(model, box));
      ASSERT_TRUE(insert_unit_output(stitched, box, output));
    }
    EXPECT_TRUE(same_bytes(stitched.fields, expected.fields)) << model_name(model);
  }
}

TEST(SimUnit, BadUnitsAreErrors) {
  const TileState whole = flowing_state();
  EXPECT_FALSE(unit_input(whole, {0, 0, 0, whole.size}, 0).is_ok());
  EXPECT_FALSE(unit_input(whole, {10, 10, 0, {20, 20, 1}}, 2).is_ok());  // outside
}

}  // namespace
}  // namespace tf::sim

// Batch specs: the sample batches parse and expand into the documented runs, initial states
// follow the boundaries, and malformed files fail with the file, line and key named.
#include "formats/sim/batch_spec.h"

#include <gtest/gtest.h>

#include <string>

namespace tf::sim {
namespace {

const std::filesystem::path kScenes = std::filesystem::path(TF_SOURCE_DIR) / "scenes" / "sim";

BatchSpec must_load(const std::string& file) {
  Result<BatchSpec> b = load_batch(kScenes / file);
  EXPECT_TRUE(b.is_ok()) << b.message();
  return b.is_ok() ? b.value() : BatchSpec{};
}

TEST(SampleBatches, LidDrivenCavitySweepsThreeReynoldsNumbers) {
  BatchSpec b = must_load("lid-driven-cavity.toml");
  EXPECT_EQ(b.model, Model::d2q9);
  EXPECT_EQ(b.grid, (Extent{129, 129, 1}));
  std::vector<RunSpec> runs = expand_runs(b);
  ASSERT_EQ(runs.size(), 3u);
  EXPECT_EQ(runs[0].name, "re=100");
  EXPECT_EQ(runs[1].name, "re=400");
  EXPECT_EQ(runs[2].name, "re=1000");
  // nu = U L / re with L = 127 fluid cells between half-way walls.
  EXPECT_NEAR(relaxation_time(runs[0].spec).value(), 3.0 * 0.1 * 127.0 / 100.0 + 0.5, 1e-12);
}

TEST(SampleBatches, GrayScottIsACartesianProductNamedBySweptKeys) {
  BatchSpec b = must_load("gray-scott.toml");
  std::vector<RunSpec> runs = expand_runs(b);
  ASSERT_EQ(runs.size(), 16u);
  EXPECT_EQ(runs.front().name, "f=0.022,k=0.051");
  EXPECT_EQ(runs[1].name, "f=0.022,k=0.055");  // the last key varies fastest
  EXPECT_EQ(runs.back().name, "f=0.046,k=0.063");
  EXPECT_DOUBLE_EQ(runs.back().spec.parameters.at("k"), 0.063);
  EXPECT_TRUE(runs.back().spec.sweeps.empty());
}

TEST(SampleBatches, EveryRunBuildsAValidInitialState) {
  for (const char* file :
       {"lid-driven-cavity.toml", "cylinder.toml", "gray-scott.toml", "channel.toml",
        "cavity-3d.toml"}) {
    for (const RunSpec& run : expand_runs(must_load(file))) {
      Result<TileState> s = make_initial_state(run);
      ASSERT_TRUE(s.is_ok()) << file << " " << run.name << ": " << s.message();
      EXPECT_TRUE(validate(s.value())) << file;
    }
  }
}

TEST(InitialState, CavityHasWallsALidAndStopsTheLidAtTheCorners) {
  TileState s = make_initial_state(expand_runs(must_load("lid-driven-cavity.toml"))[0]).value();
  auto type = [&](int x, int y) {
    return s.cell_types[static_cast<std::size_t>(s.cell_index(x, y))];
  };
  EXPECT_EQ(type(0, 0), TF_CELL_WALL);
  EXPECT_EQ(type(0, 128), TF_CELL_WALL);  // corner: the wall outranks the lid
  EXPECT_EQ(type(64, 128), TF_CELL_MOVING_WALL);
  EXPECT_EQ(type(64, 64), TF_CELL_FLUID);
  EXPECT_EQ(type(128, 64), TF_CELL_WALL);
  EXPECT_FLOAT_EQ(s.lbm.wall_ux, 0.1f);
  int fluid = 0;
  for (auto t : s.cell_types) fluid += t == TF_CELL_FLUID ? 1 : 0;
  EXPECT_EQ(fluid, 127 * 127);
}

TEST(InitialState, CylinderMaskCoversTheDisc) {
  TileState s = make_initial_state(expand_runs(must_load("cylinder.toml"))[0]).value();
  int solid = 0;
  for (int y = 1; y < 81; ++y) {
    for (int x = 1; x < 439; ++x) {
      solid += s.cell_types[static_cast<std::size_t>(s.cell_index(x, y))] == TF_CELL_WALL ? 1 : 0;
    }
  }
  // Lattice points in a disc of radius 10: close to pi r^2 = 314.
  EXPECT_NEAR(solid, 314, 12);
  EXPECT_EQ(s.cell_types[static_cast<std::size_t>(s.cell_index(0, 40))], TF_CELL_INLET);
  EXPECT_EQ(s.cell_types[static_cast<std::size_t>(s.cell_index(439, 40))], TF_CELL_OUTLET);
}

TEST(InitialState, NoiseIsReproducibleAndSeedDependent) {
  RunSpec run = expand_runs(must_load("gray-scott.toml"))[0];
  TileState a = make_initial_state(run).value();
  TileState b = make_initial_state(run).value();
  EXPECT_EQ(a.fields, b.fields);
  run.spec.initial.seed = 43;
  TileState c = make_initial_state(run).value();
  EXPECT_NE(a.fields, c.fields);
}

// The values the file gives: u = 1, v = 0 everywhere but the patch [118, 138)^2, which has
// u = 0.5, v = 0.25 (noise off, so the fields are those numbers exactly).
TEST(InitialState, PatchesOverrideTheInitialValuesInsideTheirBoxOnly) {
  RunSpec run = expand_runs(must_load("gray-scott.toml"))[0];
  run.spec.initial.noise = 0;
  const TileState s = make_initial_state(run).value();
  const std::size_t cells = s.fields.size() / 2;
  auto u = [&](int x, int y) { return s.fields[static_cast<std::size_t>(s.cell_index(x, y))]; };
  auto v = [&](int x, int y) {
    return s.fields[cells + static_cast<std::size_t>(s.cell_index(x, y))];
  };
  for (auto [x, y] : {std::pair{118, 118}, {137, 137}, {128, 120}}) {
    EXPECT_EQ(u(x, y), 0.5f) << x << "," << y;
    EXPECT_EQ(v(x, y), 0.25f) << x << "," << y;
  }
  for (auto [x, y] : {std::pair{117, 118}, {138, 137}, {0, 0}, {255, 255}}) {
    EXPECT_EQ(u(x, y), 1.0f) << x << "," << y;
    EXPECT_EQ(v(x, y), 0.0f) << x << "," << y;
  }
}

// A malformed batch and what its error must name.
struct Malformed {
  const char* what;
  const char* text;
  const char* expect;  // substring of the message: "<source>:<line>: <key>"
};

void PrintTo(const Malformed& m, std::ostream* os) { *os << m.what; }

const char* const kHeader = "[simulation]\nmodel = \"d2q9\"\ngrid = [16, 16]\nsteps = 10\n";

class MalformedBatch : public ::testing::TestWithParam<Malformed> {};

TEST_P(MalformedBatch, FailsNamingLineAndKey) {
  Result<BatchSpec> b = parse_batch(GetParam().text, "batch.toml");
  ASSERT_FALSE(b.is_ok()) << GetParam().what;
  EXPECT_NE(b.message().find(GetParam().expect), std::string::npos)
      << GetParam().what << ": got \"" << b.message() << "\"";
}

INSTANTIATE_TEST_SUITE_P(
    Corpus, MalformedBatch,
    ::testing::Values(
        Malformed{"syntax", "[simulation]\nmodel = \"d2q9\"\ngrid = [16, 16\n", "batch.toml:3:"},
        Malformed{"unknown model", "[simulation]\nmodel = \"d2q8\"\n",
                  "batch.toml:2: simulation.model"},
        Malformed{"grid arity", "[simulation]\nmodel = \"d2q9\"\ngrid = [16, 16, 4]\n",
                  "batch.toml:3: simulation.grid"},
        Malformed{"negative grid", "[simulation]\nmodel = \"heat\"\ngrid = [16, -1]\n",
                  "batch.toml:3: simulation.grid"},
        Malformed{"missing steps", "[simulation]\nmodel = \"d2q9\"\ngrid = [16, 16]\n",
                  "batch.toml:1: simulation.steps: missing"},
        Malformed{"steps not integer",
                  "[simulation]\nmodel = \"d2q9\"\ngrid = [8, 8]\nsteps = 1.5\n",
                  "batch.toml:4: simulation.steps"},
        Malformed{"misspelt key", "[simulation]\nmodel = \"d2q9\"\ngird = [8, 8]\n",
                  "batch.toml:3: simulation.gird: unknown key"},
        Malformed{
            "parameter of another model",
            "[simulation]\nmodel = \"heat\"\ngrid = [8, 8]\nsteps = 1\n[parameters]\nre = 100\n",
            "batch.toml:6: parameters.re: unknown key"},
        Malformed{"string parameter",
                  "[simulation]\nmodel = \"d2q9\"\ngrid = [8, 8]\nsteps = 1\n[parameters]\ntau = "
                  "\"slow\"\n",
                  "batch.toml:6: parameters.tau"},
        Malformed{"bad sweep list",
                  "[simulation]\nmodel = \"d2q9\"\ngrid = [8, 8]\nsteps = 1\n[parameters]\n\nre = "
                  "[100, \"x\"]\n",
                  "batch.toml:7: parameters.re"},
        Malformed{"bad range",
                  "[simulation]\nmodel = \"d2q9\"\ngrid = [8, 8]\nsteps = 1\n[parameters]\nre = { "
                  "from = 1, to = 2, count = 1 }\n",
                  "batch.toml:6: parameters.re"},
        Malformed{"mask without image",
                  "[simulation]\nmodel = \"d2q9\"\ngrid = [8, 8]\nsteps = 1\n[[obstacles]]\nshape = "
                  "\"mask\"\n",
                  "batch.toml:5: obstacles.image"},
        Malformed{"mask in 3D",
                  "[simulation]\nmodel = \"d3q19\"\ngrid = [8, 8, 8]\nsteps = 1\n[[obstacles]]\nshape = "
                  "\"mask\"\nimage = \"m.png\"\n",
                  "batch.toml:5: obstacles: masks are for 2D models"},
        Malformed{"unknown side kind",
                  "[simulation]\nmodel = \"d2q9\"\ngrid = [8, 8]\nsteps = 1\n[boundaries]\ntop = "
                  "\"lid\"\n",
                  "batch.toml:6: boundaries.top"},
        Malformed{"lone periodic side",
                  "[simulation]\nmodel = \"d2q9\"\ngrid = [8, 8]\nsteps = 1\n[boundaries]\nleft = "
                  "\"periodic\"\n",
                  "boundaries.right: periodic sides come in pairs"},
        Malformed{"obstacle without radius",
                  "[simulation]\nmodel = \"d2q9\"\ngrid = [8, 8]\nsteps = 1\n[[obstacles]]\nshape "
                  "= \"circle\"\ncenter = [1, 2]\n",
                  "batch.toml:5: obstacles: a circle needs"},
        Malformed{"obstacle center arity",
                  "[simulation]\nmodel = \"d2q9\"\ngrid = [8, 8]\nsteps = 1\n[[obstacles]]\nshape "
                  "= \"circle\"\ncenter = [1]\nradius = 2\n",
                  "batch.toml:7: obstacles.center"},
        Malformed{
            "bad velocity",
            "[simulation]\nmodel = \"d2q9\"\ngrid = [8, 8]\nsteps = 1\n[initial]\nvelocity = 0.1\n",
            "batch.toml:6: initial.velocity"},
        Malformed{
            "negative noise",
            "[simulation]\nmodel = \"heat\"\ngrid = [8, 8]\nsteps = 1\n[initial]\nnoise = -1\n",
            "batch.toml:6: initial.noise"},
        Malformed{"unknown table",
                  "[simulation]\nmodel = \"d2q9\"\ngrid = [8, 8]\nsteps = 1\n[solver]\nx = 1\n",
                  "batch.toml:5: solver: unknown key"}),
    [](const ::testing::TestParamInfo<Malformed>& c) {
      std::string name = c.param.what;
      for (char& ch : name) ch = std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_';
      return name;
    });

TEST(RunParameters, RejectUnstableOrUnderdeterminedRuns) {
  auto run_of = [](const std::string& parameters) {
    Result<BatchSpec> b =
        parse_batch(std::string(kHeader) + "[parameters]\n" + parameters, "b.toml");
    EXPECT_TRUE(b.is_ok()) << b.message();
    return expand_runs(b.value())[0];
  };
  EXPECT_FALSE(make_initial_state(run_of("tau = 0.4\n")).is_ok());                   // tau <= 1/2
  EXPECT_FALSE(make_initial_state(run_of("re = 100\n")).is_ok());                    // no velocity
  EXPECT_FALSE(make_initial_state(run_of("tau = 0.8\nviscosity = 0.1\n")).is_ok());  // two
  EXPECT_TRUE(make_initial_state(run_of("viscosity = 0.1\n")).is_ok());
}

}  // namespace
}  // namespace tf::sim

// Every malformed scene in corpus/bad_*.pbrt fails cleanly, in strict and lenient mode, with the
// location and reason its first line states: "# expect: LINE:COL TEXT".
#include <gtest/gtest.h>

#include <fstream>

#include "formats/scene/load.h"

namespace tf {
namespace {

struct CorpusCase {
  std::filesystem::path file;
  std::string location;  // "LINE:COL"
  std::string text;
};

std::vector<CorpusCase> corpus() {
  std::vector<CorpusCase> cases;
  for (const auto& e : std::filesystem::directory_iterator(TF_TEST_CORPUS_DIR)) {
    const std::string name = e.path().filename().string();
    if (name.rfind("bad_", 0) != 0 || e.path().extension() != ".pbrt") continue;
    std::ifstream in(e.path());
    std::string first;
    std::getline(in, first);
    const std::string prefix = "# expect: ";
    if (first.rfind(prefix, 0) != 0) {
      ADD_FAILURE() << name << " lacks an '# expect: LINE:COL TEXT' first line";
      continue;
    }
    const std::string rest = first.substr(prefix.size());
    const size_t space = rest.find(' ');
    cases.push_back({e.path(), rest.substr(0, space), rest.substr(space + 1)});
  }
  std::sort(cases.begin(), cases.end(),
            [](const auto& a, const auto& b) { return a.file < b.file; });
  return cases;
}

TEST(Corpus, HasManyDistinctKinds) { EXPECT_GE(corpus().size(), 25u); }

TEST(Corpus, EveryBadFileFailsWithItsLocation) {
  for (const CorpusCase& c : corpus()) {
    SCOPED_TRACE(c.file.filename().string());
    Result<LoadedScene> r = load_scene_file(c.file);
    ASSERT_FALSE(r.is_ok());
    const std::string where = c.file.filename().string() + ":" + c.location + ":";
    EXPECT_NE(r.message().find(where), std::string::npos) << r.message() << "\nexpected " << where;
    EXPECT_NE(r.message().find(c.text), std::string::npos)
        << r.message() << "\nexpected " << c.text;
  }
}

TEST(Corpus, LenientLoadingNeverCrashes) {
  // Lenient mode may accept files whose only fault is an unsupported construct; the rest
  // must still fail with a message.
  for (const CorpusCase& c : corpus()) {
    Result<LoadedScene> r = load_scene_file(c.file, SceneLoadOptions{true});
    if (!r.is_ok()) {
      EXPECT_FALSE(r.message().empty()) << c.file;
    }
  }
}

}  // namespace
}  // namespace tf

#include <random>
#include <sstream>

#include "formats/scene/parser.h"

namespace tf {
namespace {

// Random damage to a valid scene (byte flips, truncation, inserted delimiters) never crashes
// or hangs the parser, and every error it reports carries a file:line:column location.
TEST(Corpus, MutatedScenesFailCleanlyWithALocation) {
  std::ifstream in(std::filesystem::path(TF_TEST_SCENES_DIR) / "cornell-box/scene.pbrt");
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string original = buffer.str();
  std::mt19937 rng(1234);
  const char inserts[] = {'[', ']', '"', '#', '\n', '\\', '-', 'e', '\0', '\x7f'};
  int failures = 0;
  for (int round = 0; round < 1500; ++round) {
    std::string text = original;
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits && !text.empty(); ++e) {
      const size_t at = rng() % text.size();
      switch (rng() % 4) {
        case 0:
          text[at] = static_cast<char>(rng() % 256);
          break;
        case 1:
          text.resize(at);
          break;
        case 2:
          text.insert(at, 1, inserts[rng() % sizeof inserts]);
          break;
        default:
          text.erase(at, 1 + rng() % 16);
          break;
      }
    }
    Result<scene::SceneIr> r = scene::parse_pbrt_string(text, "m.pbrt", ".", {});
    if (!r.is_ok()) {
      ++failures;
      ASSERT_EQ(r.message().rfind("m.pbrt:", 0), 0u) << r.message();
    }
  }
  EXPECT_GT(failures, 500);  // the damage is real: most mutations are errors
}

}  // namespace
}  // namespace tf

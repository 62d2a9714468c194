// Parsing helpers for the scene tests.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "formats/scene/convert.h"
#include "formats/scene/parser.h"

namespace tf::scene::test {

inline const char* kHeader = "LookAt 0 0 -5  0 0 0  0 1 0\nCamera \"perspective\"\nWorldBegin\n";

inline Result<SceneIr> parse(const std::string& text, bool lenient = false,
                             const std::filesystem::path& base = ".") {
  return parse_pbrt_string(text, "t.pbrt", base, ParseOptions{lenient});
}

// Parses a world-block body after a default camera; fails the test on error.
inline SceneIr parse_world(const std::string& body, bool lenient = false,
                           const std::filesystem::path& base = ".") {
  Result<SceneIr> r = parse(std::string(kHeader) + body, lenient, base);
  EXPECT_TRUE(r.is_ok()) << r.message();
  return r.is_ok() ? std::move(r.value()) : SceneIr{};
}

inline KernelScene to_kernel(const SceneIr& ir) {
  Result<KernelScene> k = convert_to_kernel(ir);
  EXPECT_TRUE(k.is_ok()) << k.message();
  return k.is_ok() ? std::move(k.value()) : KernelScene{};
}

inline bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// The error message of parsing `text`, which must fail.
inline std::string parse_error(const std::string& text, bool lenient = false) {
  Result<SceneIr> r = parse(text, lenient);
  EXPECT_FALSE(r.is_ok()) << text;
  return r.is_ok() ? std::string() : r.message();
}

}  // namespace tf::scene::test

// Fuzz target: the bundle manifest reader (parse_bundle_manifest, JSON from the network).
//
// Beyond "no crash, no leak, no undefined behaviour" the target checks the reader's contract
// on every manifest it accepts: entries sorted by path without duplicates, the root file one
// of them, and a canonical round trip (serialize -> parse gives the same manifest, and
// serializing that again gives the same bytes, hence the same bundle id).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "formats/bundle/bundle.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

using tf::fuzz::require;

bool sorted_without_duplicates(const tf::BundleManifest& m) {
  return std::adjacent_find(m.entries.begin(), m.entries.end(),
                            [](const tf::BundleEntry& a, const tf::BundleEntry& b) {
                              return a.relative_path >= b.relative_path;
                            }) == m.entries.end();
}

bool root_is_an_entry(const tf::BundleManifest& m) {
  return std::any_of(m.entries.begin(), m.entries.end(),
                     [&](const tf::BundleEntry& e) { return e.relative_path == m.root_file; });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  tf::Result<tf::BundleManifest> manifest = tf::parse_bundle_manifest(bytes);
  if (!manifest) return 0;
  require(sorted_without_duplicates(manifest.value()), "entries are sorted and unique");
  require(root_is_an_entry(manifest.value()), "the root file is an entry");
  const std::string canonical = tf::serialize_bundle_manifest(manifest.value());
  tf::Result<tf::BundleManifest> again = tf::parse_bundle_manifest(canonical);
  require(again.is_ok(), "a serialized manifest parses again");
  require(again.value() == manifest.value(), "a manifest survives serialize -> parse");
  require(tf::serialize_bundle_manifest(again.value()) == canonical,
          "serializing a round-tripped manifest gives the same bytes");
  return 0;
}

#include "formats/bundle/bundle.h"

#include <algorithm>
#include <cstdio>
#include <deque>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "formats/bundle/bundle_paths.h"
#include "formats/fileio/atomic_write.h"
#include "formats/scene/parser.h"

namespace tf {
namespace {

namespace fs = std::filesystem;
constexpr size_t kMaxManifestBytes = size_t{16} << 20;
constexpr int kMaxJsonNesting = 8;

// Entries sorted by path without duplicates, root among them, within limits.
Status validate_manifest(const BundleManifest& m, const BundleLimits& limits) {
  if (m.entries.size() > limits.max_files) {
    return Error{"bundle has " + std::to_string(m.entries.size()) +
                 " files, more than the limit of " + std::to_string(limits.max_files)};
  }
  uint64_t total = 0;
  bool root_found = false;
  for (size_t i = 0; i < m.entries.size(); ++i) {
    const BundleEntry& e = m.entries[i];
    if (Status s = bundle_paths::check_relative_path(e.relative_path); !s) {
      return Error{"bundle entry: " + s.message()};
    }
    if (i > 0 && !(m.entries[i - 1].relative_path < e.relative_path)) {
      return Error{"bundle entries are not sorted by path or repeat '" + e.relative_path + "'"};
    }
    if (e.size > limits.max_total_bytes || total + e.size > limits.max_total_bytes) {
      return Error{"bundle is larger than the limit of " + std::to_string(limits.max_total_bytes) +
                   " bytes"};
    }
    total += e.size;
    root_found = root_found || e.relative_path == m.root_file;
  }
  if (!root_found) return Error{"bundle root file '" + m.root_file + "' is not one of its entries"};
  return Status::ok();
}

// Relative form of a reference as written in a scene: '/'-separated, no "./" prefixes.
Result<std::string> normalize_reference(const std::string& ref) {
  if (ref.empty()) return Error{"empty file name"};
  if (fs::path(ref).is_absolute() || ref.front() == '/') {
    return Error{"absolute path '" + ref + "' escapes the scene folder"};
  }
  std::string out;
  for (const auto& part : fs::path(ref)) {
    const std::string s = part.string();
    if (s == ".") continue;
    if (s == "..") return Error{"path '" + ref + "' escapes the scene folder with '..'"};
    if (!out.empty()) out += '/';
    out += s;
  }
  if (Status s = bundle_paths::check_relative_path(out); !s) return Error{s.message()};
  return out;
}

// Maximum nesting of [ and { outside strings (bounded before handing bytes to the parser).
int json_nesting(std::string_view bytes) {
  int depth = 0, max_depth = 0;
  bool in_string = false, escaped = false;
  for (char c : bytes) {
    if (in_string) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      max_depth = std::max(max_depth, ++depth);
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return max_depth;
}

}  // namespace

Result<BundleManifest> make_bundle_manifest(const fs::path& scene_file,
                                            const BundleLimits& limits) {
  std::error_code ec;
  const fs::path absolute = fs::absolute(scene_file, ec);
  if (ec || !fs::is_regular_file(absolute, ec)) {
    return Error{"cannot bundle '" + scene_file.string() + "': no such regular file"};
  }
  const fs::path root = absolute.parent_path();
  BundleManifest manifest;
  manifest.root_file = absolute.filename().string();
  if (Status s = bundle_paths::check_relative_path(manifest.root_file); !s) {
    return Error{"cannot bundle '" + scene_file.string() + "': " + s.message()};
  }
  std::map<std::string, BundleEntry> entries;
  std::deque<std::pair<std::string, bool>> queue{{manifest.root_file, true}};
  std::set<std::string> queued{manifest.root_file};
  uint64_t total = 0;
  while (!queue.empty()) {
    const auto [relative, is_scene] = queue.front();
    queue.pop_front();
    const fs::path file = root / relative;
    if (!fs::is_regular_file(file, ec))
      return Error{"'" + file.string() + "' is not a regular file"};
    const uint64_t size = fs::file_size(file, ec);
    if (ec) return Error{"cannot stat '" + file.string() + "': " + ec.message()};
    total += size;
    if (entries.size() + 1 > limits.max_files || total > limits.max_total_bytes) {
      return Error{"scene '" + scene_file.string() + "' exceeds the bundle limits (" +
                   std::to_string(limits.max_files) + " files, " +
                   std::to_string(limits.max_total_bytes) + " bytes)"};
    }
    Result<Hash256> hash = hash_file(file);
    if (!hash) return Error{hash.message()};
    entries[relative] = BundleEntry{relative, hash.value(), size};
    if (!is_scene) continue;
    Result<std::vector<scene::SceneReference>> refs = scene::scan_scene_references(file);
    if (!refs) return Error{refs.message()};
    for (const scene::SceneReference& ref : refs.value()) {
      auto fail = [&](const std::string& why) -> Result<BundleManifest> {
        return Error{ref.loc.str() + ": reference \"" + ref.path + "\": " + why};
      };
      Result<std::string> norm = normalize_reference(ref.path);
      if (!norm) return fail(norm.message());
      if (Status s = bundle_paths::check_no_symlinks(root, norm.value()); !s)
        return fail(s.message());
      if (!fs::exists(root / norm.value(), ec))
        return fail("file not found in '" + root.string() + "'");
      if (queued.insert(norm.value()).second) queue.push_back({norm.value(), ref.is_scene});
    }
  }
  for (auto& [path, entry] : entries) manifest.entries.push_back(entry);
  return manifest;
}

std::string serialize_bundle_manifest(const BundleManifest& manifest) {
  nlohmann::json entries = nlohmann::json::array();
  for (const BundleEntry& e : manifest.entries) {
    entries.push_back({{"path", e.relative_path}, {"hash", e.hash.to_hex()}, {"size", e.size}});
  }
  const nlohmann::json j = {{"root", manifest.root_file}, {"entries", entries}};
  // Invalid UTF-8 is replaced rather than thrown on; valid manifests never contain it.
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Hash256 bundle_id(const BundleManifest& manifest) {
  return blake2b_256(serialize_bundle_manifest(manifest));
}

Result<BundleManifest> parse_bundle_manifest(std::string_view bytes, const BundleLimits& limits) {
  if (bytes.size() > kMaxManifestBytes) return Error{"bundle manifest larger than 16 MiB"};
  if (json_nesting(bytes) > kMaxJsonNesting) return Error{"bundle manifest nested too deeply"};
  const nlohmann::json j = nlohmann::json::parse(bytes.begin(), bytes.end(), nullptr, false);
  if (j.is_discarded()) return Error{"bundle manifest is not valid JSON"};
  if (!j.is_object() || !j.contains("root") || !j.contains("entries") || !j["root"].is_string() ||
      !j["entries"].is_array() || j.size() != 2) {
    return Error{
        "bundle manifest must be an object with exactly \"root\" (string) and "
        "\"entries\" (array)"};
  }
  if (j["entries"].size() > limits.max_files) {
    return Error{"bundle manifest lists more than " + std::to_string(limits.max_files) + " files"};
  }
  BundleManifest m;
  m.root_file = j["root"].get<std::string>();
  for (const nlohmann::json& e : j["entries"]) {
    if (!e.is_object() || e.size() != 3 || !e.contains("path") || !e["path"].is_string() ||
        !e.contains("hash") || !e["hash"].is_string() || !e.contains("size") ||
        !e["size"].is_number_unsigned()) {
      return Error{
          "bundle manifest entry must be {\"path\": string, \"hash\": string, "
          "\"size\": unsigned integer}"};
    }
    Result<Hash256> hash = Hash256::from_hex(e["hash"].get<std::string>());
    if (!hash)
      return Error{"bundle manifest entry '" + e["path"].get<std::string>() +
                   "': " + hash.message()};
    m.entries.push_back({e["path"].get<std::string>(), hash.value(), e["size"].get<uint64_t>()});
  }
  std::sort(m.entries.begin(), m.entries.end(), [](const BundleEntry& a, const BundleEntry& b) {
    return a.relative_path < b.relative_path;
  });
  if (Status s = validate_manifest(m, limits); !s) return Error{"bundle manifest: " + s.message()};
  return m;
}

Status materialize_bundle(const BundleManifest& manifest, const BundleFetchFn& fetch,
                          const fs::path& dir) {
  BundleLimits no_limits;
  no_limits.max_files = static_cast<uint32_t>(std::max<size_t>(manifest.entries.size(), 1));
  no_limits.max_total_bytes = UINT64_MAX;
  if (Status s = validate_manifest(manifest, no_limits); !s)
    return Error{"bundle manifest: " + s.message()};
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Error{"cannot create bundle folder '" + dir.string() + "': " + ec.message()};
  for (const BundleEntry& e : manifest.entries) {
    const std::string what = "bundle entry '" + e.relative_path + "': ";
    if (Status s = bundle_paths::check_no_symlinks(dir, e.relative_path); !s)
      return Error{what + s.message()};
    const fs::path target = dir / e.relative_path;
    fs::create_directories(target.parent_path(), ec);
    if (ec) return Error{what + "cannot create its folder: " + ec.message()};
    Result<std::vector<uint8_t>> bytes = fetch(e.hash);
    if (!bytes) return Error{what + "fetch failed: " + bytes.message()};
    if (bytes->size() != e.size) {
      return Error{what + "expected " + std::to_string(e.size) + " bytes, got " +
                   std::to_string(bytes->size())};
    }
    if (blake2b_256(std::span<const uint8_t>(bytes->data(), bytes->size())) != e.hash) {
      return Error{what + "content does not match its hash " + e.hash.to_hex()};
    }
    if (Status s = write_file_atomically(target, bytes.value()); !s)
      return Error{what + s.message()};
  }
  return Status::ok();
}

}  // namespace tf

// scan_scene_references(): the files a scene refers to, from its tokens alone (pbrt-v4), or
// from the few fields that name other files (glTF buffers and images, OBJ material libraries).
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "formats/scene/mesh_import.h"
#include "formats/scene/parser.h"
#include "formats/scene/spectra.h"
#include "formats/scene/tokenizer.h"
#include "formats/scene/try.h"

namespace tf::scene {
namespace fs = std::filesystem;
namespace {

// Mesh files larger than this are not scanned for references (a glTF's JSON or an OBJ's
// text is far smaller; big geometry sits in .bin/.glb files, which are self-contained).
constexpr uint64_t kMaxScannedMeshBytes = uint64_t{1} << 30;

Result<std::string> read_mesh_text(const fs::path& file) {
  std::error_code ec;
  const uint64_t size = fs::file_size(file, ec);
  if (ec) return Error{"cannot open '" + file.string() + "': " + ec.message()};
  if (size > kMaxScannedMeshBytes) {
    return Error{"'" + file.string() + "' is larger than 1 GiB; cannot scan it for references"};
  }
  std::ifstream in(file, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in) return Error{"cannot read '" + file.string() + "'"};
  return text.str();
}

// glTF: "buffers" and "images" with a "uri" that is not an embedded data: URI.
Result<std::vector<SceneReference>> gltf_references(const fs::path& file) {
  TF_TRY(text, read_mesh_text(file));
  const nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return Error{"'" + file.string() + "' is not glTF: its text is not a JSON object"};
  }
  std::vector<SceneReference> refs;
  for (const char* list : {"buffers", "images"}) {
    auto items = j.find(list);
    if (items == j.end() || !items->is_array()) continue;
    for (const nlohmann::json& item : *items) {
      if (!item.is_object()) continue;
      auto uri = item.find("uri");
      if (uri == item.end() || !uri->is_string()) continue;
      const std::string path = uri->get<std::string>();
      if (!path.starts_with("data:")) refs.push_back({path, false, FileLoc{file.string(), 0, 0}});
    }
  }
  return refs;
}

// OBJ: every name after "mtllib" (the material libraries that hold the diffuse colours).
Result<std::vector<SceneReference>> obj_references(const fs::path& file) {
  TF_TRY(text, read_mesh_text(file));
  std::vector<SceneReference> refs;
  std::istringstream lines(text);
  std::string line;
  for (int line_no = 1; std::getline(lines, line); ++line_no) {
    std::istringstream words(line);
    std::string keyword, name;
    words >> keyword;
    if (keyword != "mtllib") continue;
    while (words >> name) refs.push_back({name, false, FileLoc{file.string(), line_no, 1}});
  }
  return refs;
}

}  // namespace

Result<std::vector<SceneReference>> scan_scene_references(const fs::path& file) {
  if (is_mesh_file_extension(file)) {
    const std::string ext = lowercase_extension(file);
    if (ext == ".gltf") return gltf_references(file);
    if (ext == ".obj") return obj_references(file);
    return std::vector<SceneReference>{};  // .glb, .ply, ...: one self-contained file
  }
  TF_TRY(tokens, Tokenizer::open(file));
  std::vector<SceneReference> refs;
  // Spectrum: a "spectrum" parameter's string names a spectrum file unless it is a named one.
  enum class Pending { None, Scene, Asset, Spectrum } pending = Pending::None;
  std::string directive;  // Film "filename" names an output, not a reference
  for (;;) {
    TF_TRY(t, tokens.next());
    if (t.kind == Token::Kind::End) return refs;
    if (t.kind == Token::Kind::String && pending != Pending::None) {
      if (pending != Pending::Spectrum || !named_spectrum_rgb(t.text)) {
        refs.push_back({t.text, pending == Pending::Scene, t.loc});
      }
      pending = Pending::None;
      continue;
    }
    const bool names_file = pending == Pending::Asset || pending == Pending::Spectrum;
    if (t.kind == Token::Kind::LBracket && names_file) continue;
    pending = Pending::None;
    if (t.kind == Token::Kind::Identifier && t.text != "true" && t.text != "false") {
      directive = t.text;
      if (directive == "Include" || directive == "Import") pending = Pending::Scene;
    } else if (t.kind == Token::Kind::String && directive != "Film") {
      std::istringstream words(t.text);
      std::string type, name, extra;
      words >> type >> name >> extra;
      if (type == "string" && (name == "filename" || name == "normalmap") && extra.empty()) {
        pending = Pending::Asset;
      }
      if (type == "spectrum" && !name.empty() && extra.empty()) pending = Pending::Spectrum;
    }
  }
}

}  // namespace tf::scene

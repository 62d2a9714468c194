// scan_scene_references(): the files a scene refers to, from its tokens alone.
#include <sstream>

#include "formats/scene/parser.h"
#include "formats/scene/tokenizer.h"
#include "formats/scene/try.h"

namespace tf::scene {
namespace fs = std::filesystem;

Result<std::vector<SceneReference>> scan_scene_references(const fs::path& file) {
  TF_TRY(tokens, Tokenizer::open(file));
  std::vector<SceneReference> refs;
  enum class Pending { None, Scene, Asset } pending = Pending::None;
  std::string directive;  // Film "filename" names an output, not a reference
  for (;;) {
    TF_TRY(t, tokens.next());
    if (t.kind == Token::Kind::End) return refs;
    if (t.kind == Token::Kind::String && pending != Pending::None) {
      refs.push_back({t.text, pending == Pending::Scene, t.loc});
      pending = Pending::None;
      continue;
    }
    if (t.kind == Token::Kind::LBracket && pending == Pending::Asset) continue;
    pending = Pending::None;
    if (t.kind == Token::Kind::Identifier && t.text != "true" && t.text != "false") {
      directive = t.text;
      if (directive == "Include" || directive == "Import") pending = Pending::Scene;
    } else if (t.kind == Token::Kind::String && directive != "Film") {
      std::istringstream words(t.text);
      std::string type, name, extra;
      words >> type >> name >> extra;
      if (type == "string" && name == "filename" && extra.empty()) pending = Pending::Asset;
    }
  }
}

}  // namespace tf::scene

#include "formats/scene/params.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "formats/scene/spectra.h"

namespace tf::scene {
namespace {

Error error_at(const FileLoc& loc, const std::string& what) {
  return Error{loc.str() + ": " + what};
}

// "file:line:col: Directive: what" for a problem with parameter `p`.
Error param_error(const Param& p, const std::string& what) {
  return Error{p.loc.str() + ": " + p.directive + ": " + what};
}

// Canonical type name, or empty for an unknown type.
std::string canonical_type(const std::string& t) {
  if (t == "integer" || t == "float" || t == "point2" || t == "point3" || t == "vector3" ||
      t == "normal3" || t == "rgb" || t == "blackbody" || t == "spectrum" || t == "string" ||
      t == "texture" || t == "bool" || t == "vector2") {
    return t;
  }
  if (t == "point") return "point3";
  if (t == "vector") return "vector3";
  if (t == "normal") return "normal3";
  if (t == "color") return "rgb";
  return {};
}

bool is_numeric_type(const std::string& t) {
  return t == "integer" || t == "float" || t == "point2" || t == "vector2" || t == "point3" ||
         t == "vector3" || t == "normal3" || t == "rgb" || t == "blackbody";
}

// Checks value counts and kinds once all values of a parameter are read.
Status validate(const Param& p) {
  const size_t n = p.numbers.size();
  const std::string what = "parameter \"" + p.type + " " + p.name + "\"";
  if (p.numbers.empty() && p.strings.empty() && p.bools.empty()) {
    return param_error(p, what + ": expected at least one value");
  }
  if (is_numeric_type(p.type) && (!p.strings.empty() || !p.bools.empty())) {
    return param_error(p, what + ": expected numbers, got a string or bool");
  }
  if ((p.type == "string" || p.type == "texture") && (!p.numbers.empty() || !p.bools.empty())) {
    return param_error(p, what + ": expected quoted strings");
  }
  if (p.type == "bool" && (!p.numbers.empty() || !p.strings.empty())) {
    return param_error(p, what + ": expected true or false");
  }
  if (p.type == "integer") {
    for (double v : p.numbers) {
      if (v != std::floor(v) || std::abs(v) > 2147483647.0) {
        std::ostringstream shown;
        shown << v;
        return param_error(p, what + ": expected 32-bit integers, got " + shown.str());
      }
    }
  }
  if ((p.type == "point2" || p.type == "vector2") && n % 2 != 0) {
    return param_error(p, what + ": expected a multiple of 2 values, got " + std::to_string(n));
  }
  if ((p.type == "point3" || p.type == "vector3" || p.type == "normal3") && n % 3 != 0) {
    return param_error(p, what + ": expected a multiple of 3 values, got " + std::to_string(n));
  }
  if (p.type == "rgb" && n != 3) {
    return param_error(p, what + ": expected 3 values, got " + std::to_string(n));
  }
  if (p.type == "blackbody" && n != 1 && n != 2) {
    return param_error(p, what + ": expected a temperature in kelvin");
  }
  if (p.type == "spectrum") {
    if (!p.bools.empty() || (!p.strings.empty() && (p.strings.size() != 1 || n != 0))) {
      return param_error(p, what + ": expected (wavelength, value) pairs or one named spectrum");
    }
    if (p.strings.empty()) {
      if (n % 2 != 0 || n < 2) {
        return param_error(
            p, what + ": expected (wavelength, value) pairs, got " + std::to_string(n) + " values");
      }
      for (size_t i = 2; i < n; i += 2) {
        if (!(p.numbers[i] > p.numbers[i - 2])) {
          return param_error(p, what + ": wavelengths must increase");
        }
      }
    }
  }
  return Status::ok();
}

// Appends one value token to `p` according to its type.
Status add_value(Param& p, const Token& t) {
  switch (t.kind) {
    case Token::Kind::Number:
      p.numbers.push_back(t.number);
      return Status::ok();
    case Token::Kind::String:
      if (p.type == "bool") {
        if (t.text != "true" && t.text != "false") {
          return error_at(t.loc, p.directive + ": parameter \"bool " + p.name +
                                     "\": expected true or false, got \"" + t.text + "\"");
        }
        p.bools.push_back(t.text == "true");
      } else {
        p.strings.push_back(t.text);
      }
      return Status::ok();
    case Token::Kind::Identifier:
      if (t.text == "true" || t.text == "false") {
        p.bools.push_back(t.text == "true");
        return Status::ok();
      }
      break;
    default:
      break;
  }
  return error_at(t.loc, p.directive + ": parameter \"" + p.type + " " + p.name +
                             "\": expected a value, got " + token_kind_name(t.kind));
}

}  // namespace

Result<ParamSet> ParamSet::parse(Tokenizer& tokens, const std::string& directive) {
  ParamSet set;
  size_t total_values = 0;
  for (;;) {
    Result<Token> peeked = tokens.peek();
    if (!peeked) return Error{peeked.message()};
    if (peeked->kind != Token::Kind::String) {
      if (peeked->kind == Token::Kind::Number || peeked->kind == Token::Kind::LBracket ||
          peeked->kind == Token::Kind::RBracket) {
        return error_at(peeked->loc, directive +
                                         ": expected a parameter declaration like "
                                         "\"float radius\", got " +
                                         token_kind_name(peeked->kind));
      }
      return set;  // next directive or end of file
    }
    Token decl = std::move(tokens.next().value());
    std::istringstream words(decl.text);
    std::string type, name, extra;
    words >> type >> name >> extra;
    if (type.empty() || name.empty() || !extra.empty()) {
      return error_at(decl.loc, directive +
                                    ": expected a parameter declaration \"TYPE NAME\", got \"" +
                                    decl.text + "\"");
    }
    Param p;
    p.type = canonical_type(type);
    p.name = name;
    p.loc = decl.loc;
    p.directive = directive;
    if (p.type.empty()) {
      return error_at(
          decl.loc, directive + ": unknown parameter type '" + type + "' in \"" + decl.text + "\"");
    }
    // pbrt-v4 looks parameters up from the last one given: a repeated name shadows the earlier.
    auto same = std::find_if(set.params_.begin(), set.params_.end(),
                             [&](const Param& q) { return q.name == name; });
    if (same != set.params_.end()) {
      set.shadowed_.push_back(same->loc);
      set.params_.erase(same);
    }
    Result<Token> value = tokens.next();
    if (!value) return Error{value.message()};
    if (value->kind == Token::Kind::LBracket) {
      for (;;) {
        Result<Token> v = tokens.next();
        if (!v) return Error{v.message()};
        if (v->kind == Token::Kind::RBracket) break;
        if (v->kind == Token::Kind::End) {
          return error_at(value->loc,
                          directive + ": '[' of parameter '" + name + "' is never closed with ']'");
        }
        if (++total_values > kMaxParamValues) {
          return error_at(decl.loc, directive + ": too many parameter values (limit 2^28)");
        }
        if (Status s = add_value(p, v.value()); !s) return Error{s.message()};
      }
    } else {
      ++total_values;
      if (Status s = add_value(p, value.value()); !s) return Error{s.message()};
    }
    if (Status s = validate(p); !s) return Error{s.message()};
    set.params_.push_back(std::move(p));
  }
}

Param* ParamSet::find(const std::string& name) {
  for (Param& p : params_)
    if (p.name == name) return &p;
  return nullptr;
}

bool ParamSet::has(const std::string& name) const {
  for (const Param& p : params_)
    if (p.name == name) return true;
  return false;
}

const Param* ParamSet::get(const std::string& name) const {
  for (const Param& p : params_)
    if (p.name == name) return &p;
  return nullptr;
}

void ParamSet::mark_used(const std::string& name) {
  if (Param* p = find(name)) p->used = true;
}

void ParamSet::mark_all_used() {
  for (Param& p : params_) p.used = true;
}

std::vector<const Param*> ParamSet::unused() const {
  std::vector<const Param*> out;
  for (const Param& p : params_)
    if (!p.used) out.push_back(&p);
  return out;
}

namespace {

Error wrong_type(const Param& p, const std::string& expected) {
  return param_error(
      p, "parameter '" + p.name + "' must be " + expected + ", got type '" + p.type + "'");
}

Error wrong_count(const Param& p, const std::string& expected) {
  return param_error(p, "parameter '" + p.name + "' must have " + expected);
}

}  // namespace

Result<double> ParamSet::get_float(const std::string& name, double def) {
  Param* p = find(name);
  if (!p) return def;
  p->used = true;
  if (p->type != "float" && p->type != "integer") return wrong_type(*p, "float");
  if (p->numbers.size() != 1) return wrong_count(*p, "exactly one value");
  return p->numbers[0];
}

Result<int64_t> ParamSet::get_int(const std::string& name, int64_t def) {
  Param* p = find(name);
  if (!p) return def;
  p->used = true;
  if (p->type != "integer") return wrong_type(*p, "integer");
  if (p->numbers.size() != 1) return wrong_count(*p, "exactly one value");
  return static_cast<int64_t>(p->numbers[0]);
}

Result<bool> ParamSet::get_bool(const std::string& name, bool def) {
  Param* p = find(name);
  if (!p) return def;
  p->used = true;
  if (p->type != "bool") return wrong_type(*p, "bool");
  if (p->bools.size() != 1) return wrong_count(*p, "exactly one value");
  return static_cast<bool>(p->bools[0]);
}

Result<std::string> ParamSet::get_string(const std::string& name, const std::string& def) {
  Param* p = find(name);
  if (!p) return def;
  p->used = true;
  if (p->type != "string") return wrong_type(*p, "string");
  if (p->strings.size() != 1) return wrong_count(*p, "exactly one value");
  return p->strings[0];
}

Result<std::vector<double>> ParamSet::get_floats(const std::string& name) {
  Param* p = find(name);
  if (!p) return std::vector<double>{};
  p->used = true;
  if (p->type != "float") return wrong_type(*p, "float");
  return p->numbers;
}

Result<std::vector<int64_t>> ParamSet::get_ints(const std::string& name) {
  Param* p = find(name);
  if (!p) return std::vector<int64_t>{};
  p->used = true;
  if (p->type != "integer") return wrong_type(*p, "integer");
  std::vector<int64_t> out(p->numbers.size());
  for (size_t i = 0; i < out.size(); ++i) out[i] = static_cast<int64_t>(p->numbers[i]);
  return out;
}

Result<std::vector<std::string>> ParamSet::get_strings(const std::string& name) {
  Param* p = find(name);
  if (!p) return std::vector<std::string>{};
  p->used = true;
  if (p->type != "string") return wrong_type(*p, "string");
  return p->strings;
}

namespace {
std::vector<Vec3d> to_vec3s(const std::vector<double>& v) {
  std::vector<Vec3d> out(v.size() / 3);
  for (size_t i = 0; i < out.size(); ++i) out[i] = {v[3 * i], v[3 * i + 1], v[3 * i + 2]};
  return out;
}
}  // namespace

Result<std::vector<Vec3d>> ParamSet::get_point3s(const std::string& name) {
  Param* p = find(name);
  if (!p) return std::vector<Vec3d>{};
  p->used = true;
  if (p->type != "point3") return wrong_type(*p, "point3");
  return to_vec3s(p->numbers);
}

Result<std::vector<Vec3d>> ParamSet::get_normals(const std::string& name) {
  Param* p = find(name);
  if (!p) return std::vector<Vec3d>{};
  p->used = true;
  if (p->type != "normal3") return wrong_type(*p, "normal");
  return to_vec3s(p->numbers);
}

Result<std::optional<Vec3d>> ParamSet::get_point3(const std::string& name) {
  Param* p = find(name);
  if (!p) return std::optional<Vec3d>{};
  p->used = true;
  if (p->type != "point3") return wrong_type(*p, "point3");
  if (p->numbers.size() != 3) return wrong_count(*p, "exactly 3 values");
  return std::optional<Vec3d>(Vec3d{p->numbers[0], p->numbers[1], p->numbers[2]});
}

Result<std::optional<Vec3d>> ParamSet::get_vector3(const std::string& name) {
  Param* p = find(name);
  if (!p) return std::optional<Vec3d>{};
  p->used = true;
  if (p->type != "vector3") return wrong_type(*p, "vector3");
  if (p->numbers.size() != 3) return wrong_count(*p, "exactly 3 values");
  return std::optional<Vec3d>(Vec3d{p->numbers[0], p->numbers[1], p->numbers[2]});
}

Result<std::vector<std::array<float, 2>>> ParamSet::get_point2s(const std::string& name) {
  Param* p = find(name);
  if (!p) return std::vector<std::array<float, 2>>{};
  p->used = true;
  if (p->type != "point2" && p->type != "float") return wrong_type(*p, "point2");
  if (p->numbers.size() % 2 != 0) return wrong_count(*p, "an even number of values");
  std::vector<std::array<float, 2>> out(p->numbers.size() / 2);
  for (size_t i = 0; i < out.size(); ++i) {
    out[i] = {static_cast<float>(p->numbers[2 * i]), static_cast<float>(p->numbers[2 * i + 1])};
  }
  return out;
}

Result<std::optional<Rgb>> ParamSet::get_rgb(const std::string& name) {
  Param* p = find(name);
  if (!p) return std::optional<Rgb>{};
  p->used = true;
  if (p->type == "rgb") {
    return std::optional<Rgb>(Rgb{static_cast<float>(p->numbers[0]),
                                  static_cast<float>(p->numbers[1]),
                                  static_cast<float>(p->numbers[2])});
  }
  if (p->type == "float") {
    if (p->numbers.size() != 1) return wrong_count(*p, "exactly one value");
    const float v = static_cast<float>(p->numbers[0]);
    return std::optional<Rgb>(Rgb{v, v, v});
  }
  if (p->type == "blackbody") return std::optional<Rgb>(blackbody_rgb(p->numbers[0]));
  if (p->type == "spectrum") {
    if (!p->strings.empty()) {
      std::optional<Rgb> named = named_spectrum_rgb(p->strings[0]);
      if (!named) {
        return param_error(*p, "parameter '" + p->name + "': unknown named spectrum \"" +
                                   p->strings[0] + "\" (spectrum files: eta and k only)");
      }
      return named;
    }
    return std::optional<Rgb>(piecewise_spectrum_rgb(p->numbers));
  }
  return wrong_type(*p, "rgb, blackbody, spectrum or float");
}

Result<std::optional<ColorOrTexture>> ParamSet::get_color_or_texture(const std::string& name) {
  Param* p = find(name);
  if (p && p->type == "texture") {
    p->used = true;
    if (p->strings.size() != 1) return wrong_count(*p, "exactly one texture name");
    ColorOrTexture c;
    c.texture = p->strings[0];
    return std::optional<ColorOrTexture>(c);
  }
  Result<std::optional<Rgb>> rgb = get_rgb(name);
  if (!rgb) return Error{rgb.message()};
  if (!rgb.value()) return std::optional<ColorOrTexture>{};
  ColorOrTexture c;
  c.rgb = *rgb.value();
  return std::optional<ColorOrTexture>(c);
}

}  // namespace tf::scene

// Named parameter lists of pbrt-v4 directives ("float radius" [1], "rgb L" [1 1 1], ...):
// parsing with type and count checks, typed lookup, and detection of parameters that no
// lookup consumed (so unsupported parameters are reported instead of silently ignored).
// Not thread-safe (lookups mark parameters used).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "formats/scene/scene_ir.h"
#include "formats/scene/tokenizer.h"
#include "kernels/status.h"

namespace tf::scene {

// Upper bound on values in one parameter (bounded memory for hostile files).
inline constexpr size_t kMaxParamValues = size_t{1} << 28;

struct Param {
  std::string type;  // canonical: integer float point2 point3 vector3 normal3 rgb blackbody
                     // spectrum string texture bool
  std::string name;
  std::vector<double> numbers;
  std::vector<std::string> strings;
  std::vector<bool> bools;
  FileLoc loc;
  std::string directive;  // the directive it belongs to, for messages
  bool used = false;
};

// A reflectance/emission-like value: a colour, or a reference to a named texture.
struct ColorOrTexture {
  Rgb rgb{0, 0, 0};
  std::string texture;  // non-empty: "texture NAME" was given
};

class ParamSet {
 public:
  // Parses parameters following a directive's positional arguments, up to the next
  // directive. `directive` is used in messages.
  static Result<ParamSet> parse(Tokenizer& tokens, const std::string& directive);

  // Each lookup returns the default (or empty) when the parameter is absent, an error naming
  // file:line:col when it is present with the wrong type or count, and marks it used.
  Result<double> get_float(const std::string& name, double def);
  Result<int64_t> get_int(const std::string& name, int64_t def);
  Result<bool> get_bool(const std::string& name, bool def);
  Result<std::string> get_string(const std::string& name, const std::string& def);
  Result<std::vector<double>> get_floats(const std::string& name);
  Result<std::vector<int64_t>> get_ints(const std::string& name);
  Result<std::vector<std::string>> get_strings(const std::string& name);
  // point3/point (also accepts vector3/normal3 only for the matching lookup below).
  Result<std::vector<Vec3d>> get_point3s(const std::string& name);
  Result<std::vector<Vec3d>> get_normals(const std::string& name);
  Result<std::optional<Vec3d>> get_point3(const std::string& name);
  Result<std::optional<Vec3d>> get_vector3(const std::string& name);
  // point2 pairs, or (pbrt-v3 style) a float array of even length.
  Result<std::vector<std::array<float, 2>>> get_point2s(const std::string& name);
  // rgb, blackbody (normalised to unit luminance, as pbrt-v4 lights do), spectrum (pairs or a
  // named spectrum) or float (grey); empty when absent.
  Result<std::optional<Rgb>> get_rgb(const std::string& name);
  // As get_rgb, and additionally "texture NAME".
  Result<std::optional<ColorOrTexture>> get_color_or_texture(const std::string& name);

  // Whether a parameter with this name exists (any type); does not mark it used.
  bool has(const std::string& name) const;
  // The parameter with this name, or null; does not mark it used.
  const Param* get(const std::string& name) const;
  // Marks a parameter (if present) or every parameter as consumed.
  void mark_used(const std::string& name);
  void mark_all_used();
  // Parameters no lookup consumed, in file order.
  std::vector<const Param*> unused() const;
  const std::vector<Param>& all() const { return params_; }
  // Where parameters were declared that a later one of the same name in the same directive
  // replaced (pbrt-v4 uses the last; only it is kept here).
  const std::vector<FileLoc>& shadowed() const { return shadowed_; }

 private:
  Param* find(const std::string& name);
  std::vector<Param> params_;
  std::vector<FileLoc> shadowed_;
};

}  // namespace tf::scene

#include "formats/scene/parser.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <map>
#include <system_error>

#include "formats/scene/camera_sensor.h"
#include "formats/scene/diagnostics.h"
#include "formats/scene/elements.h"
#include "formats/scene/elements_media.h"
#include "formats/scene/params.h"
#include "formats/scene/tokenizer.h"
#include "formats/scene/try.h"

namespace tf::scene {
namespace fs = std::filesystem;
namespace {

// Bounds a hostile file cannot exceed (memory and time stay proportional to them).
constexpr uint64_t kMaxTotalIndices = uint64_t{3} << 26;
constexpr uint32_t kMaxResolution = 1u << 16;
constexpr int64_t kMaxPixelSamples = int64_t{1} << 20;
constexpr int64_t kMaxDepth = 1 << 16;

// pbrt-v4 keeps two current transforms, at the start and end of TransformTimes; transform
// directives change the active ones (ActiveTransform). Everything is built from the start one:
// moving objects are rendered where they are at the start time (no motion blur).
// GraphicsState::material of a NamedMaterial not defined yet: pbrt-v4 looks names up once the
// whole scene is read, so a later MakeNamedMaterial (often in a file included later) defines it.
constexpr int kPendingMaterial = -2;

struct GraphicsState {
  Mat4 ctm;      // at the start time
  Mat4 ctm_end;  // at the end time
  bool active_start = true, active_end = true;
  bool reverse_orientation = false;
  int material = 0;
  std::string material_name;  // with kPendingMaterial
  IrAreaLight area;
  int medium_inside = -1, medium_outside = -1;  // MediumInterface: indices into ir_.media
};

enum class BlockKind { Attribute, Transform, Object };

struct Block {
  BlockKind kind;
  GraphicsState saved;
  FileLoc loc;
};

class Parser {
 public:
  Parser(fs::path base_dir, const ParseOptions& options)
      : diag_(options.lenient, &ir_.warnings), base_dir_(std::move(base_dir)) {
    ir_.materials.push_back(IrMaterial{});  // pbrt's default: diffuse 0.5
  }

  Status parse_file(const fs::path& file, const FileLoc* included_from);
  Status parse_tokens(Tokenizer& tokens);
  Status finish();
  // Gives shapes of a NamedMaterial defined after them their material; an error when the name is
  // never defined (as in pbrt-v4).
  Status resolve_pending_materials();
  // A shape with pbrt's "interface" material: a medium boundary with no surface.
  void make_interface(IrShape* s);
  SceneIr take() { return std::move(ir_); }

 private:
  Status directive(const Token& name, Tokenizer& tokens);
  Status transform_directive(const std::string& d, const FileLoc& loc, Tokenizer& tokens,
                             bool* handled);
  Status block_directive(const std::string& d, const FileLoc& loc, Tokenizer& tokens,
                         bool* handled);
  Status options_directive(const std::string& d, const FileLoc& loc, Tokenizer& tokens,
                           bool* handled);
  Status world_directive(const std::string& d, const FileLoc& loc, Tokenizer& tokens,
                         bool* handled);
  Status shape(const FileLoc& loc, Tokenizer& tokens);
  // Shape "alpha" (pbrt-v4: a hit is ignored where alpha < a uniform hash, so alpha 0 hides the
  // shape, emission included, and alpha 1 changes nothing). False: the shape is invisible.
  // Otherwise a texture or a partial constant becomes s->alpha_texture (alpha_cutout.h), for
  // meshes that do not emit.
  Result<bool> shape_alpha(ParamSet& params, const FileLoc& loc, IrShape* s);
  // Warns once per scene when the current transform moves between the start and end times.
  void check_motion(const FileLoc& loc, const std::string& d);
  // Film sensor parameters (pbrt-v4 PixelSensor::Create and RGBFilm::Create) into ir_.film.
  Status read_film_sensor(ParamSet& params, const FileLoc& loc);
  // Film "pixelbounds" and "cropwindow" (pbrt-v4 FilmBaseParameters) into ir_.crop.
  Status read_film_crop(ParamSet& params, const FileLoc& loc);
  // Appends a light; a second infinite light is merged into the first (their radiance adds):
  // uniform ones always, image ones when they show the same file in the same orientation.
  Status add_light(const IrLight& light);
  Status skip_unknown(const Token& name, Tokenizer& tokens);
  // MakeNamedMedium "name": adds the medium (or, skipped, names vacuum).
  Status named_medium(const std::string& name, ParamSet& params, const FileLoc& loc);
  // A medium name of MediumInterface: its index, -1 for "" (vacuum); unknown names are errors.
  Result<int> medium_index(const std::string& name, const FileLoc& loc) const;
  // Reports parameters no builder consumed (an error in strict mode).
  Status finish_params(const ParamSet& params, const std::string& directive);
  Status require_world(const FileLoc& loc, const std::string& d, bool world) const;
  // The camera position in the space of the current CTM (the origin without a camera or when a
  // transform is singular).
  Vec3d camera_in_object_space() const {
    std::optional<Mat4> world_from_camera = ir_.camera.camera_from_world.inverse();
    std::optional<Mat4> object_from_world = gs_.ctm.inverse();
    if (!world_from_camera || !object_from_world) return {};
    return object_from_world->apply_point(world_from_camera->apply_point({}));
  }
  ElementContext context() {
    return ElementContext{diag_,        base_dir_,    textures_, float_textures_, named_materials_,
                          ir_.textures, ir_.materials};
  }

  SceneIr ir_;
  Diagnostics diag_;
  fs::path base_dir_;
  GraphicsState gs_;
  std::vector<Block> blocks_;
  std::map<std::string, std::array<Mat4, 2>> coord_systems_;  // start and end transforms
  bool motion_warned_ = false;
  // Shapes whose NamedMaterial is resolved at the end: (name, object or -1, index in its list).
  struct PendingShape {
    std::string material;
    int object;
    size_t index;
  };
  std::vector<PendingShape> pending_shapes_;
  std::map<std::string, int> named_materials_, textures_, float_textures_, objects_;
  std::map<std::string, int> named_media_;  // index into ir_.media, -1: skipped (vacuum)
  int current_object_ = -1;
  bool in_world_ = false;
  FileLoc end_loc_;
  int files_parsed_ = 0;  // bounds "include bombs" (a file including another many times)  // where
                          // the last parsed file ended (the top-level file's, at the end)
  uint64_t total_indices_ = 0;
  std::vector<fs::path> include_stack_;
};

Status Parser::require_world(const FileLoc& loc, const std::string& d, bool world) const {
  if (world && !in_world_) return error_at(loc, d, "allowed only after WorldBegin");
  if (!world && in_world_) return error_at(loc, d, "allowed only before WorldBegin");
  return Status::ok();
}

Status Parser::finish_params(const ParamSet& params, const std::string& directive) {
  for (const FileLoc& loc : params.shadowed()) {
    diag_.warn(loc, directive, "parameter given again later in the directive: the last is used");
  }
  for (const Param* p : params.unused()) {
    TF_CHECK(diag_.unsupported(p->loc, directive, "parameter \"" + p->type + " " + p->name + "\"",
                               "ignored"));
  }
  return Status::ok();
}

Status Parser::parse_file(const fs::path& file, const FileLoc* included_from) {
  std::error_code ec;
  fs::path canonical = fs::weakly_canonical(file, ec);
  if (ec) canonical = file;
  auto where = [&](const std::string& what) -> Status {
    if (included_from) return error_at(*included_from, "Include", what);
    return Error{what};
  };
  if (std::find(include_stack_.begin(), include_stack_.end(), canonical) != include_stack_.end()) {
    return where("include cycle: '" + file.string() + "' is already being parsed");
  }
  if (include_stack_.size() >= static_cast<size_t>(kMaxIncludeDepth)) {
    return where("includes nested deeper than " + std::to_string(kMaxIncludeDepth) + " levels");
  }
  if (++files_parsed_ > kMaxIncludedFiles) {
    return where("more than " + std::to_string(kMaxIncludedFiles) + " files included in total");
  }
  Result<Tokenizer> tokens = Tokenizer::open(file);
  if (!tokens) return where(tokens.message());
  include_stack_.push_back(canonical);
  Status s = parse_tokens(tokens.value());
  include_stack_.pop_back();
  return s;
}

Status Parser::parse_tokens(Tokenizer& tokens) {
  for (;;) {
    TF_TRY(t, tokens.next());
    if (t.kind == Token::Kind::End) {
      end_loc_ = t.loc;
      return Status::ok();
    }
    if (t.kind != Token::Kind::Identifier) {
      return error_at(t.loc, "scene",
                      std::string("expected a directive (like Shape or "
                                  "AttributeBegin), got ") +
                          token_kind_name(t.kind) +
                          (t.kind == Token::Kind::String ? " \"" + t.text + "\"" : ""));
    }
    TF_CHECK(directive(t, tokens));
  }
}

Status Parser::finish() {
  if (!blocks_.empty()) {
    const Block& b = blocks_.back();
    const char* name = b.kind == BlockKind::Object      ? "ObjectBegin"
                       : b.kind == BlockKind::Transform ? "TransformBegin"
                                                        : "AttributeBegin";
    return error_at(b.loc, name, "never closed before the end of the scene");
  }
  if (!in_world_) {
    return error_at(end_loc_, "end of file", "expected WorldBegin before the end of the scene");
  }
  return resolve_pending_materials();
}

Status Parser::resolve_pending_materials() {
  for (const PendingShape& p : pending_shapes_) {
    std::vector<IrShape>& list =
        p.object >= 0 ? ir_.objects[static_cast<size_t>(p.object)].shapes : ir_.shapes;
    IrShape& s = list[p.index];
    auto it = named_materials_.find(p.material);
    if (it == named_materials_.end()) {
      return error_at(s.loc, "Shape", "no named material \"" + p.material + "\" is defined");
    }
    s.material = it->second;
    if (it->second == kNoSurfaceMaterial) make_interface(&s);
  }
  return Status::ok();
}

Status Parser::directive(const Token& name, Tokenizer& tokens) {
  const std::string& d = name.text;
  bool handled = false;
  TF_CHECK(transform_directive(d, name.loc, tokens, &handled));
  if (!handled) TF_CHECK(block_directive(d, name.loc, tokens, &handled));
  if (!handled) TF_CHECK(options_directive(d, name.loc, tokens, &handled));
  if (!handled) TF_CHECK(world_directive(d, name.loc, tokens, &handled));
  if (!handled) return skip_unknown(name, tokens);
  return Status::ok();
}

Status Parser::transform_directive(const std::string& d, const FileLoc& loc, Tokenizer& tokens,
                                   bool* handled) {
  *handled = true;
  // Applies f to the active current transforms.
  auto update = [&](auto f) {
    if (gs_.active_start) gs_.ctm = f(gs_.ctm);
    if (gs_.active_end) gs_.ctm_end = f(gs_.ctm_end);
  };
  if (d == "Identity") {
    update([](const Mat4&) { return Mat4::identity(); });
  } else if (d == "Translate") {
    TF_TRY(v, expect_numbers(tokens, d, 3));
    update([&](const Mat4& c) { return c * Mat4::translate({v[0], v[1], v[2]}); });
  } else if (d == "Scale") {
    TF_TRY(v, expect_numbers(tokens, d, 3));
    update([&](const Mat4& c) { return c * Mat4::scale({v[0], v[1], v[2]}); });
  } else if (d == "Rotate") {
    TF_TRY(v, expect_numbers(tokens, d, 4));
    if (v[1] == 0 && v[2] == 0 && v[3] == 0) return error_at(loc, d, "rotation axis is zero");
    update([&](const Mat4& c) { return c * Mat4::rotate(v[0], {v[1], v[2], v[3]}); });
  } else if (d == "LookAt") {
    TF_TRY(v, expect_numbers(tokens, d, 9));
    std::optional<Mat4> m =
        Mat4::look_at({v[0], v[1], v[2]}, {v[3], v[4], v[5]}, {v[6], v[7], v[8]});
    if (!m)
      return error_at(loc, d, "eye equals look point, or up is parallel to the view direction");
    update([&](const Mat4& c) { return c * *m; });
  } else if (d == "Transform" || d == "ConcatTransform") {
    TF_TRY(v, expect_numbers(tokens, d, 16));
    const Mat4 m = Mat4::from_pbrt_array(v.data());
    update([&](const Mat4& c) { return d == "Transform" ? m : c * m; });
  } else if (d == "CoordinateSystem") {
    TF_TRY(n, expect_string(tokens, d, "a name"));
    coord_systems_[n] = {gs_.ctm, gs_.ctm_end};
  } else if (d == "CoordSysTransform") {
    TF_TRY(n, expect_string(tokens, d, "a name"));
    auto it = coord_systems_.find(n);
    if (it == coord_systems_.end()) {
      return error_at(loc, d,
                      "unknown coordinate system \"" + n +
                          "\" (define it with "
                          "CoordinateSystem first)");
    }
    gs_.ctm = it->second[0];
    gs_.ctm_end = it->second[1];
  } else if (d == "ReverseOrientation") {
    gs_.reverse_orientation = !gs_.reverse_orientation;
  } else if (d == "TransformTimes") {
    TF_TRY(v, expect_numbers(tokens, d, 2));
    if (!(v[0] <= v[1])) return error_at(loc, d, "the end time is before the start time");
  } else if (d == "ActiveTransform") {
    TF_TRY(t, tokens.next());
    if (t.kind != Token::Kind::Identifier ||
        (t.text != "All" && t.text != "StartTime" && t.text != "EndTime")) {
      return error_at(t.loc, d, "expected All, StartTime or EndTime");
    }
    gs_.active_start = t.text != "EndTime";
    gs_.active_end = t.text != "StartTime";
  } else {
    *handled = false;
  }
  return Status::ok();
}

Status Parser::block_directive(const std::string& d, const FileLoc& loc, Tokenizer& tokens,
                               bool* handled) {
  *handled = true;
  if (d == "AttributeBegin" || d == "TransformBegin") {
    if (blocks_.size() >= static_cast<size_t>(kMaxAttributeDepth)) {
      return error_at(loc, d, "nested deeper than " + std::to_string(kMaxAttributeDepth));
    }
    blocks_.push_back(
        {d == "AttributeBegin" ? BlockKind::Attribute : BlockKind::Transform, gs_, loc});
  } else if (d == "AttributeEnd" || d == "TransformEnd") {
    const BlockKind want = d == "AttributeEnd" ? BlockKind::Attribute : BlockKind::Transform;
    if (blocks_.empty() || blocks_.back().kind != want) {
      return error_at(loc, d,
                      std::string("without a matching ") +
                          (want == BlockKind::Attribute ? "AttributeBegin" : "TransformBegin"));
    }
    if (want == BlockKind::Attribute) {
      gs_ = blocks_.back().saved;
    } else {
      gs_.ctm = blocks_.back().saved.ctm;
      gs_.ctm_end = blocks_.back().saved.ctm_end;
    }
    blocks_.pop_back();
  } else if (d == "ObjectBegin") {
    TF_CHECK(require_world(loc, d, true));
    TF_TRY(n, expect_string(tokens, d, "an object name"));
    if (current_object_ >= 0)
      return error_at(loc, d,
                      "ObjectBegin inside ObjectBegin \"" +
                          ir_.objects[static_cast<size_t>(current_object_)].name + "\"");
    if (objects_.count(n)) return error_at(loc, d, "object \"" + n + "\" defined twice");
    if (blocks_.size() >= static_cast<size_t>(kMaxAttributeDepth)) {
      return error_at(loc, d, "nested deeper than " + std::to_string(kMaxAttributeDepth));
    }
    blocks_.push_back({BlockKind::Object, gs_, loc});
    current_object_ = static_cast<int>(ir_.objects.size());
    objects_[n] = current_object_;
    ir_.objects.push_back(IrObject{n, {}});
  } else if (d == "ObjectEnd") {
    if (blocks_.empty() || blocks_.back().kind != BlockKind::Object) {
      return error_at(loc, d, "without a matching ObjectBegin");
    }
    gs_ = blocks_.back().saved;
    blocks_.pop_back();
    current_object_ = -1;
  } else if (d == "ObjectInstance") {
    TF_CHECK(require_world(loc, d, true));
    TF_TRY(n, expect_string(tokens, d, "an object name"));
    if (current_object_ >= 0) return error_at(loc, d, "not allowed inside ObjectBegin");
    auto it = objects_.find(n);
    if (it == objects_.end()) return error_at(loc, d, "unknown object \"" + n + "\"");
    check_motion(loc, d);
    ir_.instances.push_back(IrInstance{it->second, gs_.ctm, loc});
  } else if (d == "Include" || d == "Import") {
    TF_TRY(n, expect_string(tokens, d, "a file name"));
    TF_CHECK(parse_file(resolve_scene_path(base_dir_, n), &loc));
  } else {
    *handled = false;
  }
  return Status::ok();
}

Status Parser::options_directive(const std::string& d, const FileLoc& loc, Tokenizer& tokens,
                                 bool* handled) {
  *handled = true;
  if (d == "WorldBegin") {
    if (in_world_) return error_at(loc, d, "appears twice");
    in_world_ = true;
    gs_.ctm = gs_.ctm_end = Mat4::identity();
    gs_.active_start = gs_.active_end = true;
    coord_systems_["world"] = {gs_.ctm, gs_.ctm_end};
    return Status::ok();
  }
  if (d == "WorldEnd") {
    diag_.warn(loc, d, "ignored (pbrt-v3 syntax)");
    return Status::ok();
  }
  static const char* const kOptionDirectives[] = {"Camera",     "Film",        "Sampler",
                                                  "Integrator", "PixelFilter", "Accelerator",
                                                  "ColorSpace", "Option",      "MakeNamedMedium"};
  if (std::find_if(std::begin(kOptionDirectives), std::end(kOptionDirectives),
                   [&](const char* s) { return d == s; }) == std::end(kOptionDirectives)) {
    *handled = false;
    return Status::ok();
  }
  if (d == "Option") {
    TF_TRY(params, ParamSet::parse(tokens, d));
    for (const Param& p : params.all()) diag_.warn(p.loc, d, "\"" + p.name + "\" ignored");
    return Status::ok();
  }
  TF_TRY(type, expect_string(tokens, d, "a type"));
  TF_TRY(params, ParamSet::parse(tokens, d));
  if (d == "MakeNamedMedium") return named_medium(type, params, loc);
  if (d == "ColorSpace") {
    if (type != "srgb") return diag_.unsupported(loc, d, "colour space \"" + type + "\"", "srgb");
    return Status::ok();
  }
  if (d == "PixelFilter" || d == "Accelerator") {
    params.mark_all_used();
    if (d == "PixelFilter")
      diag_.warn(loc, d, "\"" + type + "\" ignored (box filter over each pixel)");
    return Status::ok();
  }
  TF_CHECK(require_world(loc, d, false));
  if (d == "Camera") {
    if (type != "perspective") {
      TF_CHECK(diag_.unsupported(loc, d, "camera \"" + type + "\"", "perspective"));
    }
    IrCamera& c = ir_.camera;
    check_motion(loc, d);
    c.camera_from_world = gs_.ctm;
    std::optional<Mat4> world_from_camera = gs_.ctm.inverse();
    std::optional<Mat4> world_from_camera_end = gs_.ctm_end.inverse();
    if (!world_from_camera || !world_from_camera_end) {
      return error_at(loc, d, "the current transform is singular");
    }
    coord_systems_["camera"] = {*world_from_camera, *world_from_camera_end};
    TF_TRY(fov, params.get_float("fov", 90));
    if (!(fov > 0 && fov < 180)) return error_at(loc, d, "\"fov\" must be in (0, 180) degrees");
    TF_TRY(lens, params.get_float("lensradius", 0));
    TF_TRY(focal, params.get_float("focaldistance", 1e6));
    if (lens < 0 || !(focal > 0))
      return error_at(loc, d, "need lensradius >= 0 and focaldistance > 0");
    c.fov_degrees = static_cast<float>(fov);
    c.lens_radius = static_cast<float>(lens);
    c.focal_distance = static_cast<float>(focal);
    // No motion blur: the shutter interval only sets the film's exposure time (pbrt-v4).
    TF_TRY(open, params.get_float("shutteropen", 0));
    TF_TRY(close, params.get_float("shutterclose", 1));
    if (!(close - open > 0)) {
      return error_at(loc, d, "shutterclose must be after shutteropen (the shutter never opens)");
    }
    ir_.film.exposure_time = close - open;
    ir_.has_camera = true;
    ir_.camera_medium = gs_.medium_outside;  // pbrt-v4: the camera sits in the outside medium
  } else if (d == "Film") {
    if (type != "rgb" && type != "gbuffer") {
      TF_CHECK(diag_.unsupported(loc, d, "film \"" + type + "\"", "rgb"));
    }
    TF_TRY(xres, params.get_int("xresolution", 1280));
    TF_TRY(yres, params.get_int("yresolution", 720));
    if (xres < 1 || yres < 1 || xres > kMaxResolution || yres > kMaxResolution) {
      return error_at(loc, d, "resolution must be between 1 and 65536");
    }
    ir_.width = static_cast<uint32_t>(xres);
    ir_.height = static_cast<uint32_t>(yres);
    TF_CHECK(read_film_crop(params, loc));
    TF_TRY(filename, params.get_string("filename", ""));
    ir_.film_filename = filename;
    params.mark_used("diagonal");  // only the realistic camera uses the sensor size
    params.mark_used("savefp16");
    // The space of a G-buffer's position/normal channels, which we do not write.
    if (type == "gbuffer") params.mark_used("coordinatesystem");
    TF_CHECK(read_film_sensor(params, loc));
  } else if (d == "Sampler") {
    TF_TRY(spp, params.get_int("pixelsamples", 16));
    if (spp < 1 || spp > kMaxPixelSamples)
      return error_at(loc, d, "pixelsamples must be in [1, 2^20]");
    ir_.spp = static_cast<uint32_t>(spp);
    for (const char* p : {"seed", "jitter", "dimensions", "randomization"}) params.mark_used(p);
  } else if (d == "Integrator") {
    // pbrt-v4's other estimators of the same light transport: the path tracer renders an
    // image of the same expected value, so they are accepted with one warning in both modes.
    // ("ambientocclusion" and "aov" compute something else.)
    static const char* const kSameTransport[] = {"bdpt",       "mlt",        "sppm",
                                                 "lightpath",  "simplepath", "simplevolpath",
                                                 "randomwalk"};
    const bool ours = type == "path" || type == "volpath";
    if (std::find(std::begin(kSameTransport), std::end(kSameTransport), type) !=
        std::end(kSameTransport)) {
      diag_.warn(loc, d, "\"" + type + "\" rendered by the path tracer (same light transport)");
    } else if (!ours) {
      TF_CHECK(diag_.unsupported(loc, d, "integrator \"" + type + "\"", "path"));
    }
    TF_TRY(depth, params.get_int("maxdepth", 5));
    if (depth < 0 || depth > kMaxDepth) return error_at(loc, d, "maxdepth must be in [0, 65536]");
    ir_.max_depth = static_cast<uint32_t>(depth);
    // Sampling strategies only (light choice, Russian roulette): the estimate's mean is the same.
    params.mark_used("lightsampler");
    params.mark_used("rrthreshold");
    TF_TRY(regularize, params.get_bool("regularize", false));
    if (regularize && ours) {
      diag_.warn(loc, d, "\"regularize\" ignored (near-specular paths are rendered unblurred)");
    }
    // The other parameters of an integrator we replace belong to it: one warning is enough.
    if (!ours) params.mark_all_used();
  }
  return finish_params(params, d);
}

Status Parser::read_film_crop(ParamSet& params, const FileLoc& loc) {
  TF_TRY(bounds, params.get_ints("pixelbounds"));
  TF_TRY(window, params.get_floats("cropwindow"));
  if (bounds.empty() && window.empty()) return Status::ok();
  const int64_t w = ir_.width, h = ir_.height;
  int64_t x0 = 0, x1 = w, y0 = 0, y1 = h;
  if (!window.empty()) {  // pbrt-v4: the crop window wins over pixel bounds
    if (window.size() != 4) return error_at(loc, "Film", "\"cropwindow\" needs 4 values");
    if (!bounds.empty()) diag_.warn(loc, "Film", "both pixelbounds and cropwindow: cropwindow used");
    auto unit = [](double v) { return std::clamp(v, 0.0, 1.0); };
    auto at = [](int64_t n, double v) { return static_cast<int64_t>(std::ceil(n * v)); };
    x0 = at(w, unit(std::min(window[0], window[1])));
    x1 = at(w, unit(std::max(window[0], window[1])));
    y0 = at(h, unit(std::min(window[2], window[3])));
    y1 = at(h, unit(std::max(window[2], window[3])));
  } else {
    if (bounds.size() != 4) return error_at(loc, "Film", "\"pixelbounds\" needs 4 values");
    x0 = std::max<int64_t>(bounds[0], 0), x1 = std::min(bounds[1], w);
    y0 = std::max<int64_t>(bounds[2], 0), y1 = std::min(bounds[3], h);
    if (x0 != bounds[0] || x1 != bounds[1] || y0 != bounds[2] || y1 != bounds[3]) {
      diag_.warn(loc, "Film", "pixelbounds extend beyond the image resolution: clamped");
    }
  }
  if (!(x0 < x1 && y0 < y1)) return error_at(loc, "Film", "the crop window holds no pixels");
  ir_.crop = IrPixelBounds{static_cast<uint32_t>(x0), static_cast<uint32_t>(y0),
                           static_cast<uint32_t>(x1), static_cast<uint32_t>(y1)};
  return Status::ok();
}

Status Parser::read_film_sensor(ParamSet& params, const FileLoc& loc) {
  TF_TRY(sensor, params.get_string("sensor", "cie1931"));
  TF_TRY(iso, params.get_float("iso", 100));
  TF_TRY(white, params.get_float("whitebalance", 0));
  TF_TRY(max_value, params.get_float("maxcomponentvalue", std::numeric_limits<double>::infinity()));
  if (!(iso > 0 && std::isfinite(iso))) return error_at(loc, "Film", "\"iso\" must be > 0");
  if (!(white >= 0 && std::isfinite(white))) {
    return error_at(loc, "Film", "\"whitebalance\" must be 0 (none) or a temperature in kelvin");
  }
  if (!(max_value > 0)) return error_at(loc, "Film", "\"maxcomponentvalue\" must be > 0");
  if (sensor != "cie1931") {
    if (is_camera_sensor(sensor)) {
      ir_.film.sensor = sensor;
    } else {
      TF_CHECK(diag_.unsupported(loc, "Film",
                                 "sensor \"" + sensor + "\" (supported: cie1931, " +
                                     supported_camera_sensors() + ")",
                                 "the cie1931 sensor"));
    }
    if (white == 0) white = 6500;  // pbrt-v4's default white balance for camera sensors
  }
  ir_.film.iso = iso;
  ir_.film.white_balance = white;
  ir_.film.max_component = max_value;
  if (params.has("scale")) {
    TF_TRY(scale, params.get_float("scale", 1));
    if (!(scale > 0 && std::isfinite(scale))) return error_at(loc, "Film", "\"scale\" must be > 0");
    diag_.warn(loc, "Film",
               "\"scale\" (earlier pbrt-v4 versions; current ones reject it) multiplies the "
               "image, as those versions did");
    ir_.film.scale = scale;
  }
  return Status::ok();
}

Status Parser::world_directive(const std::string& d, const FileLoc& loc, Tokenizer& tokens,
                               bool* handled) {
  *handled = true;
  if (d == "Shape") return shape(loc, tokens);
  if (d == "NamedMaterial") {
    TF_CHECK(require_world(loc, d, true));
    TF_TRY(n, expect_string(tokens, d, "a material name"));
    auto it = named_materials_.find(n);
    gs_.material = it == named_materials_.end() ? kPendingMaterial : it->second;
    gs_.material_name = n;
    return Status::ok();
  }
  if (d == "MediumInterface") {  // "inside" ["outside"]; one name stands for both (pbrt-v4)
    TF_TRY(inside, expect_string(tokens, d, "a medium name"));
    std::string outside = inside;
    TF_TRY(next, tokens.peek());
    if (next.kind == Token::Kind::String) outside = tokens.next().value().text;
    TF_TRY(in, medium_index(inside, loc));
    TF_TRY(out, medium_index(outside, loc));
    gs_.medium_inside = in;
    gs_.medium_outside = out;
    return Status::ok();
  }
  if (d == "Material" || d == "MakeNamedMaterial" || d == "LightSource" || d == "AreaLightSource" ||
      d == "Texture" || d == "Attribute") {
    TF_CHECK(require_world(loc, d, true));
    TF_TRY(name, expect_string(tokens, d,
                               d == "Material" || d == "LightSource" || d == "AreaLightSource"
                                   ? "a type"
                                   : "a name"));
    std::string tex_type, tex_class;
    if (d == "Texture") {
      TF_TRY(tt, expect_string(tokens, d, "a texture type (\"spectrum\" or \"float\")"));
      TF_TRY(tc, expect_string(tokens, d, "a texture class"));
      tex_type = tt == "color" ? "spectrum" : tt;
      tex_class = tc;
      if (tex_type != "spectrum" && tex_type != "float") {
        return error_at(loc, d,
                        "texture type must be \"spectrum\" or \"float\", got \"" + tt + "\"");
      }
    }
    TF_TRY(params, ParamSet::parse(tokens, d));
    ElementContext ctx = context();
    if (d == "Attribute") {
      params.mark_all_used();
      return diag_.unsupported(loc, d, "attribute defaults", "ignored");
    }
    if (d == "Material" || d == "MakeNamedMaterial") {
      std::string type = name;
      if (d == "MakeNamedMaterial") {
        TF_TRY(t, params.get_string("type", ""));
        if (t.empty()) return error_at(loc, d, "requires \"string type\"");
        type = t;
        if (named_materials_.count(name))
          return error_at(loc, d, "named material \"" + name + "\" defined twice");
      }
      if (type == "interface" || type == "none" || type.empty()) {  // bounds media only
        params.mark_all_used();
        if (d == "Material")
          gs_.material = kNoSurfaceMaterial;
        else
          named_materials_[name] = kNoSurfaceMaterial;
        return Status::ok();
      }
      TF_TRY(m, make_material(d, type, params, loc, ctx));
      ir_.materials.push_back(*m);
      const int index = static_cast<int>(ir_.materials.size() - 1);
      if (d == "Material")
        gs_.material = index;
      else
        named_materials_[name] = index;
    } else if (d == "Texture") {
      TF_TRY(t, make_texture(tex_type, tex_class, params, loc, gs_.ctm, ctx));
      auto& names = tex_type == "float" ? float_textures_ : textures_;
      if (names.count(name)) diag_.warn(loc, d, "texture \"" + name + "\" redefined");
      t->name = name;
      t->loc = loc;
      ir_.textures.push_back(*t);
      names[name] = static_cast<int>(ir_.textures.size() - 1);
    } else if (d == "LightSource") {
      check_motion(loc, d);
      TF_TRY(l, make_light(name, params, loc, gs_.ctm, ctx));
      if (l) {
        if (current_object_ >= 0) {
          TF_CHECK(diag_.unsupported(loc, d, "light inside ObjectBegin", "skipped"));
        } else {
          TF_CHECK(add_light(*l));
        }
      }
    } else {  // AreaLightSource
      TF_TRY(a, make_area_light(name, params, loc, ctx));
      gs_.area = a.value_or(IrAreaLight{});
    }
    return finish_params(params, d);
  }
  *handled = false;
  return Status::ok();
}

Status Parser::add_light(const IrLight& light) {
  auto is_env = [](const IrLight& l) {
    return l.kind == IrLight::Kind::EnvUniform || l.kind == IrLight::Kind::EnvImage;
  };
  auto existing = std::find_if(ir_.lights.begin(), ir_.lights.end(), is_env);
  if (!is_env(light) || existing == ir_.lights.end()) {
    ir_.lights.push_back(light);
    return Status::ok();
  }
  auto add = [](Rgb& a, const Rgb& b) {
    for (size_t c = 0; c < 3; ++c) a[c] += b[c];
  };
  if (light.kind == IrLight::Kind::EnvUniform) {
    add(existing->kind == IrLight::Kind::EnvUniform ? existing->radiance : existing->uniform_added,
        light.radiance);
  } else if (existing->kind == IrLight::Kind::EnvUniform) {
    IrLight merged = light;
    add(merged.uniform_added, existing->radiance);
    *existing = merged;
  } else if (light.filename == existing->filename &&
             light.world_from_light == existing->world_from_light) {
    // The same image in the same orientation (scenes repeat it once per window portal):
    // the sum is that image with the scales added.
    add(existing->radiance, light.radiance);
  } else {
    return diag_.unsupported(light.loc, "LightSource",
                             "second image infinite light (first at " + existing->loc.str() + ")",
                             "only the first is kept");
  }
  return Status::ok();
}

Status Parser::shape(const FileLoc& loc, Tokenizer& tokens) {
  const std::string d = "Shape";
  TF_CHECK(require_world(loc, d, true));
  TF_TRY(type, expect_string(tokens, d, "a shape type"));
  TF_TRY(params, ParamSet::parse(tokens, d));
  IrShape s;
  ElementContext ctx = context();
  ctx.view_point = camera_in_object_space();
  TF_TRY(made, make_shape(type, params, loc, ctx, &s));
  if (!made) {
    params.mark_all_used();
    return Status::ok();
  }
  TF_TRY(visible, shape_alpha(params, loc, &s));
  if (!visible) {
    params.mark_all_used();
    return Status::ok();
  }
  for (const char* p : {"emissionfilename", "displacement"}) {
    if (params.has(p)) {
      params.mark_used(p);
      TF_CHECK(diag_.unsupported(loc, d, std::string("parameter '") + p + "'", "ignored"));
    }
  }
  total_indices_ += s.kind == IrShape::Kind::Mesh ? s.mesh.indices.size() : 3;
  if (total_indices_ > kMaxTotalIndices)
    return error_at(loc, d, "more than 2^26 triangles in the scene");
  check_motion(loc, d);
  s.world_from_object = gs_.ctm;
  s.material = gs_.material;
  s.reverse_orientation = gs_.reverse_orientation;
  s.area = gs_.area;
  s.medium_inside = gs_.medium_inside;
  s.medium_outside = gs_.medium_outside;
  if (gs_.material == kNoSurfaceMaterial) make_interface(&s);
  if (s.material == kPendingMaterial) {
    const std::vector<IrShape>& list =
        current_object_ >= 0 ? ir_.objects[static_cast<size_t>(current_object_)].shapes
                             : ir_.shapes;
    pending_shapes_.push_back({gs_.material_name, current_object_, list.size()});
  }
  if (current_object_ >= 0) {
    if (s.area.present) {
      TF_CHECK(diag_.unsupported(loc, d, "area light inside ObjectBegin", "not emissive"));
      s.area = IrAreaLight{};
    }
    ir_.objects[static_cast<size_t>(current_object_)].shapes.push_back(std::move(s));
  } else {
    ir_.shapes.push_back(std::move(s));
  }
  return finish_params(params, d);
}

void Parser::make_interface(IrShape* s) {
  s->interface = true;
  s->material = 0;
  if (s->area.present) {  // as pbrt-v4
    diag_.warn(s->loc, "Shape", "area light ignored: the shape has the \"interface\" material");
    s->area = IrAreaLight{};
  }
}

Result<bool> Parser::shape_alpha(ParamSet& params, const FileLoc& loc, IrShape* s) {
  const Param* p = params.get("alpha");
  if (!p) return true;
  int texture = -1;
  double constant = 1;
  std::string what;
  if (p->type == "texture") {
    params.mark_used("alpha");
    const std::string name = p->strings.empty() ? std::string() : p->strings[0];
    auto it = float_textures_.find(name);
    if (it == float_textures_.end()) {
      return error_at(loc, "Shape", "unknown float texture \"" + name + "\" for 'alpha'");
    }
    texture = it->second;
    what = "alpha texture \"" + name + "\"";
  } else {
    TF_TRY(alpha, params.get_float("alpha", 1));
    if (alpha <= 0) return false;
    if (alpha >= 1) return true;
    constant = alpha;
    what = "alpha " + std::to_string(alpha);
  }
  // The kernel cuts out triangle hits only; pbrt-v4 also masks an emitter's light by alpha.
  if (s->kind != IrShape::Kind::Mesh || gs_.area.present) {
    TF_CHECK(diag_.unsupported(loc, "Shape", what + " on a sphere or an emitter",
                               "the shape is opaque"));
    return true;
  }
  if (texture < 0) {  // a partial constant: a constant float texture
    IrTexture c;
    c.value = {static_cast<float>(constant), static_cast<float>(constant),
               static_cast<float>(constant)};
    ir_.textures.push_back(c);
    texture = static_cast<int>(ir_.textures.size() - 1);
  }
  s->alpha_texture = texture;
  return true;
}

void Parser::check_motion(const FileLoc& loc, const std::string& d) {
  if (motion_warned_ || gs_.ctm == gs_.ctm_end) return;
  motion_warned_ = true;
  diag_.warn(loc, d,
             "moves between TransformTimes (motion blur): rendered at the start time, where "
             "every moving object of the scene is taken");
}

Status Parser::named_medium(const std::string& name, ParamSet& params, const FileLoc& loc) {
  const std::string d = "MakeNamedMedium";
  TF_TRY(type, params.get_string("type", ""));
  if (type.empty()) return error_at(loc, d, "requires \"string type\"");
  if (named_media_.count(name)) return error_at(loc, d, "medium \"" + name + "\" defined twice");
  TF_TRY(m, make_medium(type, params, loc, gs_.ctm, base_dir_, diag_));
  named_media_[name] = -1;
  if (m) {
    ir_.media.push_back(*m);
    named_media_[name] = static_cast<int>(ir_.media.size() - 1);
  }
  return finish_params(params, d);
}

Result<int> Parser::medium_index(const std::string& name, const FileLoc& loc) const {
  if (name.empty()) return -1;
  auto it = named_media_.find(name);
  if (it == named_media_.end()) {
    return error_at(loc, "MediumInterface",
                    "unknown medium \"" + name + "\" (define it with MakeNamedMedium first)");
  }
  return it->second;
}

Status Parser::skip_unknown(const Token& name, Tokenizer& tokens) {
  TF_CHECK(diag_.unsupported(name.loc, name.text, "directive (unknown to pbrt-v4 or to us)",
                             "skipped with its arguments"));
  // Lenient: skip arguments up to the next bare word that is not a bool value.
  for (;;) {
    TF_TRY(t, tokens.peek());
    if (t.kind == Token::Kind::End) return Status::ok();
    if (t.kind == Token::Kind::Identifier && t.text != "true" && t.text != "false")
      return Status::ok();
    (void)tokens.next();
  }
}

}  // namespace

Result<SceneIr> parse_pbrt_file(const fs::path& file, const ParseOptions& options) {
  Parser parser(file.parent_path(), options);
  TF_CHECK(parser.parse_file(file, nullptr));
  TF_CHECK(parser.finish());
  return parser.take();
}

Result<SceneIr> parse_pbrt_string(std::string text, const std::string& name,
                                  const fs::path& base_dir, const ParseOptions& options) {
  Parser parser(base_dir, options);
  Tokenizer tokens = Tokenizer::from_string(std::move(text), name);
  TF_CHECK(parser.parse_tokens(tokens));
  TF_CHECK(parser.finish());
  return parser.take();
}

}  // namespace tf::scene

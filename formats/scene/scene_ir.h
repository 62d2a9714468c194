// The scene IR: what a parsed pbrt-v4 file (or an imported mesh file) describes, in plain host
// types and world space, before conversion to the kernel's arrays. Knows no kernel types.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "formats/scene/density_grid.h"
#include "formats/scene/transform.h"

namespace tf {
struct ImageRGB;  // formats/image/image_io.h
}

namespace tf::scene {

// A position in a scene file, 1-based; str() gives "file:line:column".
struct FileLoc {
  std::string file;
  int line = 0, column = 0;
  std::string str() const {
    return file + ":" + std::to_string(line) + ":" + std::to_string(column);
  }
};

using Rgb = std::array<float, 3>;

struct IrCamera {
  Mat4 camera_from_world;    // the CTM at the Camera directive
  float fov_degrees = 90.f;  // pbrt: applies to the shorter image axis
  float lens_radius = 0.f;
  float focal_distance = 1e6f;
};

// pbrt-v4's pixel sensor (Film "rgb" parameters and the camera's shutter interval); the defaults
// are pbrt's pass-through ones (cie1931, imaging ratio 1, no white balance, no clamp).
struct IrFilm {
  std::string sensor = "cie1931";  // or a camera (camera_sensor.h); a camera's white balance > 0
  double iso = 100;
  double white_balance = 0;   // kelvin of the CIE daylight illuminant balanced to white; 0: none
  double exposure_time = 1;   // Camera "shutterclose" - "shutteropen"
  double max_component = std::numeric_limits<double>::infinity();  // per-sample clamp
  double scale = 1;  // Film "scale" of earlier pbrt-v4 versions: multiplies the output
};

// An operand of a texture node: another texture (index into SceneIr::textures) or a constant.
struct IrOperand {
  int texture = -1;  // -1: the constant `value`
  Rgb value{0, 0, 0};
};

// A pbrt-v4 texture (float textures hold their value in all three channels). Leaves read the
// surface; Mix (tex1, tex2, amount), DirectionMix (tex1, tex2) and Scale (tex, scale) combine
// their operands. Textures refer only to textures defined before them, so the graph has no
// cycles; the converter bounds its depth and size (convert.h).
struct IrTexture {
  enum class Kind {
    Constant, Image, Checkerboard, Bilerp, Dots, FBm, Wrinkled, Windy, Marble,
    Mix, DirectionMix, Scale
  };
  // UVAffine: s = udelta + v1 . (u, v, 0), t = vdelta + v2 . (u, v, 0) (glTF's transforms).
  enum class Mapping { UV, Spherical, Cylindrical, Planar, Point3D, UVAffine };
  // Image: how texel indices wrap outside the image along x (s) and y (t); see TF_WRAP_*.
  enum class Wrap { Repeat, Clamp, Mirror };
  Kind kind = Kind::Constant;
  Rgb value{1, 1, 1};   // constant, first checker colour, inside dot, bilerp v00, image scale
  Rgb value2{0, 0, 0};  // second checker colour, outside dot, bilerp v10
  Rgb value3{1, 1, 1}, value4{1, 1, 1};  // bilerp v01, v11
  std::filesystem::path filename;        // Image: resolved path
  bool invert = false;                   // Image
  bool linear = false;                   // Image: texel values as stored, no sRGB decoding
  // Image: texels made at load (a glTF normal map rewritten into the kernel's convention, an
  // alpha mask), used instead of reading `filename`, which names their source.
  std::shared_ptr<const ImageRGB> texels;
  Mapping mapping = Mapping::UV;
  Wrap wrap_s = Wrap::Repeat, wrap_t = Wrap::Repeat;  // Image
  float uscale = 1, vscale = 1, udelta = 0, vdelta = 0;
  Mat4 texture_from_world;               // the inverse of the CTM at the Texture directive
  Vec3d v1{1, 0, 0}, v2{0, 1, 0};        // Planar, UVAffine
  int octaves = 8;                       // noise kinds
  float omega = 0.5f, scale = 1, variation = 0.2f;  // roughness; Marble scale, variation
  Vec3d dir{0, 1, 0};                    // DirectionMix: unit, world space
  std::vector<IrOperand> operands;       // Mix, DirectionMix, Scale
  std::string name;                      // the Texture's name ("" for parts the loader made)
  FileLoc loc;
};

// A participating medium (MakeNamedMedium), "scale" applied to both coefficients. Grid and
// cloud media scale them by a density in the medium's space (kernels/render/medium_grid.h).
struct IrMedium {
  enum class Kind { Homogeneous, Grid, Cloud };
  Kind kind = Kind::Homogeneous;
  Rgb sigma_a{1, 1, 1}, sigma_s{1, 1, 1};  // per unit length, the renderer's RGB
  float g = 0;                              // Henyey-Greenstein asymmetry, (-1, 1)
  Mat4 medium_from_world;  // Grid, Cloud: the inverse of the CTM at MakeNamedMedium
  DensityGrid grid;        // Grid: bounds and samples; Cloud: bounds only (p0, p1)
  float density = 1, wispiness = 1, frequency = 5;  // Cloud (pbrt-v4's defaults)
  // Emission (elements_media.h, kernels/render/medium_emission.h); only when `emissive`.
  bool emissive = false;
  Rgb le{0, 0, 0};  // Homogeneous: "Le" x "Lescale"; Grid without temperature: "Le"
  std::optional<DensityGrid> le_scale;     // Grid: factors of the emission on grid.p0 .. p1
  std::optional<DensityGrid> temperature;  // Grid: temperature samples on their own bounds
  // kelvin = (temperature - offset) * scale; the blackbody's emission times blackbody_scale.
  float temperature_offset = 0, temperature_scale = 1, blackbody_scale = 1;
  // Homogeneous "subsurface" interiors whose reflectance is the boundary material's texture:
  // TF_ALBEDO_TABLE_N albedos for evenly spaced reflectances 0 .. 1, by which the kernel
  // inverts the texture's value where a path enters (kernels/render/subsurface_albedo.h);
  // empty: sigma_a and sigma_s apply everywhere.
  std::vector<float> albedo_table;
};

struct IrMaterial {
  enum class Type {
    Diffuse, Conductor, Dielectric, ThinDielectric, CoatedDiffuse, CoatedConductor,
    DiffuseTransmission, Mix, Hair, Measured
  };
  Type type = Type::Diffuse;
  Rgb reflectance{0.5f, 0.5f, 0.5f};
  int texture = -1;  // index into SceneIr::textures for the reflectance, -1: constant
  int displacement = -1;  // float texture for bump mapping (index into SceneIr::textures)
  int normal_map = -1;    // linear image texture of tangent-space normals (normal_map.h)
  Rgb transmittance{0.25f, 0.25f, 0.25f};  // DiffuseTransmission
  Rgb eta{1.5f, 1.5f, 1.5f};
  Rgb k{0, 0, 0};
  bool use_reflectance = false;    // conductor given "reflectance" instead of eta/k
  float alpha_u = 0, alpha_v = 0;  // remapped GGX alphas (coated conductor: of the conductor)
  // Float roughness textures (indices into SceneIr::textures, -1: the constant alpha), u then
  // v, of alpha_u/v and of coat_alpha_u/v; remapped per hit when remap_roughness.
  std::array<int, 2> roughness_texture{-1, -1}, coat_roughness_texture{-1, -1};
  bool remap_roughness = true;
  // Coated materials (pbrt-v4 defaults): the dielectric coating, the medium under it
  // (albedo 0: absorbing only) and the random walk that evaluates them.
  float coat_eta = 1.5f;
  float coat_alpha_u = 0, coat_alpha_v = 0;
  float thickness = 0.01f, g = 0;
  Rgb albedo{0, 0, 0};
  uint32_t max_depth = 10, n_samples = 1;
  // "subsurface" (a Dielectric): the medium inside its shapes (elements_subsurface.h).
  std::optional<IrMedium> interior;
  // Hair (elements_hair.h): absorption per unit fibre diameter, roughness along and around the
  // fibre, scale tilt in degrees; the IOR in eta.
  Rgb sigma_a{0, 0, 0};
  float beta_m = 0.3f, beta_n = 0.3f, hair_alpha = 2.0f;
  // Mix: materials[mix[1]] with probability `amount` (or the float texture amount_texture),
  // else materials[mix[0]], per hit (kernels/render/mix_material.h); both defined earlier.
  std::array<int, 2> mix{0, 0};
  float amount = 0.5f;
  int amount_texture = -1;
  // Measured: the RGL tensor file of its tables (formats/scene/measured_bsdf.h), resolved
  // against the scene file's folder.
  std::filesystem::path measured_file;
};

struct IrMesh {
  std::vector<Vec3d> positions;
  std::vector<Vec3d> normals;             // empty or one per position
  std::vector<std::array<float, 2>> uvs;  // empty or one per position
  std::vector<uint32_t> indices;          // 3 per triangle, validated < positions.size()
};

struct IrAreaLight {
  bool present = false;
  Rgb radiance{0, 0, 0};  // L * scale; with an image, scale (its texels hold the radiance)
  bool two_sided = false;
  // An image whose RGB (read as image textures are) scales the radiance at the surface uv
  // (kernels/render/emitter_texture.h); empty: none. Where a point reads it is image_lookup's
  // mapping and wrap modes (its other members unused): pbrt-v4's uv with the edge texels
  // extended, glTF's emissiveTexture's KHR_texture_transform and sampler.
  std::filesystem::path image;
  IrTexture image_lookup;
  // pbrt-v4's "power" (phi_v); > 0: the converter scales the radiance of each pbrt shape so that
  // it emits this power, as DiffuseAreaLight::Create: power / (pi x area x (2 if two-sided) x
  // the image's mean luminance, 1 without one). The RGB "L" itself is not normalised (pbrt-v4
  // divides by the photometric value of the colour space's illuminant only).
  double power = 0;
};

struct IrShape {
  enum class Kind { Mesh, Sphere };
  Kind kind = Kind::Mesh;
  IrMesh mesh;        // object space
  double radius = 1;  // Sphere, object space, centred at the object-space origin
  Mat4 world_from_object;
  int material = 0;  // index into SceneIr::materials
  IrAreaLight area;
  bool reverse_orientation = false;
  // MediumInterface: indices into SceneIr::media (-1: vacuum); inside is opposite the normal.
  int medium_inside = -1, medium_outside = -1;
  bool interface = false;  // "interface" material: bounds media only, rays pass through
  // Shape "alpha" as a float texture (index into SceneIr::textures) that cuts hits out
  // (kernels/render/alpha_cutout.h); -1: opaque. Meshes only.
  int alpha_texture = -1;
  // What pbrt-v4 makes one shape of, for an area light's "power" (IrAreaLight::power): every
  // `triangles_per_pbrt_shape` consecutive triangles (1: a triangle mesh, 2: a bilinear patch),
  // or 0: the whole shape, of area `pbrt_area` (pbrt-v4's Shape::Area(), in object space as
  // pbrt computes it for quadrics), or, where that is 0 (a curve), its tessellation's area.
  uint32_t triangles_per_pbrt_shape = 1;
  double pbrt_area = 0;
  FileLoc loc;
};

struct IrObject {
  std::string name;
  std::vector<IrShape> shapes;  // world_from_object relative to the instance
};

struct IrInstance {
  int object = 0;  // index into SceneIr::objects
  Mat4 world_from_instance;
  FileLoc loc;
};

struct IrLight {
  enum class Kind { Point, Spot, Distant, EnvUniform, EnvImage };
  Kind kind = Kind::Point;
  Rgb radiance{1, 1, 1};  // intensity (point, spot), radiance (env, distant), scale applied
  Vec3d position;         // point, spot (world)
  Vec3d direction;        // spot: axis (world, unit); distant: towards the light (unit)
  float cone_degrees = 30, cone_delta_degrees = 5;
  Mat4 world_from_light;           // environment orientation
  std::filesystem::path filename;  // EnvImage
  Rgb uniform_added{0, 0, 0};      // EnvImage: radiance of uniform infinite lights merged in
  FileLoc loc;
};

// Film pixels rendered and written, [x0, x1) x [y0, y1) of the whole film (pbrt-v4 Film
// "cropwindow" / "pixelbounds"); camera rays stay those of the whole film.
struct IrPixelBounds {
  uint32_t x0 = 0, y0 = 0, x1 = 0, y1 = 0;
};

struct SceneIr {
  IrCamera camera;
  bool has_camera = false;
  uint32_t width = 1280, height = 720;  // the whole film
  std::optional<IrPixelBounds> crop;    // empty: the whole film
  // The size of the image rendered and written: the crop's, or the whole film's.
  uint32_t image_width() const { return crop ? crop->x1 - crop->x0 : width; }
  uint32_t image_height() const { return crop ? crop->y1 - crop->y0 : height; }
  uint32_t spp = 16;
  uint32_t max_depth = 5;
  std::string film_filename;
  IrFilm film;
  std::vector<IrTexture> textures;
  std::vector<IrMaterial> materials;  // [0] is the default diffuse
  std::vector<IrShape> shapes;
  std::vector<IrObject> objects;
  std::vector<IrInstance> instances;
  std::vector<IrLight> lights;        // at most one EnvUniform or EnvImage (pbrt sums several)
  std::vector<IrMedium> media;
  int camera_medium = -1;  // the outside medium current at Camera (index into media, -1: none)
  std::vector<std::string> warnings;  // "file:line:col: Directive: what was approximated"
};

}  // namespace tf::scene

// Loading scenes: pbrt-v4 scene files (the subset below) and plain mesh files, converted into
// the kernel scene that every backend renders.
//
// Supported pbrt-v4 subset:
//   options   Camera "perspective" (fov on the shorter axis, lensradius, focaldistance,
//             shutteropen/shutterclose as the film's exposure time),
//             Film "rgb"|"gbuffer" (xresolution, yresolution, filename, cropwindow,
//             pixelbounds; sensor cie1931 or any of pbrt-v4's 17 cameras
//             (formats/scene/camera_sensor.h), iso, whitebalance, maxcomponentvalue, and the
//             "scale" of earlier pbrt-v4 versions (formats/scene/film_sensor.h); a G-buffer's
//             coordinatesystem is accepted: only colour is written), Sampler (any name;
//             pixelsamples), Integrator "path"|"volpath" (maxdepth, regularize with a warning);
//             bdpt sppm mlt lightpath simplepath simplevolpath randomwalk -> the path tracer
//             with one warning, strict or not; WorldBegin.
//   state     Identity Translate Scale Rotate LookAt Transform ConcatTransform CoordinateSystem
//             CoordSysTransform ReverseOrientation AttributeBegin/End TransformBegin/End
//             ObjectBegin/End ObjectInstance (instances are expanded) Include Import;
//             ActiveTransform and TransformTimes (built at the start time: no motion blur,
//             one warning when something moves). NamedMaterial may precede its definition.
//   materials diffuse conductor (eta/k or reflectance, roughness) dielectric thindielectric
//             diffusetransmission (reflectance, transmittance, scale; no transmittance texture)
//             hair (sigma_a, color, eumelanin, pheomelanin, eta, beta_m, beta_n, alpha; no
//             textures; formats/scene/elements_hair.h)
//             measured ("string filename": an RGL .bsdf tensor file beside the scene file,
//             spectra reduced to RGB; pbrt-v4's MeasuredBxDF, kernels/render/measured_bxdf.h)
//             coateddiffuse coatedconductor (layered: every documented parameter); on every
//             type but mix, "texture displacement" (a float texture: bump mapping as pbrt-v4's
//             BumpMap, kernels/render/bump.h) and "string normalmap" (an image of tangent-space
//             normals read without sRGB decoding, pbrt-v4's NormalMap, normal_map.h; it wins
//             over a displacement; a mix ignores it with a warning); eta/k as rgb, named spectra, pairs or spectrum
//             files; roughness/uroughness/vroughness (also interface./conductor.) as floats
//             or float textures; mix (two named materials, one per hit, amount a float or a
//             float texture; nested up to TF_MIX_MAX_DEPTH); MakeNamedMaterial
//             NamedMaterial.
//   textures  constant imagemap (invert, wrap repeat|clamp) checkerboard (2D, 3D) bilerp dots
//             fbm wrinkled windy marble mix directionmix scale, "spectrum" and "float";
//             operands may be textures (also checkerboard/dots tex1/tex2, inside/outside);
//             mappings uv spherical cylindrical planar (through the inverse CTM at
//             Texture). A graph deeper than the kernel's stack (TF_TEX_STACK) or larger than
//             TF_TEX_MAX_NODES is an error.
//   shapes    trianglemesh loopsubdiv (limit surface; loop_subdivision.h) plymesh (.ply or
//             gzipped .ply.gz) sphere (under a non-uniform scale or shear an ellipsoid,
//             tessellated) disk cylinder (both tessellated) bilinearmesh (two triangles per
//             patch) curve (bezier/bspline, degree 2/3, flat/ribbon/cylinder, widths, N,
//             splitdepth: triangle strips, flat and cylinder ones facing the camera;
//             curve_shape.h); "alpha" 0 (left out), 1, or a partial constant or float texture
//             cutting a mesh (alpha_cutout.h; on spheres and emitters: leniently opaque).
//   lights    point spot (coneangle, conedeltaangle) distant infinite (L or an equal-area
//             square / 2:1 equirect image; several uniform ones add up, and so do repeats of
//             the same image in the same orientation; two different images are an error),
//             "scale", "power" (point, spot), "illuminance" (distant, uniform infinite);
//             AreaLightSource "diffuse" (L or an RGB image "filename" whose texels scale the
//             emission at the surface uv, edges clamped; scale, twosided, power: each pbrt
//             shape (a triangle, a bilinear patch, a whole quadric) emits it): one light per
//             emissive primitive.
//   media     MakeNamedMedium "homogeneous" (sigma_a, sigma_s, scale, g; Le only black),
//             MediumInterface (one or two names; the camera's medium is the outside one
//             current at Camera), Material "interface" (a medium boundary that rays pass).
//             "uniformgrid" (density, nx, ny, nz, p0, p1, sigma_a, sigma_s, scale, g) and
//             "cloud" (density, wispiness, frequency, p0, p1, sigma_a, sigma_s, g) in the
//             medium's space (the CTM). "nanovdb" (filename, gridname, sigma_a, sigma_s,
//             scale, g): the density grid of a NanoVDB file (nanovdb_grid.h) as a grid
//             medium; its temperature grid (emission) is unsupported. rgbgrid -> leniently a
//             homogeneous medium of its mean density (formats/scene/elements_media.h).
//             subsurface: a dielectric boundary around an interior homogeneous medium walked
//             by the path tracer, not pbrt's diffusion BSSRDF (name of Jensen et al. 2001,
//             sigma_a/sigma_s, constant reflectance + mfp, scale, g, eta, roughness;
//             formats/scene/elements_subsurface.h).
//   values    integer float point2 point3 vector3 normal3 rgb blackbody spectrum (pairs,
//             named metal-*/glass-*) string bool texture; pbrt-v3 aliases
//             point/vector/normal/color.
// Always accepted with a warning (no effect on our output): PixelFilter, Option, WorldEnd,
// a parameter repeated in one directive (the last is used, as in pbrt-v4); Accelerator and
// ColorSpace "srgb" silently. Everything else (emissive, rgbgrid or nanovdb media, other
// shapes/materials/lights, unknown parameters) is an error unless loading leniently.
//
// Thread safety: load_scene_file() is thread-safe (each call owns all of its state).
#pragma once

#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "formats/image/image_io.h"
#include "kernels/render/kernel_scene.h"
#include "kernels/status.h"

namespace tf {

// The phrase in every error of a strict load that a lenient load gets past (an unsupported
// construct it can approximate); errors without it fail leniently too.
constexpr std::string_view kLenientLoadHint = "load leniently to approximate";

struct SceneLoadOptions {
  // false: any unsupported directive, shape, material or parameter is an error naming it and
  // its file:line:column. true: it is approximated (or ignored) and a warning is recorded.
  bool lenient = false;
};

struct LoadedScene {
  KernelScene kernel;                 // finalized (finalize_kernel_scene called)
  uint32_t width = 0, height = 0;     // Film xresolution/yresolution (pbrt defaults 1280x720),
                                      // or its crop window's size
  ImageWindow window;                 // a crop's place in the whole film (full_width 0: none),
                                      // for the frame's EXR display window (encode_exr)
  uint32_t spp = 0;                   // Sampler pixelsamples (pbrt default 16)
  std::string film_filename;          // Film "filename" if given
  std::vector<std::string> warnings;  // one per approximated construct, with file:line:col
};

// Parses a pbrt-v4 scene (or, by extension .obj/.gltf/.glb/.ply/.fbx, a mesh file loaded with a
// default camera framing its bounds under a uniform white environment) and converts it to a
// kernel scene. Errors read `file:line:column: Directive: what was expected`. A malformed file
// never crashes or hangs: include depth, file sizes and element counts are bounded.
Result<LoadedScene> load_scene_file(const std::filesystem::path& file,
                                    const SceneLoadOptions& options = {});

// Summary for `tilefarm info`: resolution, spp, counts, bounds, memory by array, warnings.
std::string describe_scene(const LoadedScene& scene);  // human readable, several lines
nlohmann::json describe_scene_json(const LoadedScene& scene);

}  // namespace tf

// The image reader behind image_io.h: textures, environments and measured data in any format
// OpenImageIO reads, reached through one small interface in plain types. (Writing is
// image_writer.h: the farm's outputs are EXR and PNG only.)
//
// OpenImageIO is built into a module (libtilefarm_image_oiio.so, image_codec_oiio.cpp) that the
// first image read of a process loads, instead of being linked into every program: linked, it
// cost every process about 0.4 s at start on the development VM, whatever it did, because its
// 260 dependent libraries (OpenCV, FFmpeg, GStreamer, GDAL...) were loaded, relocated and
// initialised first. Every CLI command, every worker start and every test case paid it, and
// most never read an image. The module is found next to the programs' own libraries: the
// build tree's lib/ folder, or lib/tilefarm beside an installed bin/ (the programs' run path,
// CMakeLists.txt), unless the environment variable TILEFARM_IMAGE_MODULE names its path. A
// process that cannot load it gets an error from each image read that names the module and the
// loader's reason (a scene whose textures cannot be read fails to load with it); everything
// else works.
//
// Thread safety: image_codec() and the codec's functions are thread-safe.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "kernels/status.h"

namespace tf {

// An image file's pixels as floats, every channel, row 0 at the top.
struct DecodedImage {
  uint32_t width = 0, height = 0;
  std::vector<std::string> channels;  // names as stored
  int alpha_channel = -1;             // the library's alpha channel; -1: none
  bool floating_point = false;        // stored as floats (else integers, scaled to [0, 1])
  std::string colorspace;             // as the file says ("sRGB", "linear", ...); may be empty
  std::string description;            // the ImageDescription attribute; may be empty
  std::vector<float> values;          // width * height * channels.size(); alpha not premultiplied
};

struct ImageCodec {
  // Any format the library reads (EXR, HDR, PNG, JPEG, TIFF...), up to 2^28 pixels; errors
  // give the reason only (callers name the file).
  Result<DecodedImage> (*decode)(const std::filesystem::path& path);
};

// The process's codec, loaded on first use; its functions fail with the reason when the
// module could not be loaded. Loading takes about 0.4 s on the development VM, during which
// the dynamic loader's lock stalls every thread the process starts (glibc holds it across a
// dlopen).
const ImageCodec& image_codec();

// The module's entry point (image_codec_oiio.cpp), looked up by this name; its version changes
// with the layout of the structs above, so a module built from other sources is refused.
inline constexpr const char* kImageCodecModule = "libtilefarm_image_oiio.so";
inline constexpr const char* kImageCodecModuleVariable = "TILEFARM_IMAGE_MODULE";
inline constexpr const char* kImageCodecEntry = "tilefarm_image_codec_v3";

}  // namespace tf

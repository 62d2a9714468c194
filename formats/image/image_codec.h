// The image library behind image_io.h and the simulation snapshots' images, reached through one
// small interface in plain types.
//
// OpenImageIO is built into a module (libtilefarm_image_oiio.so, image_codec_oiio.cpp) that the
// first image operation of a process loads, instead of being linked into every program: linked,
// it cost every process about 0.4 s at start on the development VM, whatever it did, because
// its 260 dependent libraries (OpenCV, FFmpeg, GStreamer, GDAL...) were loaded, relocated and
// initialised first. Every CLI command, every worker start and every test case paid it, and
// most never touch an image. The module is found next to the programs' own libraries: the
// build tree's lib/ folder, or lib/tilefarm beside an installed bin/ (the programs' run path,
// CMakeLists.txt), unless the environment variable TILEFARM_IMAGE_MODULE names its path. A
// process that cannot load it gets an error from each image operation that names the module
// and the loader's reason (a job whose images cannot be encoded fails with it); everything
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

// Where an image lies in a larger one: a cropped film (pbrt-v4's "cropwindow"/"pixelbounds")
// is the whole film's pixels [x0, x0 + width) x [y0, y0 + height) of full_width x full_height.
// full_width 0: the image is the whole picture.
struct ImageWindow {
  uint32_t full_width = 0, full_height = 0, x0 = 0, y0 = 0;
};

// The values of an image to encode, and with them its settings:
// - kFloat32 (frames' and fields' EXR): zip compression where the format has it, and no
//   capture date (equal pixels give equal bytes, so a job's outputs hash alike on every run);
// - kUint8 (PNG previews): tagged sRGB and, in a PNG, encoded for speed (zlib level 1, one row
//   filter: about half the CPU of libpng's defaults for about 6 % more bytes; at GPU rates the
//   farm encodes a frame for every few thousand units); a channel named "A" is unassociated
//   alpha, written as given.
enum class PixelType { kFloat32, kUint8 };

struct ImageToEncode {
  std::string name;  // its extension picks the file format (".exr", ".png", ...)
  uint32_t width = 0, height = 0;
  std::vector<std::string> channels;  // channel names, interleaved in this order
  PixelType type = PixelType::kFloat32;
  const void* pixels = nullptr;       // width * height * channels values, row 0 at the top
  ImageWindow window;                 // the display window (where the format has one)
  std::string description;            // the ImageDescription attribute; empty: none
};

// An R, G, B image to encode: `pixels` interleaved, row 0 at the top.
ImageToEncode rgb_image(std::string name, uint32_t width, uint32_t height, PixelType type,
                        const void* pixels, ImageWindow window = {});

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
  // The encoded bytes; errors give the reason only (callers name the image).
  Result<std::vector<uint8_t>> (*encode)(const ImageToEncode& image);
  // Any format the library reads (EXR, HDR, PNG, JPEG, TIFF...), up to 2^28 pixels; errors
  // give the reason only (callers name the file).
  Result<DecodedImage> (*decode)(const std::filesystem::path& path);
};

// The process's codec, loaded on first use; its functions fail with the reason when the
// module could not be loaded. Loading takes about 0.4 s on the development VM, during which
// the dynamic loader's lock stalls every thread the process starts (glibc holds it across a
// dlopen): a process that will encode images (a dispatcher) calls this before it starts its
// threads, rather than have its first frame stall a CPU stepper starting its own.
const ImageCodec& image_codec();

// The module's entry point (image_codec_oiio.cpp), looked up by this name; its version changes
// with the layout of the structs above, so a module built from other sources is refused.
inline constexpr const char* kImageCodecModule = "libtilefarm_image_oiio.so";
inline constexpr const char* kImageCodecModuleVariable = "TILEFARM_IMAGE_MODULE";
inline constexpr const char* kImageCodecEntry = "tilefarm_image_codec_v2";

}  // namespace tf

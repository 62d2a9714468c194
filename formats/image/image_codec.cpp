// Loads the image codec module once per process (image_codec.h).
#include "formats/image/image_codec.h"

#include <dlfcn.h>

#include <cstdlib>

#include <string>

namespace tf {
namespace {

// Why the module could not be loaded; the codec that reports it from every function.
std::string g_load_error;

Result<DecodedImage> decode_unavailable(const std::filesystem::path&) {
  return Error{g_load_error};
}

constexpr ImageCodec kUnavailable{decode_unavailable};

const ImageCodec* load() {
  const auto fail = [](const std::string& why) {
    g_load_error = "image support is unavailable: its module did not load (" + why +
                   "); it is installed with tilefarm in lib/tilefarm beside bin/, or named by " +
                   kImageCodecModuleVariable;
    return &kUnavailable;
  };
  // Never closed: its functions are in use until the process ends.
  const char* named = std::getenv(kImageCodecModuleVariable);
  const std::string path = named != nullptr && *named != '\0' ? named : kImageCodecModule;
  void* module = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (module == nullptr) return fail(dlerror());
  using Entry = const ImageCodec* (*)();
  auto entry = reinterpret_cast<Entry>(dlsym(module, kImageCodecEntry));
  if (entry == nullptr) return fail(path + " has no " + kImageCodecEntry);
  return entry();
}

}  // namespace

const ImageCodec& image_codec() {
  static const ImageCodec* const codec = load();
  return *codec;
}

}  // namespace tf

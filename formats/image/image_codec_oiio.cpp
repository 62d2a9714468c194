// ImageCodec on OpenImageIO, built as the module that image_codec() loads (image_codec.h says
// why it is not linked into the programs). Only this file includes OpenImageIO.
#include <OpenImageIO/imageio.h>

#include <exception>
#include <string>

#include "formats/image/image_codec.h"

namespace tf {
namespace {

using OIIO::ImageInput;
using OIIO::ImageSpec;
using OIIO::TypeDesc;

Result<DecodedImage> decode(const std::filesystem::path& path) {
  try {
    // PNG, TGA and some TIFFs store unassociated alpha, which OpenImageIO premultiplies into
    // the colour unless told not to; colour is read as stored, as pbrt-v4 does.
    ImageSpec config;
    config.attribute("oiio:UnassociatedAlpha", 1);
    auto in = ImageInput::open(path.string(), &config);
    if (!in) return Error{OIIO::geterror()};
    const ImageSpec& spec = in->spec();
    if (spec.width <= 0 || spec.height <= 0 || spec.nchannels <= 0) return Error{"empty image"};
    if (static_cast<uint64_t>(spec.width) * static_cast<uint64_t>(spec.height) > (1ull << 28)) {
      return Error{"image too large (" + std::to_string(spec.width) + "x" +
                   std::to_string(spec.height) + ")"};
    }
    DecodedImage image;
    image.width = static_cast<uint32_t>(spec.width);
    image.height = static_cast<uint32_t>(spec.height);
    image.channels = spec.channelnames;
    image.channels.resize(static_cast<size_t>(spec.nchannels));
    image.alpha_channel = spec.alpha_channel;
    image.floating_point = spec.format.is_floating_point();
    image.colorspace = spec.get_string_attribute("oiio:ColorSpace");
    image.description = spec.get_string_attribute("ImageDescription");
    image.values.resize(static_cast<size_t>(spec.width) * static_cast<size_t>(spec.height) *
                        static_cast<size_t>(spec.nchannels));
    if (!in->read_image(0, 0, 0, spec.nchannels, TypeDesc::FLOAT, image.values.data())) {
      return Error{in->geterror()};
    }
    return image;
  } catch (const std::exception& e) {
    return Error{e.what()};
  }
}

constexpr ImageCodec kCodec{decode};

}  // namespace
}  // namespace tf

extern "C" __attribute__((visibility("default"))) const tf::ImageCodec* tilefarm_image_codec_v3() {
  return &tf::kCodec;
}

// ImageCodec on OpenImageIO, built as the module that image_codec() loads (image_codec.h says
// why it is not linked into the programs). Only this file includes OpenImageIO.
#include <OpenImageIO/filesystem.h>
#include <OpenImageIO/imageio.h>

#include <algorithm>
#include <exception>
#include <string>

#include "formats/image/image_codec.h"

namespace tf {
namespace {

using OIIO::ImageInput;
using OIIO::ImageOutput;
using OIIO::ImageSpec;
using OIIO::TypeDesc;

// The spec of `image` with its settings (image_codec.h, PixelType).
ImageSpec spec_of(const ImageToEncode& image) {
  const bool eight_bit = image.type == PixelType::kUint8;
  ImageSpec spec(static_cast<int>(image.width), static_cast<int>(image.height),
                 static_cast<int>(image.channels.size()),
                 eight_bit ? TypeDesc::UINT8 : TypeDesc::FLOAT);
  spec.channelnames = image.channels;
  if (eight_bit) {
    spec.attribute("oiio:ColorSpace", "sRGB");
    if (std::find(image.channels.begin(), image.channels.end(), "A") != image.channels.end()) {
      spec.attribute("oiio:UnassociatedAlpha", 1);  // written as given, not divided by alpha
    }
    spec.attribute("png:compressionLevel", 1);
    spec.attribute("png:filter", 0x10);  // PNG_FILTER_SUB
  } else {
    spec.attribute("compression", "zip");
    // OpenImageIO stamps the current time unless told otherwise.
    spec.attribute("DateTime", "");
  }
  if (!image.description.empty()) spec.attribute("ImageDescription", image.description);
  if (image.window.full_width != 0) {
    spec.x = static_cast<int>(image.window.x0);
    spec.y = static_cast<int>(image.window.y0);
    spec.full_x = spec.full_y = 0;
    spec.full_width = static_cast<int>(image.window.full_width);
    spec.full_height = static_cast<int>(image.window.full_height);
  }
  return spec;
}

Result<std::vector<uint8_t>> encode(const ImageToEncode& image) {
  const std::string& name = image.name;
  std::vector<unsigned char> encoded;
  try {
    const ImageSpec spec = spec_of(image);
    OIIO::Filesystem::IOVecOutput proxy(encoded);
    auto out = ImageOutput::create(name);
    if (!out) return Error{"no image writer for " + name + " (" + OIIO::geterror() + ")"};
    if (!out->set_ioproxy(&proxy) || !out->open(name, spec) ||
        !out->write_image(spec.format, image.pixels) || !out->close()) {
      return Error{out->geterror()};
    }
  } catch (const std::exception& e) {
    return Error{e.what()};
  }
  return std::vector<uint8_t>(encoded.begin(), encoded.end());
}

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

constexpr ImageCodec kCodec{encode, decode};

}  // namespace
}  // namespace tf

extern "C" __attribute__((visibility("default"))) const tf::ImageCodec* tilefarm_image_codec_v2() {
  return &tf::kCodec;
}

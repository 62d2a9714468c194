// One named channel of an image file, as floats in pixel order (row 0 at the top), read with
// the image codec (formats/image/image_codec.h): the outputs' extra channels, such as a
// refined frame's "spp", which read_image() does not return.
#pragma once

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "formats/image/image_codec.h"

namespace tf::testing {

inline Result<std::vector<float>> read_channel(const std::filesystem::path& path,
                                               const std::string& name) {
  Result<DecodedImage> image = image_codec().decode(path);
  if (!image) return Error{path.string() + ": " + image.message()};
  const std::vector<std::string>& channels = image->channels;
  auto found = std::find(channels.begin(), channels.end(), name);
  if (found == channels.end()) return Error{path.string() + " has no channel " + name};
  const size_t channel = static_cast<size_t>(found - channels.begin());
  std::vector<float> values;
  for (size_t i = channel; i < image->values.size(); i += channels.size()) {
    values.push_back(image->values[i]);
  }
  return values;
}

}  // namespace tf::testing

// resolve_masks and mask_images: obstacles drawn as images (batch_spec.h).
#include "formats/image/image_io.h"
#include "formats/sim/batch_spec.h"

namespace tf::sim {

Status resolve_masks(BatchSpec& batch, const MaskLocator& locate) {
  for (Obstacle& o : batch.obstacles) {
    if (o.shape != Obstacle::Shape::mask) continue;
    Result<std::filesystem::path> file = locate(o.image);
    if (!file) return Error{"mask " + o.image + ": " + file.message()};
    Result<ImageRGB> image = read_image(file.value());
    if (!image) return Error{"mask " + o.image + ": " + image.message()};
    const int w = static_cast<int>(image->width), h = static_cast<int>(image->height);
    if (w != batch.grid.nx || h != batch.grid.ny) {
      return Error{"mask " + o.image + " is " + std::to_string(w) + "x" + std::to_string(h) +
                   " pixels; the grid is " + std::to_string(batch.grid.nx) + "x" +
                   std::to_string(batch.grid.ny)};
    }
    o.cells.assign(static_cast<std::size_t>(w) * static_cast<std::size_t>(h), 0);
    for (int y = 0; y < h; ++y) {
      const float* row = image->rgb.data() + static_cast<std::size_t>(h - 1 - y) * w * 3;
      for (int x = 0; x < w; ++x) {
        const float* px = row + static_cast<std::size_t>(x) * 3;
        const float luminance = 0.2126f * px[0] + 0.7152f * px[1] + 0.0722f * px[2];
        o.cells[static_cast<std::size_t>(y) * w + x] = luminance < 0.5f ? 1 : 0;
      }
    }
  }
  return Status::ok();
}

std::vector<std::string> mask_images(const BatchSpec& batch) {
  std::vector<std::string> names;
  for (const Obstacle& o : batch.obstacles) {
    if (o.shape == Obstacle::Shape::mask) names.push_back(o.image);
  }
  return names;
}

}  // namespace tf::sim

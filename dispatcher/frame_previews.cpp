#include "dispatcher/frame_previews.h"

#include <algorithm>

#include "formats/image/image_io.h"

namespace tf {

FramePreviews::Canvas& FramePreviews::canvas_of(const Key& key, uint32_t width, uint32_t height) {
  auto found = canvases_.find(key);
  if (found != canvases_.end()) {
    recency_.splice(recency_.begin(), recency_, found->second.recency);
    return found->second;
  }
  if (canvases_.size() >= kMaxCanvases) {
    canvases_.erase(recency_.back());
    recency_.pop_back();
  }
  Canvas canvas;
  const uint32_t side = std::max(width, height);
  canvas.scale = (side + kMaxSide - 1) / kMaxSide;
  canvas.width = (width + canvas.scale - 1) / canvas.scale;
  canvas.height = (height + canvas.scale - 1) / canvas.scale;
  const size_t pixels = size_t{canvas.width} * canvas.height;
  canvas.rgb.assign(pixels * 3, 0.0f);
  canvas.samples.assign(pixels, 0.0f);
  recency_.push_front(key);
  canvas.recency = recency_.begin();
  return canvases_.emplace(key, std::move(canvas)).first->second;
}

void FramePreviews::add(uint64_t job, uint32_t frame, uint32_t width, uint32_t height,
                        const Tile& tile) {
  if (width == 0 || height == 0 || tile.x1 > width || tile.y1 > height || tile.x0 >= tile.x1 ||
      tile.y0 >= tile.y1 ||
      tile.rgb.size() != size_t{tile.x1 - tile.x0} * (tile.y1 - tile.y0) * 3) {
    return;
  }
  std::lock_guard<std::mutex> lock(mutex_);
  Canvas& canvas = canvas_of({job, frame}, width, height);
  const auto samples = static_cast<float>(tile.samples);
  const float* in = tile.rgb.data();
  for (uint32_t y = tile.y0; y < tile.y1; ++y) {
    const size_t row = size_t{y / canvas.scale} * canvas.width;
    for (uint32_t x = tile.x0; x < tile.x1; ++x, in += 3) {
      const size_t p = row + x / canvas.scale;
      for (int c = 0; c < 3; ++c) canvas.rgb[p * 3 + c] += in[c];
      canvas.samples[p] += samples;
    }
  }
}

void FramePreviews::drop(uint64_t job, uint32_t frame) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto found = canvases_.find({job, frame});
  if (found == canvases_.end()) return;
  recency_.erase(found->second.recency);
  canvases_.erase(found);
}

void FramePreviews::drop_job(uint64_t job) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto it = canvases_.lower_bound({job, 0});
       it != canvases_.end() && it->first.first == job;) {
    recency_.erase(it->second.recency);
    it = canvases_.erase(it);
  }
}

bool FramePreviews::has(uint64_t job, uint32_t frame) const {
  std::lock_guard<std::mutex> lock(mutex_);
  return canvases_.count({job, frame}) != 0;
}

std::optional<Result<std::vector<uint8_t>>> FramePreviews::png(uint64_t job, uint32_t frame) const {
  std::vector<float> rgb;
  uint32_t width = 0, height = 0;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto found = canvases_.find({job, frame});
    if (found == canvases_.end()) return std::nullopt;
    const Canvas& canvas = found->second;
    width = canvas.width;
    height = canvas.height;
    rgb.resize(canvas.rgb.size());
    for (size_t p = 0; p < canvas.samples.size(); ++p) {
      const float n = canvas.samples[p];
      for (size_t c = 0; c < 3; ++c) rgb[p * 3 + c] = n > 0.0f ? canvas.rgb[p * 3 + c] / n : 0.0f;
    }
    // Pixels no unit reached yet: a checkerboard of two greys, 8 preview pixels a square.
    for (uint32_t y = 0; y < height; ++y) {
      for (uint32_t x = 0; x < width; ++x) {
        const size_t p = size_t{y} * width + x;
        if (canvas.samples[p] > 0.0f) continue;
        const float grey = ((x / 8 + y / 8) % 2 == 0) ? 0.05f : 0.1f;
        for (size_t c = 0; c < 3; ++c) rgb[p * 3 + c] = grey;
      }
    }
  }
  return encode_png(width, height, rgb.data());
}

}  // namespace tf

// Previews of render frames while they are rendered: each accepted unit's pixels go into a
// downscaled canvas of its frame, so that a dashboard can show the frame filling in tile by
// tile long before it is assembled.
//
// A canvas keeps, per preview pixel, the sums of the accepted units' sample values that fall in
// it and how many samples those were: its colour is sum / samples (so units of a sample range
// only brighten their part of the estimate, never its scale), and a pixel no unit reached yet
// is drawn as a grey checkerboard. Frames wider or taller than kMaxSide are downscaled by a
// whole factor (box filter). Only units whose values the dispatcher holds in memory at
// acceptance are drawn: a frame whose units were accepted before a dispatcher restart shows
// those tiles once it is assembled, not before.
//
// Cost: add() takes a lock and touches each pixel of the unit once, like the frame's assembly;
// png() encodes on the caller's thread (the dashboard's), never the dispatcher loop's. Memory:
// at most kMaxCanvases canvases of at most kMaxSide^2 x 16 bytes; the least recently updated
// goes first.
//
// Thread safety: every member may be called from any thread.
#pragma once

#include <cstdint>
#include <list>
#include <map>
#include <mutex>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "kernels/status.h"

namespace tf {

class FramePreviews {
 public:
  static constexpr uint32_t kMaxSide = 384;
  static constexpr size_t kMaxCanvases = 16;

  struct Tile {
    uint32_t x0 = 0, y0 = 0, x1 = 0, y1 = 0;  // pixel rectangle in the frame
    uint32_t samples = 0;                     // samples each pixel's sums hold (s1 - s0)
    std::span<const float> rgb;               // (x1 - x0) * (y1 - y0) * 3 sums
  };

  // Adds an accepted unit's sums to the canvas of (job, frame), made on first use for a
  // width x height frame. A tile outside the frame or of the wrong size is ignored.
  void add(uint64_t job, uint32_t frame, uint32_t width, uint32_t height, const Tile& tile);
  // Forgets the canvas (the frame is assembled, or its job ended).
  void drop(uint64_t job, uint32_t frame);
  void drop_job(uint64_t job);
  bool has(uint64_t job, uint32_t frame) const;
  // The canvas as an 8-bit sRGB PNG; nullopt when there is none.
  std::optional<Result<std::vector<uint8_t>>> png(uint64_t job, uint32_t frame) const;

 private:
  struct Canvas {
    uint32_t width = 0, height = 0;  // preview pixels
    uint32_t scale = 1;              // frame pixels per preview pixel side
    std::vector<float> rgb;          // sums, width * height * 3
    std::vector<float> samples;      // width * height
    std::list<std::pair<uint64_t, uint32_t>>::iterator recency;
  };
  using Key = std::pair<uint64_t, uint32_t>;
  Canvas& canvas_of(const Key& key, uint32_t width, uint32_t height);

  mutable std::mutex mutex_;
  std::map<Key, Canvas> canvases_;
  std::list<Key> recency_;  // most recently updated first
};

}  // namespace tf

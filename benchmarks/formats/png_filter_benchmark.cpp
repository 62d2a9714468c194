// PNG row filters (formats/image/image_writer.h PngFilter): the same pixels written with the
// Sub filter and with none, alternately in the same iterations, at the writer's deflate level 1.
//
// BM_PngFilter/0: a simulation preview as formats/sim/field_output.h draws one, a 256^2 field
// colour-mapped with viridis, each cell a 2 x 2 square (512 x 512): a smooth pattern with
// spots, standing in for a Gray-Scott or vortex-street field. BM_PngFilter/1: a picture, a
// 512 x 512 gradient with per-pixel noise as a rendered frame at a few samples has, where
// the filter pays off. Counters: sub_ms, none_ms, none/sub (time), sub_KB, none_KB.
// Run: png_filter_benchmark --benchmark_format=json
#include <benchmark/benchmark.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <random>
#include <vector>

#include "benchmarks/support/encoder_pair.h"
#include "benchmarks/support/run_registered.h"
#include "formats/image/image_writer.h"
#include "formats/sim/field_output.h"

namespace tf {
namespace {

constexpr int kSide = 512;

std::vector<uint8_t> preview_pixels() {
  std::vector<uint8_t> pixels(size_t{kSide} * kSide * 3);
  for (int y = 0; y < kSide; ++y) {
    for (int x = 0; x < kSide; ++x) {
      const double cx = x / 2, cy = y / 2;  // the cell: 2 x 2 pixels
      const double wave = std::sin(cx * 0.11) * std::cos(cy * 0.07);
      const double spots = std::pow(std::sin(cx * 0.43) * std::sin(cy * 0.39), 8.0);
      const std::array<unsigned char, 3> rgb =
          sim::viridis_rgb8(static_cast<float>(0.5 + 0.35 * wave + 0.15 * spots));
      std::copy(rgb.begin(), rgb.end(), pixels.begin() + (size_t{kSide} * y + x) * 3);
    }
  }
  return pixels;
}

std::vector<uint8_t> picture_pixels() {
  std::vector<uint8_t> pixels(size_t{kSide} * kSide * 3);
  std::mt19937 random(11);
  std::normal_distribution<double> noise(0.0, 12.0);
  for (int y = 0; y < kSide; ++y) {
    for (int x = 0; x < kSide; ++x) {
      for (int c = 0; c < 3; ++c) {
        const double v = 40.0 + 0.3 * x + 0.2 * y + 20.0 * c + noise(random);
        pixels[(size_t{kSide} * y + x) * 3 + c] = static_cast<uint8_t>(std::clamp(v, 0.0, 255.0));
      }
    }
  }
  return pixels;
}

void BM_PngFilter(benchmark::State& state) {
  const std::vector<uint8_t> pixels = state.range(0) == 0 ? preview_pixels() : picture_pixels();
  double seconds[2] = {0, 0};
  size_t bytes[2] = {0, 0};
  for (auto _ : state) {
    for (int f = 0; f < 2; ++f) {
      ImageToEncode image = rgb_image("p.png", kSide, kSide, PixelType::kUint8, pixels.data());
      image.png_filter = f == 0 ? PngFilter::kSub : PngFilter::kNone;
      const auto start = std::chrono::steady_clock::now();
      Result<std::vector<uint8_t>> png = encode_image(image);
      seconds[f] += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      if (!png) {
        state.SkipWithError(png.message().c_str());
        return;
      }
      bytes[f] = png->size();
    }
  }
  bench::report_encoder_pair(state, "sub", "none", seconds, bytes);
}
BENCHMARK(BM_PngFilter)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace tf

int main(int argc, char** argv) { return tf::bench::run_registered_benchmarks(argc, argv); }

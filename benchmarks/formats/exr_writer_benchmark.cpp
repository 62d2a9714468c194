// The farm's EXR writer (formats/image/exr_writer.h, libdeflate) against OpenEXR's own ZIP
// writer (zlib, compressing blocks on its global thread pool of one thread a core), the same
// pixels alternately in the same iterations, both into memory.
//
// BM_ExrWriter/0: a rendered frame as the farm encodes one per 1,024 units of a 256x256 job,
// R, G, B at a few samples a pixel (a gradient with Monte Carlo noise, a third of the pixels
// black): noisy floats, which deflate barely shrinks and spends the most time on.
// BM_ExrWriter/1: a simulation snapshot's fields.exr, 256^2 cells of rho, ux, uy (smooth
// waves). Counters: farm_ms, openexr_ms, openexr/farm (time), farm_KB, openexr_KB.
// Run: exr_writer_benchmark --benchmark_format=json
#include <OpenEXR/ImfChannelList.h>
#include <OpenEXR/ImfFrameBuffer.h>
#include <OpenEXR/ImfHeader.h>
#include <OpenEXR/ImfIO.h>
#include <OpenEXR/ImfOutputFile.h>
#include <OpenEXR/ImfThreading.h>
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <random>
#include <thread>
#include <vector>

#include "benchmarks/support/encoder_pair.h"
#include "benchmarks/support/run_registered.h"
#include "formats/image/exr_writer.h"

namespace tf {
namespace {

constexpr uint32_t kSide = 256;

// OpenEXR's output into memory (it seeks back to write the block offsets).
class MemoryStream : public Imf::OStream {
 public:
  explicit MemoryStream(std::vector<uint8_t>& bytes) : Imf::OStream("(memory)"), bytes_(bytes) {}
  void write(const char c[], int n) override {
    const size_t end = position_ + static_cast<size_t>(n);
    if (end > bytes_.size()) bytes_.resize(end);
    std::memcpy(bytes_.data() + position_, c, static_cast<size_t>(n));
    position_ = end;
  }
  uint64_t tellp() override { return position_; }
  void seekp(uint64_t position) override { position_ = static_cast<size_t>(position); }

 private:
  std::vector<uint8_t>& bytes_;
  size_t position_ = 0;
};

std::vector<uint8_t> openexr_zip(const ExrImage& image) {
  std::vector<uint8_t> bytes;
  const Imath::Box2i window({0, 0}, {static_cast<int>(image.width) - 1,
                                     static_cast<int>(image.height) - 1});
  Imf::Header header(window, window, 1.0f, Imath::V2f(0, 0), 1.0f, Imf::INCREASING_Y,
                     Imf::ZIP_COMPRESSION);
  Imf::FrameBuffer frame;
  const size_t stride = image.channels.size() * sizeof(float);
  for (size_t c = 0; c < image.channels.size(); ++c) {
    header.channels().insert(image.channels[c], Imf::Channel(Imf::FLOAT));
    frame.insert(image.channels[c],
                 Imf::Slice::Make(Imf::FLOAT, image.pixels + c, window, stride,
                                  stride * image.width));
  }
  MemoryStream stream(bytes);
  Imf::OutputFile file(stream, header);
  file.setFrameBuffer(frame);
  file.writePixels(static_cast<int>(image.height));
  return bytes;
}

std::vector<float> frame_pixels() {
  std::vector<float> pixels;
  std::mt19937 random(5);
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  for (uint32_t y = 0; y < kSide; ++y) {
    for (uint32_t x = 0; x < kSide * 3; ++x) {
      const float base = static_cast<float>(x / 3 + y) / (2.0f * kSide);
      pixels.push_back(u(random) < 0.3f ? 0.0f : base * (0.5f + u(random)));
    }
  }
  return pixels;
}

std::vector<float> field_pixels() {
  std::vector<float> pixels;
  for (uint32_t y = 0; y < kSide; ++y) {
    for (uint32_t x = 0; x < kSide; ++x) {
      pixels.push_back(1.0f + 0.01f * std::sin(0.05f * static_cast<float>(x + 2 * y)));
      pixels.push_back(0.04f * std::sin(0.03f * static_cast<float>(y)));
      pixels.push_back(0.002f * std::cos(0.07f * static_cast<float>(x)));
    }
  }
  return pixels;
}

void BM_ExrWriter(benchmark::State& state) {
  Imf::setGlobalThreadCount(static_cast<int>(std::max(1U, std::thread::hardware_concurrency())));
  const bool frame = state.range(0) == 0;
  const std::vector<float> pixels = frame ? frame_pixels() : field_pixels();
  ExrImage image;
  image.width = image.height = kSide;
  image.channels = frame ? std::vector<std::string>{"R", "G", "B"}
                         : std::vector<std::string>{"rho", "ux", "uy"};
  image.pixels = pixels.data();
  double seconds[2] = {0, 0};
  size_t bytes[2] = {0, 0};
  for (auto _ : state) {
    auto start = std::chrono::steady_clock::now();
    Result<std::vector<uint8_t>> ours = encode_exr_zip(image);
    seconds[0] += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (!ours) {
      state.SkipWithError(ours.message().c_str());
      return;
    }
    bytes[0] = ours->size();
    start = std::chrono::steady_clock::now();
    const std::vector<uint8_t> peer = openexr_zip(image);
    seconds[1] += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    bytes[1] = peer.size();
  }
  bench::report_encoder_pair(state, "farm", "openexr", seconds, bytes);
}
BENCHMARK(BM_ExrWriter)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace tf

int main(int argc, char** argv) { return tf::bench::run_registered_benchmarks(argc, argv); }

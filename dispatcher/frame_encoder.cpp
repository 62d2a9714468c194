#include "dispatcher/frame_encoder.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include "formats/fileio/read_file.h"

namespace tf {

Result<Hash256> store_image(BlobStore& blobs, const ImageRGB& image, bool exr,
                            const std::vector<uint32_t>* spp) {
  static std::atomic<uint64_t> counter{0};
  const std::filesystem::path tmp =
      blobs.temp_dir() / ("frame-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) +
                          (exr ? ".exr" : ".png"));
  Status written =
      !exr ? write_png(tmp, image.width, image.height, image.rgb.data())
      : spp ? write_exr_with_spp(tmp, image.width, image.height, image.rgb.data(), spp->data())
            : write_exr(tmp, image.width, image.height, image.rgb.data());
  if (!written) return Error{written.message()};
  Result<std::vector<uint8_t>> bytes = read_whole_file(tmp);
  std::error_code ec;
  std::filesystem::remove(tmp, ec);
  if (!bytes) return Error{bytes.message()};
  return blobs.put(bytes.value());
}

EncodedFrame encode_frame(BlobStore& blobs, FrameTiles frame) {
  EncodedFrame done{frame.job_id, frame.frame, frame.assembly, {}, Error{"not encoded"},
                    Error{"not encoded"}};
  Result<AdaptiveFrame> image = [&]() -> Result<AdaptiveFrame> {
    if (frame.adaptive) return assemble_adaptive_frame(frame.width, frame.height, std::move(frame.tiles));
    Result<ImageRGB> fixed =
        assemble_frame(frame.width, frame.height, frame.spp, std::move(frame.tiles));
    if (!fixed) return Error{fixed.message()};
    return AdaptiveFrame{std::move(fixed.value()), {}};
  }();
  if (!image) {
    done.assembly_error = image.message();
    return done;
  }
  const std::vector<uint32_t>* spp = frame.adaptive ? &image->spp : nullptr;
  done.exr = store_image(blobs, image->image, true, spp);
  done.png = store_image(blobs, image->image, false);
  return done;
}

FrameEncoder::FrameEncoder(BlobStore blobs)
    : blobs_(std::move(blobs)), wake_fd_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
  thread_ = std::thread([this] { run(); });
}

FrameEncoder::~FrameEncoder() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  work_.notify_all();
  thread_.join();
  if (wake_fd_ >= 0) ::close(wake_fd_);
}

void FrameEncoder::submit(FrameTiles frame) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    pending_.push_back(std::move(frame));
  }
  work_.notify_one();
}

void FrameEncoder::submit_work(std::function<LoopWork(BlobStore&)> work) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    pending_.push_back(std::move(work));
  }
  work_.notify_one();
}

std::vector<FrameEncoder::LoopWork> FrameEncoder::take_finished_work() {
  std::lock_guard<std::mutex> lock(mutex_);
  return std::exchange(finished_work_, {});
}

std::vector<EncodedFrame> FrameEncoder::take_finished() {
  uint64_t count = 0;
  if (wake_fd_ >= 0) [[maybe_unused]] ssize_t n = ::read(wake_fd_, &count, sizeof count);
  std::lock_guard<std::mutex> lock(mutex_);
  return std::exchange(finished_, {});
}

void FrameEncoder::run() {
  for (;;) {
    std::variant<FrameTiles, std::function<LoopWork(BlobStore&)>> next;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      work_.wait(lock, [&] { return stop_ || !pending_.empty(); });
      if (stop_) return;
      next = std::move(pending_.front());
      pending_.pop_front();
    }
    if (FrameTiles* frame = std::get_if<FrameTiles>(&next)) {
      EncodedFrame done = encode_frame(blobs_, std::move(*frame));
      std::lock_guard<std::mutex> lock(mutex_);
      finished_.push_back(std::move(done));
    } else {
      LoopWork done = std::get<1>(next)(blobs_);
      std::lock_guard<std::mutex> lock(mutex_);
      finished_work_.push_back(std::move(done));
    }
    const uint64_t one = 1;
    if (wake_fd_ >= 0) [[maybe_unused]] ssize_t n = ::write(wake_fd_, &one, sizeof one);
  }
}

}  // namespace tf

#include "dispatcher/frame_encoder.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <span>

namespace tf {

namespace {

// Encodes `image` as EXR (with `spp` as its "spp" channel when given) and PNG in memory and
// stores both blobs synced together into `done`.
void store_frame_images(BlobStore& blobs, const ImageRGB& image, const std::vector<uint32_t>* spp,
                        EncodedFrame& done) {
  Result<std::vector<uint8_t>> exr =
      encode_exr(image.width, image.height, image.rgb.data(), spp ? spp->data() : nullptr);
  Result<std::vector<uint8_t>> png = encode_png(image.width, image.height, image.rgb.data());
  if (!exr || !png) {
    done.failure = "cannot be encoded: " + (exr ? png.message() : exr.message());
    return;
  }
  const std::span<const uint8_t> both[] = {exr.value(), png.value()};
  Result<std::vector<Hash256>> stored = blobs.put_all(both);
  if (!stored) {
    done.exr = done.png = Error{stored.message()};
    return;
  }
  done.exr = stored.value()[0];
  done.png = stored.value()[1];
}

}  // namespace

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
    done.failure = "cannot be assembled: " + image.message();
    return done;
  }
  const std::vector<uint32_t>* spp = frame.adaptive ? &image->spp : nullptr;
  store_frame_images(blobs, image->image, spp, done);
  return done;
}

FrameEncoder::FrameEncoder(BlobStore blobs, size_t threads)
    : wake_fd_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
  if (threads == 0) threads = std::max(1U, std::thread::hardware_concurrency());
  for (size_t i = 0; i < threads; ++i) {
    threads_.emplace_back([this, blobs]() mutable { run(blobs); });
  }
}

FrameEncoder::~FrameEncoder() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  work_.notify_all();
  for (std::thread& thread : threads_) thread.join();
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

void FrameEncoder::run(BlobStore& blobs) {
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
      EncodedFrame done = encode_frame(blobs, std::move(*frame));
      std::lock_guard<std::mutex> lock(mutex_);
      finished_.push_back(std::move(done));
    } else {
      LoopWork done = std::get<1>(next)(blobs);
      std::lock_guard<std::mutex> lock(mutex_);
      finished_work_.push_back(std::move(done));
    }
    const uint64_t one = 1;
    if (wake_fd_ >= 0) [[maybe_unused]] ssize_t n = ::write(wake_fd_, &one, sizeof one);
  }
}

}  // namespace tf

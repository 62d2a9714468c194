// Frame outputs encoded off the dispatcher's loop thread.
//
// Assembling a finished frame from its units' sums (assembler.h), encoding it as EXR and PNG
// and storing both blobs (compression, one round of durable writes) takes milliseconds to tens:
// on the loop thread that is tens of milliseconds in which no result is taken and no unit is
// granted. The loop hands the frame's tiles here and goes on; background threads, one per
// core, assemble, encode and store the frames, each frame on one thread, taken in submission
// order and finished in any (frames are independent; the loop matches each outcome to its
// frame and assembly); the loop collects the outcomes on a later iteration (take_finished) and
// records them in its own transaction. A crash in between loses nothing: the frame has no
// outputs in the store, so the restarted dispatcher assembles it again (DispatcherCore::load).
//
// The same threads do other heavy work of the loop (submit_work: stitching a simulation chunk,
// sim_jobs.cpp), handing back what the loop is to record. Several threads because frames and
// runs finish together (an animation's frames at GPU speed; a sweep's runs, stepped in turn,
// all end in the same second), and each one's encoding and durable writes take 10-40 ms.
//
// Thread safety: submit(), submit_work(), take_finished(), take_finished_work() and wake_fd()
// from the loop thread; the encoding threads share a BlobStore handle (blob_store.h: copies
// may be used from several threads).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "dispatcher/assembler.h"
#include "dispatcher/blob_store.h"
#include "formats/image/image_io.h"
#include "kernels/status.h"

namespace tf {

// A frame to assemble and encode: its units' sums.
struct FrameTiles {
  uint64_t job_id = 0;
  uint32_t frame = 0;
  uint32_t width = 0, height = 0, spp = 0;
  std::vector<TileSums> tiles;
  // Refined to quality (refinement.h): each pixel is divided by its own sample count and the
  // EXR carries an "spp" channel; spp is then unused.
  bool adaptive = false;
  uint32_t assembly = 0;  // the caller's count of this frame's assemblies, handed back
};

struct EncodedFrame {
  uint64_t job_id = 0;
  uint32_t frame = 0;
  uint32_t assembly = 0;  // FrameTiles::assembly
  // Why the frame has no outputs ("" when it has): its tiles do not make it, or its images
  // cannot be encoded (formats/image/image_writer.h); either ends the job. A failed blob write
  // is in exr and png instead (as a store failure).
  std::string failure;
  Result<Hash256> exr = Error{"not encoded"};
  Result<Hash256> png = Error{"not encoded"};
};

// Assembles `frame` (assembler.h) and stores its EXR and PNG in `blobs`: what the encoding
// thread does, and what the dispatcher does on its own thread when it encodes in the foreground.
EncodedFrame encode_frame(BlobStore& blobs, FrameTiles frame);

class FrameEncoder {
 public:
  // `threads` encoding threads; 0: one per core.
  explicit FrameEncoder(BlobStore blobs, size_t threads = 0);
  ~FrameEncoder();  // finishes the frames being encoded, drops the rest
  FrameEncoder(const FrameEncoder&) = delete;
  FrameEncoder& operator=(const FrameEncoder&) = delete;

  void submit(FrameTiles frame);
  std::vector<EncodedFrame> take_finished();
  // What the loop does with the outcome of work done on the encoding thread.
  using LoopWork = std::function<Status()>;
  // `work` runs on an encoding thread with the encoder's BlobStore, once the frames and work
  // submitted before it have been taken; what it returns waits for take_finished_work().
  void submit_work(std::function<LoopWork(BlobStore&)> work);
  std::vector<LoopWork> take_finished_work();
  // Readable (eventfd) when an encoded frame or finished work waits to be taken: the loop polls
  // it, and then takes both.
  int wake_fd() const { return wake_fd_; }

 private:
  void run(BlobStore& blobs);  // one encoding thread, with its own copy of the handle

  int wake_fd_ = -1;
  std::mutex mutex_;
  std::condition_variable work_;
  std::deque<std::variant<FrameTiles, std::function<LoopWork(BlobStore&)>>> pending_;
  std::vector<EncodedFrame> finished_;
  std::vector<LoopWork> finished_work_;
  bool stop_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace tf

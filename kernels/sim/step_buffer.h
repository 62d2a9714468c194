// The CPU stepper's second buffer: a large float array lent for one run_steps_cpu call.
//
// Reason: a step reads one buffer and writes the other, so every call needs a scratch array as
// large as the state (tens to hundreds of MiB). Fresh memory costs a page fault and a page
// clear per page on first touch, which on virtual machines can cost more than several steps.
// So the memory of the most recently released buffer is kept for the next one (one buffer,
// process-wide: at most one state's worth of memory stays allocated between calls), and new
// memory is backed by transparent huge pages where the OS offers them (Linux madvise), which
// cuts the faults 512-fold. Contents start undefined.
//
// Thread-safety: buffers may be created and released from any thread; concurrent calls each
// get their own memory.
#pragma once

#include <cstddef>

namespace tf::sim {

class StepBuffer {
 public:
  // At least `count` floats, uninitialized. Throws std::bad_alloc when memory is exhausted.
  explicit StepBuffer(std::size_t count);
  // Hands the memory over to be kept for the next buffer (freeing what was kept before).
  ~StepBuffer();
  StepBuffer(const StepBuffer&) = delete;
  StepBuffer& operator=(const StepBuffer&) = delete;

  float* data() const { return data_; }

 private:
  float* data_ = nullptr;
  std::size_t bytes_ = 0;  // allocated size
};

}  // namespace tf::sim

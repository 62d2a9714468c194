// What the image writers (exr_writer.h, png_writer.h) keep per thread: they code on the frame
// encoder's and parallel_for's kept threads, and a libdeflate compressor's match finder tables
// (hundreds of KB) or a coding buffer made afresh for every image would be faulted in again
// each time, at about 10 us a page on the development VM.
//
// Thread safety: each thread gets its own compressors and uses its own buffers; compressors
// live until the thread ends.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

struct libdeflate_compressor;

namespace tf {

// The calling thread's compressor of `level` (1-12), made on first use; nullptr when it cannot
// be made (out of memory).
libdeflate_compressor* kept_compressor(int level);

// `buffer`'s data with room for `bytes`: grown, never shrunk, so that a kept buffer is neither
// cleared nor faulted in again for the next image or block.
uint8_t* room_for(std::vector<uint8_t>& buffer, size_t bytes);

}  // namespace tf

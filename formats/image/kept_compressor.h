// libdeflate compressors kept per thread: the image writers (exr_writer.h, png_writer.h) deflate
// on the frame encoder's and parallel_for's kept threads, and making a compressor allocates its
// match finder's tables (hundreds of KB), whose first touches cost about 10 us a page on the
// development VM.
//
// Thread safety: each thread gets its own compressors; they live until the thread ends.
#pragma once

struct libdeflate_compressor;

namespace tf {

// The calling thread's compressor of `level` (1-12), made on first use; nullptr when it cannot
// be made (out of memory).
libdeflate_compressor* kept_compressor(int level);

}  // namespace tf

#include "formats/image/kept_coding.h"

#include <libdeflate.h>

#include <array>
#include <memory>

namespace tf {

libdeflate_compressor* kept_compressor(int level) {
  struct Free {
    void operator()(libdeflate_compressor* c) const { libdeflate_free_compressor(c); }
  };
  thread_local std::array<std::unique_ptr<libdeflate_compressor, Free>, 13> kept;
  if (level < 1 || level > 12) return nullptr;
  std::unique_ptr<libdeflate_compressor, Free>& c = kept[static_cast<size_t>(level)];
  if (!c) c.reset(libdeflate_alloc_compressor(level));
  return c.get();
}

uint8_t* room_for(std::vector<uint8_t>& buffer, size_t bytes) {
  if (buffer.size() < bytes) buffer.resize(bytes);
  return buffer.data();
}

}  // namespace tf

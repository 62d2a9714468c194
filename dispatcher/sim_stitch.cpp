#include "dispatcher/sim_stitch.h"

#include <algorithm>
#include <iterator>
#include <span>

#include "formats/sim/sim_unit.h"

namespace tf {

StitchedChunk stitch_chunk(BlobStore& blobs, ChunkToStitch chunk) {
  StitchedChunk done;
  done.end = chunk.end;
  Result<std::vector<uint8_t>> state_bytes = blobs.get(chunk.state);
  if (!state_bytes) {
    done.broken = "its state is unreadable: " + state_bytes.message();
    return done;
  }
  Result<sim::TileState> state = sim::decode_state(state_bytes.value());
  if (!state) {
    done.broken = state.message();
    return done;
  }
  for (const ChunkToStitch::Part& part : chunk.parts) {
    if (Status s = sim::insert_unit_output(state.value(), part.box, part.values); !s) {
      done.broken = "unit " + std::to_string(part.unit_id) + ": " + s.message();
      return done;
    }
  }
  std::vector<uint8_t> next_state;  // what the next chunk starts from
  if (!chunk.last) {
    Result<std::vector<uint8_t>> next = sim::encode_state(state.value());
    if (!next) {
      done.broken = next.message();
      return done;
    }
    next_state = std::move(next.value());
  }
  std::vector<sim::NamedFile> files;
  if (!chunk.snapshot_prefix.empty()) {
    Result<std::vector<sim::NamedFile>> snapshot =
        sim::snapshot_files(chunk.run, state.value(), static_cast<long long>(chunk.end));
    if (!snapshot) {
      done.broken = "its snapshot: " + snapshot.message();
      return done;
    }
    files = std::move(snapshot.value());
    std::sort(files.begin(), files.end(),
              [](const sim::NamedFile& a, const sim::NamedFile& b) { return a.name < b.name; });
    for (sim::NamedFile& f : files) f.name = chunk.snapshot_prefix + f.name;
  }
  std::move(chunk.files.begin(), chunk.files.end(), std::back_inserter(files));
  std::vector<std::span<const uint8_t>> bytes;
  for (const sim::NamedFile& f : files) bytes.push_back(f.bytes);
  if (!chunk.last) bytes.push_back(next_state);
  Result<std::vector<Hash256>> hashes = blobs.put_all(bytes);
  if (!hashes) {
    done.stored = hashes.status();
    return done;
  }
  if (!chunk.last) done.next_state = hashes.value().back();
  for (size_t i = 0; i < files.size(); ++i) {
    done.outputs.push_back({files[i].name, hashes.value()[i], files[i].bytes.size(), {}});
  }
  return done;
}

}  // namespace tf

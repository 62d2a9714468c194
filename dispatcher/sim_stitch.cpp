#include "dispatcher/sim_stitch.h"

#include <algorithm>
#include <iterator>
#include <span>

#include "formats/sim/sim_unit.h"

namespace tf {
namespace {

bool covers_domain(const ChunkToStitch::Part& part, const sim::TileState& state) {
  return part.box == sim::Box{0, 0, 0, state.size} && state.ghost == 0 &&
         part.values.size() == static_cast<size_t>(state.size.cell_count()) *
                                   static_cast<size_t>(sim::component_count(state.model));
}

Result<sim::TileState> stored_state(BlobStore& blobs, const Hash256& name) {
  Result<std::vector<uint8_t>> bytes = blobs.get(name);
  if (!bytes) return Error{"its state is unreadable: " + bytes.message()};
  return sim::decode_state(bytes.value());
}

// The state at the chunk's end: the skeleton with the one whole-domain part's values as its
// fields, or the stored (or made) state with every part inserted (and, for a whole-domain
// part, the skeleton taken from it into done.skeleton).
Result<sim::TileState> next_state_of(BlobStore& blobs, ChunkToStitch& chunk,
                                     StitchedChunk& done) {
  const bool one_part = chunk.parts.size() == 1;
  if (chunk.skeleton && one_part && covers_domain(chunk.parts[0], *chunk.skeleton)) {
    sim::TileState state = *chunk.skeleton;
    state.fields = std::move(chunk.parts[0].values);
    return state;
  }
  Result<sim::TileState> state = chunk.made_initial ? sim::make_initial_state(chunk.run)
                                                    : stored_state(blobs, chunk.state);
  if (!state) return state;
  if (one_part && covers_domain(chunk.parts[0], state.value())) {
    std::vector<float> fields = std::move(state.value().fields);
    done.skeleton = std::make_shared<const sim::TileState>(state.value());
    state.value().fields = std::move(fields);
  }
  for (const ChunkToStitch::Part& part : chunk.parts) {
    if (Status s = sim::insert_unit_output(state.value(), part.box, part.values); !s) {
      return Error{"unit " + std::to_string(part.unit_id) + ": " + s.message()};
    }
  }
  return state;
}

}  // namespace

StitchedChunk stitch_chunk(BlobStore& blobs, ChunkToStitch chunk) {
  StitchedChunk done;
  done.end = chunk.end;
  Result<sim::TileState> state = next_state_of(blobs, chunk, done);
  if (!state) {
    done.broken = state.message();
    return done;
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

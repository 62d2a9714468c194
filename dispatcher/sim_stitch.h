// A simulation chunk stitched and stored: the run's next state from its stored state and its
// units' accepted results, and the files the chunk adds to the job's outputs (the snapshot at
// its end; after a run's last chunk, also the run's own files), all stored as blobs together.
// A run's last state is not stored: no chunk starts from it, and its snapshot holds its fields
// (encoding, hashing and writing it cost a run's end about 6 ms of its 17 on this machine).
//
// Why apart from DispatcherCore: with a snapshot, at a run's end, or every chunk of a tiled run
// this is milliseconds to tens of decoding, encoding (the state; EXR, PNG, VTK) and durable
// writes, which the dispatcher does on its encoding thread (frame_encoder.h) while its loop goes
// on serving other runs and jobs; the run's next chunk is planned when the result is recorded,
// or at once from the run's head for a whole-domain chunk (DispatcherCore::stitch_aside).
// Everything is copied into a ChunkToStitch, so that it depends on nothing the loop changes
// meanwhile.
//
// Durability: every blob (state, files) is durable when stitch_chunk returns: its blobs are
// written together (BlobStore::put_all: one round of fsyncs), before any row names them.
//
// Thread safety: stitch_chunk uses only its arguments (a BlobStore handle may be a copy used
// by other threads, blob_store.h).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dispatcher/blob_store.h"
#include "formats/protocol/messages.h"
#include "formats/sim/batch_spec.h"
#include "formats/sim/field_output.h"
#include "kernels/sim/sim_tiling.h"
#include "kernels/status.h"

namespace tf {

struct ChunkToStitch {
  // One accepted unit: its tile and its result's values (DispatcherCore::accepted_values).
  struct Part {
    uint64_t unit_id = 0;
    sim::Box box;
    std::vector<float> values;
  };
  Hash256 state;  // the run's stored state at the chunk's first step
  // `state` is no blob but the run's initial state made from `run` (formats/sim/initial_state.h).
  bool made_initial = false;
  // The run's state without its fields (cell types, obstacles, parameters: the same in every
  // state of the run), or null. With one part that is the whole domain, the next state is
  // this with the part's values as its fields, and `state` is not read: reading, checking and
  // decoding a stored state costs a 256^2 D2Q9 run's stitch 1-25 ms on this machine.
  std::shared_ptr<const sim::TileState> skeleton;
  std::vector<Part> parts;
  uint64_t end = 0;  // the chunk's last step
  sim::RunSpec run;
  // Where the snapshot at `end` goes (folder names from the job's, ending in '/'); no
  // snapshot when empty.
  std::string snapshot_prefix;
  std::vector<sim::NamedFile> files;  // other files to store (the run's, at its end)
  bool last = false;                   // the run's last chunk: its state is not stored
};

struct StitchedChunk {
  // Why the stored bytes do not make the next state or its snapshot ("" when they do): damage
  // on this machine, or images that cannot be encoded (formats/image/image_writer.h), which
  // end the job.
  std::string broken;
  Status stored = Status::ok();  // a failed blob write: as a store failure
  uint64_t end = 0;              // ChunkToStitch::end
  std::optional<Hash256> next_state;  // the state at `end`, unless the chunk was the run's last
  std::vector<proto::OutputFile> outputs;  // the snapshot's files by name, then `files`
  // A whole-domain chunk stitched without a skeleton: the run's skeleton, from its stored state.
  std::shared_ptr<const sim::TileState> skeleton;
};

StitchedChunk stitch_chunk(BlobStore& blobs, ChunkToStitch chunk);

}  // namespace tf

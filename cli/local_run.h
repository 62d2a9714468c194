// Pieces shared by the commands that run a job and follow it: the local executors of an
// embedded farm, following a job's progress with Ctrl-C cancelling it, and failing a command
// with a message.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "cli/embedded_farm.h"
#include "cli/progress.h"
#include "dispatcher/client.h"
#include "worker/executor.h"

namespace tf::cli {

// Keeps freed large blocks in the process for reuse instead of returning each to the system.
// A farm allocates and frees state- and tile-sized buffers for every unit (blobs, messages,
// decoded states); handing them back to the kernel makes every reuse fault its pages in again,
// which on virtual machines costs more than the unit's compute (glibc: mmap and trim
// thresholds raised; elsewhere a no-op). Call once, before any thread starts.
void reuse_freed_memory();

// Prints "tilefarm: MESSAGE" on stderr (an error line in --log-format json) and returns `code`.
int fail(const std::string& message, int code);

// One executor per device of `backend`, or `workers` of them (0: one per device) opened
// round-robin over the devices.
Result<std::vector<std::unique_ptr<UnitExecutor>>> local_executors(const std::string& backend,
                                                                  int workers);

// An embedded farm (state in `state_dir`, or a temporary folder when empty) whose workers run
// local_executors(backend, workers).
Result<std::unique_ptr<EmbeddedFarm>> start_local_farm(const std::string& backend, int workers,
                                                       const std::string& state_dir);

// Polls `job` until it ends, showing progress; SIGINT / SIGTERM cancel it (the process then
// exits cleanly instead of dying mid-write: see interrupted()).
Result<proto::JobStatus> follow_job(DispatcherClient& client, uint64_t job,
                                    ProgressReporter& progress);
// Whether follow_job saw SIGINT or SIGTERM.
bool interrupted();

}  // namespace tf::cli

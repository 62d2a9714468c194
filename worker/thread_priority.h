// Scheduling priority of the calling thread.
//
// lower_this_thread_priority: the calling thread takes a low priority (nice 10 on Linux, which
// applies a nice value to one thread; elsewhere nothing changes): against a thread of nice 0 it
// gets about a tenth of a shared core, so it runs mostly in the gaps of the threads it shares
// the cores with, without starving where other programs keep every core busy (nice 19 would
// leave it about 1.5 %). For work that must not slow them: a simulation chunk's hash beside
// the next chunk's stepping on a device off the host's cores (a GPU: worker/sim_execution.cpp),
// which then keeps out of the way of the worker's socket and other threads (nice 10 and 19
// measured the same there; a device on the host's cores hashes in series). One way only: an
// unprivileged thread cannot raise its priority again, so call it on a thread that does
// nothing else afterwards.
#pragma once

namespace tf {

void lower_this_thread_priority();

}  // namespace tf

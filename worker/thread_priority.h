// Scheduling priority of the calling thread.
//
// lower_this_thread_priority: the calling thread takes the lowest priority
// (nice 19 on Linux, which applies a nice value to one thread; elsewhere
// nothing changes), so that it runs in the gaps of the threads it shares the
// cores with. For work that must not slow them (a chunk's hash beside the
// stepping threads, worker/sim_execution.cpp). One way only: an unprivileged
// thread cannot raise its priority again, so call it on a thread that does
// nothing else afterwards.
#pragma once

namespace tf {

void lower_this_thread_priority();

} // namespace tf

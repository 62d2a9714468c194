// UnitExecutor on a kernels/ Backend: loads scene files with formats/scene and renders with
// the backend of one device.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "worker/executor.h"

namespace tf {

// Opens `backend` device `index` (see make_backend). Errors name the backend and device.
Result<std::unique_ptr<UnitExecutor>> make_backend_executor(const std::string& backend,
                                                            int index);

// One executor per usable device matching `backend` ("cpu", "opencl", "cuda", or "auto": every
// accelerator (a device not on the host's own cores, DeviceInfo::on_host_cpu), and the CPU
// backend only when there is none; an OpenCL CPU device is used only when asked for by name),
// restricted to `device_indices` positions of that list when not empty. Errors name what was
// not found.
Result<std::vector<std::unique_ptr<UnitExecutor>>> make_executors(
    const std::string& backend, const std::vector<int>& device_indices = {});

}  // namespace tf

# tilefarm_warnings: warnings for every target of ours (no warnings allowed in our code).
add_library(tilefarm_warnings INTERFACE)
target_compile_options(tilefarm_warnings INTERFACE
  $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
                            -Wcast-align -Wunused -Woverloaded-virtual -Wnull-dereference>)

# tilefarm_kernel_flags: the determinism contract for host-compiled kernel code (DESIGN.md):
# no FMA contraction, no fast math, and a warning for any float silently widened to double
# (a missing `f` suffix would make the CPU result differ from OpenCL and CUDA).
add_library(tilefarm_kernel_flags INTERFACE)
target_compile_options(tilefarm_kernel_flags INTERFACE
  $<$<COMPILE_LANGUAGE:CXX>:-ffp-contract=off -fno-fast-math -fno-finite-math-only
                            -fno-unsafe-math-optimizations -Wdouble-promotion -Werror=double-promotion>
  $<$<COMPILE_LANGUAGE:CUDA>:-fmad=false -prec-div=true -prec-sqrt=true -ftz=false>)

# tilefarm_embed_kernel_source(<target> SOURCE <file.cl> FUNCTION <name>)
#
# Flattens SOURCE at build time (every `#include "..."` resolved recursively, relative to the
# including file, each file once) and adds a generated .cpp to <target> that defines
#   namespace tf { std::string_view <name>(); }
# returning the flattened OpenCL C text. The text is stored as a char array, not a string
# literal, so it is not limited by compilers' string-literal lengths. The generated file is
# rebuilt when SOURCE or any file it includes changes (the flattener writes a depfile).
function(tilefarm_embed_kernel_source target)
  cmake_parse_arguments(ARG "" "SOURCE;FUNCTION" "" ${ARGN})
  if(NOT ARG_SOURCE OR NOT ARG_FUNCTION)
    message(FATAL_ERROR "tilefarm_embed_kernel_source(${target}): SOURCE and FUNCTION are required")
  endif()
  get_filename_component(source "${ARG_SOURCE}" ABSOLUTE)
  set(script "${CMAKE_CURRENT_FUNCTION_LIST_DIR}/flatten_kernel_source.cmake")
  set(output "${CMAKE_CURRENT_BINARY_DIR}/${ARG_FUNCTION}.cpp")
  add_custom_command(
    OUTPUT "${output}"
    COMMAND ${CMAKE_COMMAND} "-DSOURCE=${source}" "-DOUTPUT=${output}" "-DFUNCTION=${ARG_FUNCTION}"
            "-DROOT=${PROJECT_SOURCE_DIR}" "-DDEPFILE=${output}.d" -P "${script}"
    DEPENDS "${source}" "${script}"
    DEPFILE "${output}.d"
    COMMENT "Embedding kernel source ${ARG_SOURCE}"
    VERBATIM)
  target_sources(${target} PRIVATE "${output}")
endfunction()

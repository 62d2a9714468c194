# Script mode (cmake -P): flattens an OpenCL C source and writes it as a C++ char array.
#   -DSOURCE=<file.cl> -DOUTPUT=<generated.cpp> -DFUNCTION=<name> -DROOT=<repo root>
#   -DDEPFILE=<generated.cpp.d>
# Quoted includes are resolved relative to the including file; a file already inserted is
# not inserted again (every kernel header has an include guard, so this changes nothing but
# size). Angle-bracket includes are left alone: in kernel headers they sit in branches that
# the OpenCL preprocessor skips. `#line` directives keep build-log locations pointing at the
# original files (paths relative to ROOT).
cmake_minimum_required(VERSION 3.25)

foreach(var SOURCE OUTPUT FUNCTION ROOT DEPFILE)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "flatten_kernel_source.cmake: -D${var}=... is required")
  endif()
endforeach()

set_property(GLOBAL PROPERTY tf_flatten_seen "")

# Number of newline characters in `text`.
function(tf_count_newlines text out_var)
  string(REGEX REPLACE "[^\n]" "" newlines "${text}")
  string(LENGTH "${newlines}" count)
  set(${out_var} ${count} PARENT_SCOPE)
endfunction()

function(tf_flatten path out_var)
  file(READ "${path}" rest)
  get_filename_component(dir "${path}" DIRECTORY)
  file(RELATIVE_PATH display "${ROOT}" "${path}")
  set(result "")
  set(line 1) # line number (in `path`) of the start of `rest`
  set(include_regex "(^|\n)[ \t]*#[ \t]*include[ \t]*\"([^\"]+)\"[^\n]*")
  while(TRUE)
    string(REGEX MATCH "${include_regex}" match "${rest}")
    if(match STREQUAL "")
      break()
    endif()
    set(name "${CMAKE_MATCH_2}")
    string(FIND "${rest}" "${match}" pos)
    string(LENGTH "${match}" match_length)
    math(EXPR match_end "${pos} + ${match_length}")
    string(SUBSTRING "${rest}" 0 ${match_end} consumed)
    string(SUBSTRING "${rest}" 0 ${pos} before)
    string(SUBSTRING "${rest}" ${match_end} -1 rest)
    string(APPEND result "${before}")
    if(match MATCHES "^\n")
      string(APPEND result "\n")
    endif()
    tf_count_newlines("${consumed}" consumed_lines)
    math(EXPR line "${line} + ${consumed_lines}")

    get_filename_component(included "${dir}/${name}" ABSOLUTE)
    if(NOT EXISTS "${included}")
      message(FATAL_ERROR "${display}:${line}: #include \"${name}\" not found (looked for ${included})")
    endif()
    get_property(seen GLOBAL PROPERTY tf_flatten_seen)
    if("${included}" IN_LIST seen)
      string(APPEND result "/* #include \"${name}\": already inserted above */")
    else()
      set_property(GLOBAL APPEND PROPERTY tf_flatten_seen "${included}")
      file(RELATIVE_PATH included_display "${ROOT}" "${included}")
      tf_flatten("${included}" inner)
      string(APPEND result "#line 1 \"${included_display}\"\n${inner}\n#line ${line} \"${display}\"")
    endif()
  endwhile()
  string(APPEND result "${rest}")
  set(${out_var} "${result}" PARENT_SCOPE)
endfunction()

get_filename_component(source "${SOURCE}" ABSOLUTE)
set_property(GLOBAL APPEND PROPERTY tf_flatten_seen "${source}")
tf_flatten("${source}" text)

# The text as comma-separated hex bytes, 24 to a line, plus a terminating zero.
set(text_file "${OUTPUT}.cl")
file(WRITE "${text_file}" "${text}")
file(READ "${text_file}" hex HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "'\\\\x\\1'," bytes "${hex}")
string(REGEX REPLACE "(('[^']+',){24})" "\\1\n" bytes "${bytes}")
file(RELATIVE_PATH source_display "${ROOT}" "${source}")
file(WRITE "${OUTPUT}" "// Generated from ${source_display} by flatten_kernel_source.cmake. Do not edit.
#include <string_view>

namespace tf {
namespace {
const char kText[] = {
${bytes}'\\0'};
}  // namespace

std::string_view ${FUNCTION}() { return std::string_view(kText, sizeof kText - 1); }

}  // namespace tf
")

# Depfile: the generated file depends on every inserted file.
get_property(seen GLOBAL PROPERTY tf_flatten_seen)
set(deps "")
foreach(file IN LISTS seen)
  string(REPLACE " " "\\ " file "${file}")
  string(APPEND deps " ${file}")
endforeach()
file(WRITE "${DEPFILE}" "${OUTPUT}:${deps}\n")

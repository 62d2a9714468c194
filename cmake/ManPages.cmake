# Writes a section-1 man page (gzipped) for tilefarm and for each of its subcommands, nested
# ones too ("ledger verify" -> tilefarm-ledger-verify.1.gz), from their own --help output, so
# that the pages always say what the binary says. Run as a script:
#
#   cmake -DTILEFARM=path/to/tilefarm -DOUTPUT_DIR=dir -DVERSION=0.1.0 -P ManPages.cmake
#
# Each page: .TH, NAME (the command's one-line description), SYNOPSIS (its usage line),
# DESCRIPTION (the whole --help text, verbatim between .nf and .fi), SEE ALSO. Pages of
# subcommands that no longer exist are removed. Fails when a --help exits non-zero.
cmake_minimum_required(VERSION 3.25)

foreach(var TILEFARM OUTPUT_DIR VERSION)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "ManPages.cmake: -D${var}=... is required")
  endif()
endforeach()
find_program(GZIP_PROGRAM gzip REQUIRED)

# troff-safe text: backslashes, minus signs (so that --flags copy as typed), and lines that
# would start with a control character.
function(troff_escape text out)
  string(REPLACE "\\" "\\e" text "${text}")
  string(REPLACE "-" "\\-" text "${text}")
  string(REGEX REPLACE "\n([.'])" "\n\\\\&\\1" text "\n${text}")
  string(SUBSTRING "${text}" 1 -1 text)
  set(${out} "${text}" PARENT_SCOPE)
endfunction()

# Appends to `pages` (in the caller) the page of `tilefarm WORDS...` and of its subcommands.
function(write_page words)
  execute_process(COMMAND "${TILEFARM}" ${words} --help
                  OUTPUT_VARIABLE help ERROR_VARIABLE help_error RESULT_VARIABLE status)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "ManPages.cmake: tilefarm ${words} --help exited with ${status}: ${help_error}")
  endif()
  string(REPLACE "Usage: ${TILEFARM}" "Usage: tilefarm" help "${help}")
  string(REGEX REPLACE "\n+$" "" help "${help}")

  string(JOIN "-" page_name tilefarm ${words})
  string(JOIN " " command tilefarm ${words})
  string(TOUPPER "${page_name}" title)
  string(REGEX MATCH "^[^\n]*" summary "${help}")
  string(REGEX REPLACE "^tilefarm: " "" summary "${summary}")
  string(REGEX MATCH "\nUsage: tilefarm[^\n]*" usage "${help}")
  string(REGEX REPLACE "^\nUsage: tilefarm ?" "" usage "${usage}")
  string(JOIN " " words_text ${words})
  string(REPLACE "${words_text}" "" usage_args "${usage}")
  string(STRIP "${usage_args}" usage_args)

  set(subcommands "")
  string(FIND "${help}" "\nSubcommands:\n" at)
  if(at GREATER -1)
    string(SUBSTRING "${help}" ${at} -1 listing)
    string(REGEX MATCHALL "\n  [a-z][a-z0-9_-]* " names "${listing}")
    foreach(name IN LISTS names)
      string(STRIP "${name}" name)
      list(APPEND subcommands "${name}")
    endforeach()
  endif()

  troff_escape("${summary}" summary_t)
  troff_escape("${help}" help_t)
  troff_escape("${command}" command_t)
  troff_escape("${usage_args}" usage_t)
  set(see_also "")
  if(words)
    set(see_also "\\fBtilefarm\\fR(1)")
  endif()
  foreach(sub IN LISTS subcommands)
    string(JOIN "-" sub_page ${page_name} ${sub})
    troff_escape("${sub_page}" sub_page_t)
    if(see_also)
      string(APPEND see_also ",\n")
    endif()
    string(APPEND see_also "\\fB${sub_page_t}\\fR(1)")
  endforeach()

  set(page ".TH ${title} 1 \"\" \"tilefarm ${VERSION}\" \"User Commands\"\n")
  string(APPEND page ".SH NAME\n${page_name} \\- ${summary_t}\n")
  string(APPEND page ".SH SYNOPSIS\n.B ${command_t}\n${usage_t}\n")
  string(APPEND page ".SH DESCRIPTION\n.nf\n${help_t}\n.fi\n")
  if(see_also)
    string(APPEND page ".SH SEE ALSO\n${see_also}\n")
  endif()
  file(WRITE "${OUTPUT_DIR}/${page_name}.1" "${page}")
  execute_process(COMMAND "${GZIP_PROGRAM}" -9nf "${OUTPUT_DIR}/${page_name}.1"
                  RESULT_VARIABLE status)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "ManPages.cmake: gzip ${OUTPUT_DIR}/${page_name}.1 failed")
  endif()
  set(written ${pages} "${page_name}.1.gz")

  foreach(sub IN LISTS subcommands)
    set(pages ${written})
    write_page("${words};${sub}")
    set(written ${pages})
  endforeach()
  set(pages ${written} PARENT_SCOPE)
endfunction()

file(MAKE_DIRECTORY "${OUTPUT_DIR}")
set(pages "")
write_page("")
file(GLOB existing RELATIVE "${OUTPUT_DIR}" "${OUTPUT_DIR}/*.1.gz" "${OUTPUT_DIR}/*.1")
foreach(old IN LISTS existing)
  if(NOT old IN_LIST pages)
    file(REMOVE "${OUTPUT_DIR}/${old}")
  endif()
endforeach()
list(LENGTH pages count)
message(STATUS "man pages: ${count} in ${OUTPUT_DIR}")

# Man pages for pi and genomics, generated at build time by help2man from
# each tool's own --help and --version (so they cannot drift from the
# tools), gzipped as Debian ships them, and installed under
# share/man/man1.
#
# WORKQ_MAN_PAGES: AUTO (default) generates them when help2man is installed
# and says so when it is not; ON requires help2man (`make package` uses ON,
# so the .deb always holds them); OFF skips them.
set(WORKQ_MAN_PAGES AUTO CACHE STRING "Man pages with help2man: AUTO, ON or OFF")
set_property(CACHE WORKQ_MAN_PAGES PROPERTY STRINGS AUTO ON OFF)

find_program(HELP2MAN_EXECUTABLE help2man)
find_program(GZIP_EXECUTABLE gzip)
set(WORKQ_MAN_BUILT OFF)
if(WORKQ_MAN_PAGES STREQUAL "OFF")
  return()
elseif(CMAKE_CROSSCOMPILING)
  set(workq_man_missing "the tools cannot run while cross-compiling")
elseif(NOT HELP2MAN_EXECUTABLE OR NOT GZIP_EXECUTABLE)
  set(workq_man_missing "help2man or gzip is not installed (apt-get install help2man)")
endif()
if(DEFINED workq_man_missing)
  if(WORKQ_MAN_PAGES STREQUAL "ON")
    message(FATAL_ERROR "WORKQ_MAN_PAGES=ON, but ${workq_man_missing}")
  endif()
  message(STATUS "No man pages for pi and genomics: ${workq_man_missing}; "
    "-DWORKQ_MAN_PAGES=OFF silences this")
  return()
endif()
set(WORKQ_MAN_BUILT ON)

# workq_man_page(TOOL "one-line description")
function(workq_man_page tool description)
  set(page ${PROJECT_BINARY_DIR}/man/${tool}.1)
  # pi's help states the build machine's CPU count as the default number of
  # workers: the page says "the online CPUs" only, as on every machine.
  # Lines of --help that start a new item inside one option's text (the
  # formats of genomics --format) or the exit status keep their own line
  # (.br), where roff would run them into one paragraph.
  add_custom_command(OUTPUT ${page}.gz
    COMMAND ${CMAKE_COMMAND} -E make_directory ${PROJECT_BINARY_DIR}/man
    COMMAND ${HELP2MAN_EXECUTABLE} --no-info --section=1 --name=${description}
      --output=${page} $<TARGET_FILE:${tool}>
    COMMAND sed -i
      -e "s/(default: the online CPUs, [0-9]*)/(default: the online CPUs)/"
      -e "/^\\(tsv\\|paf\\|pretty\\|Exit status\\): /i .br"
      ${page}
    COMMAND ${GZIP_EXECUTABLE} -9nf ${page}
    DEPENDS ${tool}
    COMMENT "Generating the man page ${tool}.1 with help2man"
    VERBATIM)
  add_custom_target(man_${tool} ALL DEPENDS ${page}.gz)
  install(FILES ${page}.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
endfunction()

workq_man_page(pi "approximate pi by the Leibniz series on the workq engine")
workq_man_page(genomics "edit distances of DNA sequence pairs on the workq engine")

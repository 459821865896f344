# Writes build_info.cpp from build_info.cpp.in at build time, so `pgmi version` names the commit
# that was built, not the one CMake last configured. configure_file() leaves the file untouched
# when nothing changed, so an unchanged commit recompiles nothing.
# Inputs: SRC_DIR, TEMPLATE, OUT, PROJECT_VERSION, PGMI_BUILD_DATE.
execute_process(COMMAND git rev-parse --short=12 HEAD WORKING_DIRECTORY ${SRC_DIR}
                OUTPUT_VARIABLE PGMI_GIT_COMMIT OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
if(NOT PGMI_GIT_COMMIT)
  set(PGMI_GIT_COMMIT "unknown")
endif()
configure_file(${TEMPLATE} ${OUT} @ONLY)

# Writes what the package installs besides the binary, asking the freshly built binary itself so
# nothing can drift from it: the manual pages (`pgmi __man` lists them, `pgmi __man <name>` prints
# one; gzip -9n as Debian ships them) and the shell completion scripts (`pgmi completion <shell>`).
# A command added to the CLI appears here without a change.
#   cmake -DPGMI=<binary> -DOUT=<dir> -P gen_docs.cmake
foreach(var PGMI OUT)
  if(NOT ${var})
    message(FATAL_ERROR "gen_docs.cmake: ${var} is not set")
  endif()
endforeach()

function(run_pgmi out_file)
  execute_process(COMMAND ${PGMI} ${ARGN} OUTPUT_FILE ${out_file} RESULT_VARIABLE rc
                  ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "pgmi ${ARGN} failed (${rc}): ${err}")
  endif()
endfunction()

file(REMOVE_RECURSE ${OUT}/man ${OUT}/completions)
file(MAKE_DIRECTORY ${OUT}/completions)

execute_process(COMMAND ${PGMI} __man OUTPUT_VARIABLE pages RESULT_VARIABLE rc)
if(NOT rc EQUAL 0 OR pages STREQUAL "")
  message(FATAL_ERROR "pgmi __man listed no manual pages (${rc})")
endif()
string(REPLACE "\n" ";" pages "${pages}")
foreach(line IN LISTS pages)
  if(line STREQUAL "")
    continue()
  endif()
  string(REPLACE " " ";" fields "${line}")
  list(GET fields 0 name)
  list(GET fields 1 section)
  set(dir ${OUT}/man/man${section})
  file(MAKE_DIRECTORY ${dir})
  run_pgmi(${dir}/${name}.${section} __man ${name})
  execute_process(COMMAND gzip -9nf ${dir}/${name}.${section} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "gzip ${dir}/${name}.${section} failed")
  endif()
endforeach()

# Debian's names: bash-completion loads completions/<command> on demand, zsh's vendor directory
# wants _<command>, fish's vendor_completions.d wants <command>.fish.
run_pgmi(${OUT}/completions/pgmi completion bash)
run_pgmi(${OUT}/completions/_pgmi completion zsh)
run_pgmi(${OUT}/completions/pgmi.fish completion fish)

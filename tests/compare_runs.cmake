# Runs PROG twice, with ARGS1 then ARGS2, and fails unless both runs exit 0
# and print the same standard output. Used for programs whose output must
# not depend on thread timing (examples/embed-threads).
#   cmake -DPROG=... -DARGS1=... -DARGS2=... -DOUT=prefix -P compare_runs.cmake
separate_arguments(ARGS1)
separate_arguments(ARGS2)
execute_process(COMMAND ${PROG} ${ARGS1} OUTPUT_FILE ${OUT}.1 RESULT_VARIABLE rc1)
execute_process(COMMAND ${PROG} ${ARGS2} OUTPUT_FILE ${OUT}.2 RESULT_VARIABLE rc2)
if(NOT rc1 EQUAL 0 OR NOT rc2 EQUAL 0)
  message(FATAL_ERROR "${PROG} exited with ${rc1} and ${rc2}")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files ${OUT}.1 ${OUT}.2 RESULT_VARIABLE diff)
if(NOT diff EQUAL 0)
  file(READ ${OUT}.1 a)
  file(READ ${OUT}.2 b)
  message(FATAL_ERROR "outputs differ:\n--- ${ARGS1}\n${a}--- ${ARGS2}\n${b}")
endif()
file(READ ${OUT}.1 a)
message(STATUS "identical outputs:\n${a}")

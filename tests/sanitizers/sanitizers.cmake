# The sanitizer build (-DPROVIO_SANITIZE=ON, tools/check.sh's build-asan):
# every test, including ones added later, runs with the sanitizers' options,
# and a last test fails if any process of any test wrote a report.  Reports
# go to files, not stderr: a program whose exit status or stderr a test does
# not look at (a killed writer, a background rank) must still fail the run.
if(NOT PROVIO_SANITIZE)
  return()
endif()

set(pv_san_logs ${CMAKE_CURRENT_BINARY_DIR}/sanitizer-logs)
set(pv_san_dir ${CMAKE_CURRENT_LIST_DIR})
add_test(NAME sanitizers.setup COMMAND bash -c "rm -rf \"$0\" && mkdir \"$0\"" ${pv_san_logs})
add_test(NAME sanitizers.reports COMMAND bash ${pv_san_dir}/reports.sh ${pv_san_logs})
set_tests_properties(sanitizers.setup PROPERTIES FIXTURES_SETUP sanitizer_logs LABELS sanitizers)
set_tests_properties(sanitizers.reports PROPERTIES FIXTURES_CLEANUP sanitizer_logs LABELS sanitizers)

# Leaks are checked in our own programs' unit tests only: the e2e tests run
# foreign programs (python, bash, mpirun) that leak by design at exit.
function(pv_sanitize_tests)
  set(common halt_on_error=1:log_path=${pv_san_logs}/report)
  get_property(tests DIRECTORY PROPERTY TESTS)
  foreach(t ${tests})
    if(t MATCHES "^sanitizers\\.")
      continue()
    endif()
    get_test_property(${t} LABELS labels)
    if("unit" IN_LIST labels)
      set(leaks detect_leaks=1)
    else()
      set(leaks detect_leaks=0)
    endif()
    set_property(TEST ${t} APPEND PROPERTY FIXTURES_REQUIRED sanitizer_logs)
    set_property(TEST ${t} APPEND PROPERTY ENVIRONMENT
      "ASAN_OPTIONS=${common}:${leaks}:suppressions=${pv_san_dir}/asan.supp"
      "LSAN_OPTIONS=suppressions=${pv_san_dir}/lsan.supp"
      "UBSAN_OPTIONS=${common}:print_stacktrace=1"
      "PROVIO_SANITIZER_RUNTIME=${PROVIO_SANITIZER_RUNTIME}")
  endforeach()
endfunction()
cmake_language(DEFER CALL pv_sanitize_tests)

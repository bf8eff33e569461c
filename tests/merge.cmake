# prov-merge: unit tests of its parts and of whole merges, and end-to-end
# tests of the tool on generated jobs (bench/gen_job) and on real tracked runs.
foreach(name merge_lines merge_derive merge_seen merge_store)
  add_executable(test_${name} unit/test_${name}.c)
  target_link_libraries(test_${name} PRIVATE provio_merge provio_testutil)
  add_test(NAME unit.${name} COMMAND test_${name})
  set_tests_properties(unit.${name} PROPERTIES LABELS "unit;merge")
endforeach()

foreach(case killed garbage twice crossjob errors tracked mpi)
  add_test(NAME e2e.merge.${case}
    COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/e2e/merge/test_merge.sh ${case}
      $<TARGET_FILE:prov-merge> $<TARGET_FILE:gen_job> $<TARGET_FILE:provio>
      $<TARGET_FILE:provio-run> $<TARGET_FILE:demo_simulate> $<TARGET_FILE:demo_decimate>)
  set_tests_properties(e2e.merge.${case} PROPERTIES LABELS "e2e;merge" TIMEOUT 300)
endforeach()

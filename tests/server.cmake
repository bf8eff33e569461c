# The server store (issue 14, docs/server-store.md): escaping and
# credentials (unit), and prov-merge/prov-query against a private Virtuoso
# that the test starts (label server; skipped where virtuoso is missing).
add_executable(test_remote_escape unit/test_remote_escape.c)
target_link_libraries(test_remote_escape PRIVATE provio_remote provio_testutil)
add_test(NAME unit.remote_escape COMMAND test_remote_escape)
set_tests_properties(unit.remote_escape PROPERTIES LABELS "unit;server")

add_test(NAME e2e.server COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/server/test_server.py)
set_tests_properties(e2e.server PROPERTIES LABELS "e2e;server" TIMEOUT 300 SKIP_RETURN_CODE 77
  ENVIRONMENT "PROV_MERGE=$<TARGET_FILE:prov-merge>;PROV_QUERY=$<TARGET_FILE:prov-query>;PROVIO_RUN=$<TARGET_FILE:provio-run>;STORE_SERVER=${PROJECT_SOURCE_DIR}/tools/store-server.sh")

# prov-merge --mpi into the server: 2 ranks publish the serial merge's graph.
add_test(NAME e2e.server_mpi COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/server/test_server_mpi.py)
set_tests_properties(e2e.server_mpi PROPERTIES LABELS "e2e;server;merge" TIMEOUT 300 SKIP_RETURN_CODE 77
  ENVIRONMENT "PROV_MERGE=$<TARGET_FILE:prov-merge>;PROV_QUERY=$<TARGET_FILE:prov-query>;PROVIO_RUN=$<TARGET_FILE:provio-run>;GEN_JOB=$<TARGET_FILE:gen_job>;STORE_SERVER=${PROJECT_SOURCE_DIR}/tools/store-server.sh;PYTHONDONTWRITEBYTECODE=1")

# Issue 13's domain provenance API: the Python module's tests (python3 -m
# unittest), tracked by provio-run and parsed by rapper.  The C API's
# records are unit.api (tests/CMakeLists.txt).
add_test(NAME api.python COMMAND ${Python3_EXECUTABLE} -m unittest -v test_python
  WORKING_DIRECTORY ${CMAKE_CURRENT_LIST_DIR})
set_tests_properties(api.python PROPERTIES LABELS "api;e2e" TIMEOUT 300
  ENVIRONMENT "${PROVIO_E2E_ENV};PYTHONPATH=${PROJECT_SOURCE_DIR}/python:${CMAKE_CURRENT_SOURCE_DIR}/e2e")

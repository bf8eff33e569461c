# libFuzzer harnesses (clang builds only: tools/check.sh's sanitizer build).
# Each runs a fixed number of inputs from a fixed seed, starting from its
# committed corpus (corpus/<name>/: seeds and every input that once found a
# bug, replayed on every run); new inputs go to the build tree only.
if(NOT CMAKE_C_COMPILER_ID STREQUAL "Clang")
  return()
endif()

set(pv_fuzz_flags -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all)
function(pv_fuzz name runs)
  cmake_parse_arguments(F "" "" "SOURCES;LIBS;ARGS" ${ARGN})
  add_executable(${name} fuzz/${name}.c ${F_SOURCES})
  target_compile_options(${name} PRIVATE ${pv_fuzz_flags})
  # the static runtime: libFuzzer pulls in libstdc++, which would otherwise
  # load before the shared ASan runtime
  target_link_options(${name} PRIVATE ${pv_fuzz_flags} -static-libsan)
  target_link_libraries(${name} PRIVATE ${F_LIBS} m)  # libFuzzer's runtime needs libm
  set(out ${CMAKE_CURRENT_BINARY_DIR}/fuzz/${name})
  add_test(NAME fuzz.${name}
    COMMAND bash -c "rm -rf \"$0\" && mkdir -p \"$0/new\" && exec \"$@\"" ${out}
            $<TARGET_FILE:${name}> -runs=${runs} -seed=1 -timeout=10 -artifact_prefix=${out}/ ${F_ARGS}
            ${out}/new ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/corpus/${name})
  set_tests_properties(fuzz.${name} PROPERTIES LABELS fuzz TIMEOUT 300)
endfunction()

pv_fuzz(fuzz_serialize 50000
  SOURCES ${PROJECT_SOURCE_DIR}/src/serialize.c ${PROJECT_SOURCE_DIR}/src/ident.c ${PROJECT_SOURCE_DIR}/src/config.c
  LIBS PkgConfig::RAPTOR2 Threads::Threads)
target_include_directories(fuzz_serialize PRIVATE ${PROJECT_SOURCE_DIR}/src)
pv_fuzz(fuzz_reader 5000
  SOURCES ${PROJECT_SOURCE_DIR}/store/reader.c ${PROJECT_SOURCE_DIR}/store/term.c
  LIBS PkgConfig::REDLAND PkgConfig::RAPTOR2)
target_include_directories(fuzz_reader PRIVATE ${PROJECT_SOURCE_DIR}/store ${PROJECT_SOURCE_DIR}/src)
# The configuration file parser (src/config.c) that libprovio.so and
# provio-run share.  Long lines: a config line longer than a fixed buffer
# once split in two.
pv_fuzz(fuzz_run_config 200000
  SOURCES ${PROJECT_SOURCE_DIR}/src/config.c ${PROJECT_SOURCE_DIR}/src/serialize.c ARGS -max_len=20000)
target_include_directories(fuzz_run_config PRIVATE ${PROJECT_SOURCE_DIR}/src)

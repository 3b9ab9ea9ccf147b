# ASan + UBSan for the whole tree (make sanitize). UBSan findings abort, so ctest fails on them.
if(CAAS_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=all
                      -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()

# Fuzz targets: with CAAS_FUZZ (clang only) they link libFuzzer and the code under test is
# instrumented for coverage; without it each target is linked with a replay driver that runs
# its corpus once, so ctest checks every corpus in every build.
if(CAAS_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "CAAS_FUZZ needs clang (configure with CXX=clang++)")
  endif()
  # -fno-sanitize=function: clang 14's function sanitizer cannot emit its prologue data for
  # coroutine frames ("Cannot represent a difference across sections" in src/api).
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize=function
                      -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()

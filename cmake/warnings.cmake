# Warnings every caas target compiles with (STYLE.md). Applied through caas_set_warnings() so that
# third-party headers (included as SYSTEM) stay out of it.
set(CAAS_WARNING_FLAGS -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion
    -Werror=unused-result -Wnon-virtual-dtor -Wold-style-cast -Wcast-align)
# GCC 12's -Wmaybe-uninitialized misfires under -fsanitize=address (GCC bug 105562 and kin), e.g.
# on boost::optional inside Beast's parser. The normal build keeps the warning; only the
# sanitizer build, whose job is to catch the real thing at run time, drops it.
if(CAAS_SANITIZE AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  list(APPEND CAAS_WARNING_FLAGS -Wno-maybe-uninitialized)
endif()
if(CAAS_WERROR)
  list(APPEND CAAS_WARNING_FLAGS -Werror)
endif()

function(caas_set_warnings target)
  target_compile_options(${target} PRIVATE ${CAAS_WARNING_FLAGS})
endfunction()

# caas_module(NAME SOURCES... DEPS...): one static library per module, caas_<name>, with the
# repository's src/ on the include path so that headers are included as "base/status.h".
function(caas_module name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(caas_${name} STATIC ${ARG_SOURCES})
  target_include_directories(caas_${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(caas_${name} PUBLIC ${ARG_DEPS})
  caas_set_warnings(caas_${name})
endfunction()

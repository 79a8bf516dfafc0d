# Compile options for fathom's own targets (the library, the `fathom` command, the tests, the
# benchmarks and the examples), applied PRIVATE so that none of them reaches the installed
# package or the projects that link to it.
#
#   fathom_target_options(<target>)
#
# - Warnings: -Wall -Wextra -Wpedantic everywhere, -Werror when FATHOM_WERROR is ON (CI).
#   GCC 12 reports false -Wmaybe-uninitialized inside Eigen's AVX-512 intrinsics.
# - FATHOM_NATIVE (ON by default): -march=native, the build machine's whole instruction set.
#   Code that includes fathom headers may be built without it: Eigen's object layout is fixed
#   by the public EIGEN_MAX_ALIGN_BYTES=64 and fathom's headers use only dynamic-size Eigen
#   types, so the library and its users agree whatever -march each of them uses.
# - FATHOM_SANITIZE (empty by default): a clang/GCC -fsanitize= list, "address,undefined" or
#   "thread" (scripts/sanitize.sh). Undefined behaviour stops the program rather than printing
#   and going on, so a test that hits it fails. The link option is PUBLIC: whatever links a
#   sanitized libfathom (the install test's consumer included) needs the sanitizer's runtime.
# - FATHOM_FUZZ (OFF by default, clang only): the fuzz targets in fuzz/ with libFuzzer, and
#   every fathom target instrumented for its coverage, under ASan and UBSan (scripts/fuzz.sh).
set(FATHOM_SANITIZE "" CACHE STRING "Build fathom's targets with -fsanitize=<list> (address,undefined or thread)")
option(FATHOM_FUZZ "Build the libFuzzer targets in fuzz/ (clang only; implies FATHOM_SANITIZE=address,undefined)" OFF)
if(FATHOM_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "FATHOM_FUZZ=ON needs clang's libFuzzer; configure with -DCMAKE_CXX_COMPILER=clang++ "
                        "(this build uses ${CMAKE_CXX_COMPILER_ID} ${CMAKE_CXX_COMPILER})")
  endif()
  if(FATHOM_SANITIZE STREQUAL "")
    set(FATHOM_SANITIZE "address,undefined" CACHE STRING "" FORCE)
  endif()
endif()
if(FATHOM_SANITIZE MATCHES "thread" AND FATHOM_SANITIZE MATCHES "address")
  message(FATAL_ERROR "FATHOM_SANITIZE=${FATHOM_SANITIZE}: ThreadSanitizer cannot be combined with AddressSanitizer")
endif()

function(fathom_target_options target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic $<$<CXX_COMPILER_ID:GNU>:-Wno-maybe-uninitialized>
                                           $<$<BOOL:${FATHOM_WERROR}>:-Werror>)
  if(FATHOM_NATIVE)
    target_compile_options(${target} PRIVATE -march=native)
  endif()
  if(NOT FATHOM_SANITIZE STREQUAL "")
    target_compile_options(${target} PRIVATE -fsanitize=${FATHOM_SANITIZE} -fno-omit-frame-pointer -g)
    if(FATHOM_SANITIZE MATCHES "undefined")
      target_compile_options(${target} PRIVATE -fno-sanitize-recover=undefined)
    endif()
    target_link_options(${target} PUBLIC -fsanitize=${FATHOM_SANITIZE})
  endif()
  if(FATHOM_FUZZ)
    # Coverage for libFuzzer in every fathom target; only the fuzz targets link its main.
    target_compile_options(${target} PRIVATE -fsanitize=fuzzer-no-link)
  endif()
endfunction()

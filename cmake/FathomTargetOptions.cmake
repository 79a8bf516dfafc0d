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
function(fathom_target_options target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic $<$<CXX_COMPILER_ID:GNU>:-Wno-maybe-uninitialized>
                                           $<$<BOOL:${FATHOM_WERROR}>:-Werror>)
  if(FATHOM_NATIVE)
    target_compile_options(${target} PRIVATE -march=native)
  endif()
endfunction()

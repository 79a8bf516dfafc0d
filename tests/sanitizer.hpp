// Whether the tests are built with AddressSanitizer (scripts/sanitize.sh): ASan reserves
// terabytes of address space for its shadow memory, so tests that run `fathom` under
// `ulimit -v` cannot bound it that way there.
#pragma once

#if defined(__SANITIZE_ADDRESS__)
#define FATHOM_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FATHOM_TEST_ASAN 1
#endif
#endif

namespace fathom_test {
#ifdef FATHOM_TEST_ASAN
inline constexpr bool kAddressSanitizer = true;
#else
inline constexpr bool kAddressSanitizer = false;
#endif
}  // namespace fathom_test

// Internal: CRC-32C (Castagnoli, the polynomial of iSCSI, RFC 3720), the checksum of
// TensorBoard's record framing (train/tfrecord.hpp). Debian 12 packages no C++ CRC-32C library
// (google/crc32c is not in it), so it is this small table-driven function, tested against the
// standard's check values (tests/tensorboard_test.cpp).
#pragma once

#include <cstdint>
#include <string_view>

namespace fathom::detail {

// CRC-32C of `bytes`, continuing from `crc` (the CRC of what came before; 0 to start):
// crc32c(b, crc32c(a)) == crc32c(a + b).
std::uint32_t crc32c(std::string_view bytes, std::uint32_t crc = 0);

}  // namespace fathom::detail

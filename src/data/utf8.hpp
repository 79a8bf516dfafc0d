// UTF-8 checks for text read from data files: names and class labels end up in model files
// (JSON, which must be UTF-8) and in messages, so both are checked when the data is read, and
// messages show a field's bytes escaped rather than raw.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace fathom::data_detail {

// The offset of the first byte that does not belong to a well-formed UTF-8 sequence (overlong
// forms, surrogates and code points above U+10FFFF included), or npos when `text` is valid.
std::size_t invalid_utf8_offset(std::string_view text);

// `text` in double quotes for a message: bytes that are not valid UTF-8, and control characters,
// as \xNN; cut to `most` bytes with "..." so a runaway field does not swamp the message.
std::string quoted_text(std::string_view text, std::size_t most = 60);

}  // namespace fathom::data_detail

// fathom's exceptions. The library never prints and never exits: every failure is one of
// these, with a message that names the argument, layer, file or line and the values seen.
#pragma once

#include <stdexcept>
#include <string>

namespace fathom {

// Base of every fathom error.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};
// A hyperparameter or option outside its valid range.
class InvalidArgument : public Error {
 public:
  using Error::Error;
};
// Data or layer shapes that do not fit together.
class ShapeError : public Error {
 public:
  using Error::Error;
};
// Data that cannot be used: empty, NaN/Inf, unparsable.
class DataError : public Error {
 public:
  using Error::Error;
};
// A file that cannot be read or written, or whose content is invalid.
class FileError : public Error {
 public:
  using Error::Error;
};
// Training produced a NaN or Inf loss or weight.
class DivergedError : public Error {
 public:
  using Error::Error;
};

// Throws E(message) when the condition does not hold. The message is built before the call,
// so hot paths test the condition themselves and build the message only when throwing.
template <class E = InvalidArgument>
inline void require(bool condition, const std::string& message) {
  if (!condition) throw E(message);
}
template <class E = InvalidArgument>
inline void require(bool condition, const char* message) {
  if (!condition) throw E(message);
}

}  // namespace fathom

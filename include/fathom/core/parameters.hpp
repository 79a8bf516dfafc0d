// The parameter arena: every trainable value of a model lives in one flat array, and every
// gradient in a second array of the same layout. Layers hold named views (ParamRef) into it,
// so the optimizer, zero_grad, gradient check and save/load are each a single loop.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "fathom/core/matrix.hpp"

namespace fathom {

// Where one tensor lives in the arena.
struct ParamRef {
  std::size_t offset = 0;
  Index rows = 0;
  Index cols = 0;
  std::size_t size() const { return static_cast<std::size_t>(rows * cols); }
};

class Parameters {
 public:
  struct Entry {
    std::string name;  // e.g. "dense_1/W"
    ParamRef ref;
  };

  // Declares a rows × cols tensor; valid until finalize() allocates storage.
  ParamRef add(std::string name, Index rows, Index cols);
  // Allocates values and gradients (zero-filled) for every declared tensor.
  void finalize();
  // Drops every tensor (used when a model is rebuilt).
  void clear();

  MatrixView value(const ParamRef& r) { return MatrixView(values_.data() + r.offset, r.rows, r.cols); }
  ConstMatrixView value(const ParamRef& r) const {
    return ConstMatrixView(values_.data() + r.offset, r.rows, r.cols);
  }
  MatrixView grad(const ParamRef& r) { return MatrixView(grads_.data() + r.offset, r.rows, r.cols); }
  ConstMatrixView grad(const ParamRef& r) const {
    return ConstMatrixView(grads_.data() + r.offset, r.rows, r.cols);
  }

  std::span<Scalar> values() { return values_; }
  std::span<const Scalar> values() const { return values_; }
  std::span<Scalar> grads() { return grads_; }
  std::span<const Scalar> grads() const { return grads_; }

  const std::vector<Entry>& entries() const { return entries_; }
  std::size_t size() const { return total_; }
  void zero_grad();

 private:
  std::vector<Entry> entries_;
  std::size_t total_ = 0;
  AlignedVector values_;
  AlignedVector grads_;
};

}  // namespace fathom

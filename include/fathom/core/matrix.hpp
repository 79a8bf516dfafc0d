// The one matrix convention of fathom: column-major float32 matrices, features × samples.
// A batch of n samples is a matrix whose n columns are the samples, so a layer reads as in
// docs/concepts.md, forward pass: V = W·Y + b with W (units × inputs), Y (inputs × n), V (units × n).
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <vector>

namespace fathom {

using Scalar = float;
using Index = Eigen::Index;
using Matrix = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic, Eigen::ColMajor>;
using Vector = Eigen::Matrix<Scalar, Eigen::Dynamic, 1>;
// Flat float storage aligned like Eigen's own matrices. The parameter arena and optimizer
// state use it so that vectorised loops split every array the same way in every run: with
// malloc's varying alignment, the scalar head and tail would move and change the rounding.
using AlignedVector = std::vector<Scalar, Eigen::aligned_allocator<Scalar>>;

// Views over contiguous column-major storage (leading dimension == rows). Layers hand these
// out over their preallocated buffers so the training step never allocates.
using MatrixView = Eigen::Map<Matrix>;
using ConstMatrixView = Eigen::Map<const Matrix>;

// The first n columns of m, as a contiguous view (columns are contiguous in column-major).
inline MatrixView left_cols(Matrix& m, Index n) { return MatrixView(m.data(), m.rows(), n); }
inline ConstMatrixView left_cols(const Matrix& m, Index n) { return ConstMatrixView(m.data(), m.rows(), n); }
inline ConstMatrixView view(const Matrix& m) { return ConstMatrixView(m.data(), m.rows(), m.cols()); }
inline MatrixView view(Matrix& m) { return MatrixView(m.data(), m.rows(), m.cols()); }
// A writable view seen as read-only (Eigen does not convert Map<T> to Map<const T> implicitly).
inline ConstMatrixView cview(const MatrixView& m) { return ConstMatrixView(m.data(), m.rows(), m.cols()); }
inline ConstMatrixView cview(const Matrix& m) { return ConstMatrixView(m.data(), m.rows(), m.cols()); }

}  // namespace fathom

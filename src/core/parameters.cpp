// The flat parameter arena.
#include "fathom/core/parameters.hpp"

#include <algorithm>

#include "fathom/core/error.hpp"

namespace fathom {

ParamRef Parameters::add(std::string name, Index rows, Index cols) {
  require(rows >= 0 && cols >= 0, "parameter '" + name + "': negative shape");
  ParamRef ref{total_, rows, cols};
  total_ += ref.size();
  entries_.push_back({std::move(name), ref});
  return ref;
}

void Parameters::finalize() {
  values_.assign(total_, Scalar(0));
  grads_.assign(total_, Scalar(0));
}

void Parameters::clear() {
  entries_.clear();
  total_ = 0;
  values_.clear();
  grads_.clear();
}

void Parameters::zero_grad() { std::fill(grads_.begin(), grads_.end(), Scalar(0)); }

}  // namespace fathom

// The flat parameter arena.
#include "fathom/core/parameters.hpp"

#include <algorithm>

#include "fathom/core/error.hpp"
#include "fathom/core/threads.hpp"
#include "parallel.hpp"

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

void Parameters::zero_grad() {
  // A large arena is cleared in one contiguous part per thread (core/threads.hpp).
  const int threads = threads_for_elements(grads_.size());
  if (threads == 1) {
    std::fill(grads_.begin(), grads_.end(), Scalar(0));
    return;
  }
  const auto part =
      static_cast<std::ptrdiff_t>((grads_.size() + std::size_t(threads) - 1) / std::size_t(threads));
  detail::parallel_for(threads, [&](int t) {
    const std::ptrdiff_t begin = std::min<std::ptrdiff_t>(t * part, std::ssize(grads_));
    const std::ptrdiff_t end = std::min<std::ptrdiff_t>(begin + part, std::ssize(grads_));
    std::fill(grads_.begin() + begin, grads_.begin() + end, Scalar(0));
  });
}

}  // namespace fathom

// Internal: the pieces of data-parallel training (docs/scaling.md) that fit and the model's
// step share: which samples of a batch are this process's, the sums of gradients and losses
// over the processes, and the checks that every process trains the same model on the same data.
#pragma once

#include <exception>
#include <span>
#include <string>
#include <string_view>

#include "fathom/core/matrix.hpp"
#include "fathom/train/communicator.hpp"

namespace fathom {
class Sequential;
}

namespace fathom::detail {

// The samples [first, first + count) of a batch of n that process `rank` of `size` computes:
// consecutive shares whose sizes differ by one at most (the first ranks may get one fewer).
struct Share {
  Index first = 0, count = 0;
};
inline Share share_of(Index n, int rank, int size) {
  const Index first = n * rank / size;
  return {first, n * (rank + 1) / size - first};
}

// This process's loss, the mean over its `count` samples, made the mean over all `total`
// samples of every process's: weighted by count / total and summed. Every process gets it.
double sum_loss(Communicator& comm, double loss, Index count, Index total);

// One 64-bit fingerprint of some values, to tell whether two processes hold the same data.
std::uint64_t fingerprint(std::span<const Scalar> values);

// What every process of a data-parallel fit must agree on, each a number.
struct Agreement {
  std::vector<std::pair<std::string, std::uint64_t>> fields;
  void add(std::string what, std::uint64_t value) { fields.emplace_back(std::move(what), value); }
};
// Compares every process's fields with rank 0's; when any process differs, throws DataError on
// every process (so that none is left waiting in a collective), naming the field.
void require_agreement(Communicator& comm, const Agreement& mine);

// Every process's verdict on its own checks: rethrows `error` where there is one, and throws
// DataError on the processes without one when any other has one.
void require_no_errors(Communicator& comm, const std::exception_ptr& error);

// One 64-bit fingerprint of a text (a model's configuration).
std::uint64_t fingerprint(std::string_view text);

// Rank 0's weights, optimizer state and random generator, copied to every other process, so
// that all start from the same model (as Horovod's broadcast of the initial variables).
void broadcast_model(Communicator& comm, Sequential& model);

// Whether every process holds the same weights as rank 0 (a fingerprint, broadcast and
// compared); throws Error on every process if not.
void require_same_weights(Communicator& comm, const Sequential& model);

}  // namespace fathom::detail

// Data-parallel training's sums, checks and broadcasts (data_parallel.hpp).
#include "data_parallel.hpp"

#include <array>
#include <bit>
#include <cstring>
#include <vector>

#include "fathom/core/error.hpp"
#include "fathom/train/sequential.hpp"

namespace fathom::detail {

double sum_loss(Communicator& comm, double loss, Index count, Index total) {
  double weighted = count > 0 ? loss * double(count) / double(total) : 0.0;
  comm.allreduce_sum(std::span<double>(&weighted, 1));
  return weighted;
}

std::uint64_t fingerprint(std::span<const Scalar> values) {
  // Four independent multiply-add lanes over the bit patterns, mixed at the end (splitmix64's
  // finalizer): fast enough for a data set, and any changed value changes it.
  std::array<std::uint64_t, 4> lane{1, 2, 3, 4};
  std::size_t i = 0;
  for (; i + 4 <= values.size(); i += 4) {
    for (std::size_t k = 0; k < 4; ++k)
      lane[k] = lane[k] * 0x100000001B3ULL + std::bit_cast<std::uint32_t>(values[i + k]);
  }
  for (; i < values.size(); ++i)
    lane[0] = lane[0] * 0x100000001B3ULL + std::bit_cast<std::uint32_t>(values[i]);
  std::uint64_t h = values.size();
  for (std::uint64_t v : lane) {
    h ^= v + 0x9E3779B97F4A7C15ULL + (h << 6) + (h >> 2);
    h = (h ^ (h >> 30)) * 0xBF58476D1CE4E5B9ULL;
    h = (h ^ (h >> 27)) * 0x94D049BB133111EBULL;
    h ^= h >> 31;
  }
  return h;
}

void require_no_errors(Communicator& comm, const std::exception_ptr& error) {
  double failed = error ? 1.0 : 0.0;
  comm.allreduce_sum(std::span<double>(&failed, 1));
  if (error) std::rethrow_exception(error);
  if (failed > 0) {
    throw DataError("data-parallel training: " + std::to_string(int(failed)) +
                    " other process(es) refused their data or options (see their errors)");
  }
}

std::uint64_t fingerprint(std::string_view text) {
  std::uint64_t h = 0xCBF29CE484222325ULL;  // FNV-1a
  for (unsigned char c : text) h = (h ^ c) * 0x100000001B3ULL;
  return h;
}

void require_agreement(Communicator& comm, const Agreement& mine) {
  std::vector<std::uint64_t> root(mine.fields.size());
  for (std::size_t i = 0; i < root.size(); ++i) root[i] = mine.fields[i].second;
  comm.broadcast(std::as_writable_bytes(std::span(root)), 0);
  std::string mismatch;
  for (std::size_t i = 0; i < root.size() && mismatch.empty(); ++i) {
    if (root[i] != mine.fields[i].second) {
      mismatch = mine.fields[i].first + " is " + std::to_string(mine.fields[i].second) + " on rank " +
                 std::to_string(comm.rank()) + " but " + std::to_string(root[i]) + " on rank 0";
    }
  }
  double differing = mismatch.empty() ? 0.0 : 1.0;
  comm.allreduce_sum(std::span<double>(&differing, 1));
  if (differing == 0) return;
  const std::string advice =
      " (every process of a data-parallel fit must read the same data and build the same model)";
  if (!mismatch.empty()) throw DataError("data-parallel training: " + mismatch + advice);
  throw DataError("data-parallel training: " + std::to_string(int(differing)) +
                  " process(es) hold other data or another model than rank 0" + advice);
}

void broadcast_model(Communicator& comm, Sequential& model) {
  comm.broadcast(std::as_writable_bytes(model.parameters().values()), 0);
  Optimizer& optimizer = model.optimizer();
  for (auto& [name, buffer] : optimizer.state()) comm.broadcast(std::as_writable_bytes(buffer), 0);
  std::vector<double> numbers;
  for (auto& [name, value] : optimizer.scalar_state()) numbers.push_back(*value);
  numbers.push_back(double(optimizer.iterations()));
  numbers.push_back(double(optimizer.evaluations()));
  comm.broadcast(std::as_writable_bytes(std::span(numbers)), 0);
  std::size_t i = 0;
  for (auto& [name, value] : optimizer.scalar_state()) *value = numbers[i++];
  optimizer.set_iterations(static_cast<std::int64_t>(numbers[i++]));
  optimizer.set_evaluations(static_cast<std::int64_t>(numbers[i]));
  Rng::State rng = model.rng().state();
  std::array<std::uint64_t, 6> words{rng.s[0],
                                     rng.s[1],
                                     rng.s[2],
                                     rng.s[3],
                                     std::bit_cast<std::uint64_t>(rng.spare),
                                     rng.has_spare ? 1u : 0u};
  comm.broadcast(std::as_writable_bytes(std::span(words)), 0);
  model.rng().set_state(
      {{words[0], words[1], words[2], words[3]}, std::bit_cast<double>(words[4]), words[5] != 0});
}

void require_same_weights(Communicator& comm, const Sequential& model) {
  std::uint64_t root = fingerprint(model.parameters().values());
  const std::uint64_t mine = root;
  comm.broadcast(std::as_writable_bytes(std::span(&root, 1)), 0);
  double differing = root == mine ? 0.0 : 1.0;
  comm.allreduce_sum(std::span<double>(&differing, 1));
  if (differing != 0) {
    throw Error(
        "data-parallel training: the weights of " + std::to_string(int(differing)) +
        " process(es) have drifted from rank 0's: the sums of the gradients differed between processes "
        "(the Communicator's allreduce must give every process the same result)");
  }
}

}  // namespace fathom::detail

namespace fathom {

bool Sequential::kept_applies_everywhere(ConstMatrixView x, ConstMatrixView y) {
  const bool here = kept_applies(x, y);
  if (parallel_.comm == nullptr || !keep_evaluations_) return here;
  double refusing = here ? 0.0 : 1.0;
  parallel_.comm->allreduce_sum(std::span<double>(&refusing, 1));
  return refusing == 0;
}

// train_step's (and a full-batch objective's) forward and backward passes: in data-parallel
// training over this process's share, then summed over every process's.
double Sequential::evaluate_batch(ConstMatrixView x, ConstMatrixView y) {
  if (parallel_.comm == nullptr) {
    forward(x, true);
    zero_grad();
    return backward(y);
  }
  if (parallel_.own_stream) {
    const auto rank = static_cast<std::uint64_t>(parallel_.comm->rank());
    layer_rng_.reseed(rng_.next() ^ (rank * 0xD1B54A32D192ED03ULL));
  }
  double loss = 0;
  if (x.cols() > 0) {
    forward(x, true);
    zero_grad();
    // This share's gradient weighted by its part of the batch, n/batch, at the output delta
    // (outputs × n values) rather than over the whole arena afterwards.
    loss = backward_scaled(y, static_cast<Scalar>(double(x.cols()) / double(parallel_.batch)));
  } else {
    // A share of no samples (a batch smaller than the processes): adds nothing to the sums.
    if (x.rows() != input_dim_ || y.rows() != output_dim() || y.cols() != 0)
      throw ShapeError("train_step: an empty share must still have the model's inputs and outputs as rows");
    reserve(1);
    zero_grad();
    output_ = grad_out_.data();
    last_n_ = 0;
    forward_pending_ = false;
  }
  parallel_.comm->allreduce_sum(params_->grads());  // the whole batch's mean gradient
  return detail::sum_loss(*parallel_.comm, loss, x.cols(), parallel_.batch);
}

}  // namespace fathom

// The layer interface: an explicit forward/backward pair per layer (docs/concepts.md, BP1–BP4). A layer owns
// its activation buffers, sized once for the largest batch, and views into the parameter arena.
// Its forward computation is one const function, infer(), over buffers the caller passes: the
// training forward() runs it over the layer's own buffers, inference (Sequential::predict) over
// the caller's, so inference may run on one layer from many threads at once.
#pragma once

#include <memory>
#include <string>

#include "fathom/core/matrix.hpp"
#include "fathom/core/parameters.hpp"
#include "fathom/core/rng.hpp"

namespace fathom {

class Layer {
 public:
  virtual ~Layer() = default;

  // "dense", "dropout": the type name used in summaries and the model file.
  virtual std::string type() const = 0;
  const std::string& name() const { return name_; }
  void set_name(std::string name) { name_ = std::move(name); }

  Index input_dim() const { return input_dim_; }
  virtual Index output_dim() const = 0;
  virtual std::size_t parameter_count() const { return 0; }
  // A one-line description of the layer's settings, for summary().
  virtual std::string describe() const { return type(); }

  // Declares the parameter tensors in the arena; called once when the model is compiled.
  virtual void build(Index input_dim, Parameters& params) {
    input_dim_ = input_dim;
    (void)params;
  }
  // Draws initial parameter values (after the arena is allocated).
  virtual void initialize(Parameters& params, Rng& rng) {
    (void)params;
    (void)rng;
  }
  // Sizes the per-batch buffers for up to max_batch columns. No allocation happens after this.
  virtual void reserve(Index max_batch) = 0;

  // The forward computation at inference, const: reads X (input_dim × n) and the parameters,
  // writes only `out` and `scratch` (both output_dim × n; scratch holds what the layer computes
  // beside its output: Dense leaves its pre-activations V there). Returns the output, a view of
  // `out`, or X itself for a layer that is the identity at inference (Dropout).
  virtual ConstMatrixView infer(ConstMatrixView X, const Parameters& params, MatrixView out,
                                MatrixView scratch) const = 0;
  // X: input_dim × n. Returns this layer's output, output_dim × n (a view of its own buffer,
  // valid until the next forward). Outside training, the same values as infer().
  virtual ConstMatrixView forward(ConstMatrixView X, const Parameters& params, bool training, Rng& rng) = 0;
  // X: the input of the last forward; grad: output_dim × n, either ∂C/∂Y (dY) or, when
  // grad_is_delta, the pre-activation delta δ = ∂C/∂V (the fused output delta).
  // Accumulates parameter gradients into the arena and, if dX is non-null, writes ∂C/∂X
  // (input_dim × n) into it.
  virtual void backward(ConstMatrixView X, ConstMatrixView grad, bool grad_is_delta, Parameters& params,
                        MatrixView* dX) = 0;

  // The layer's settings as a JSON object (text), for the model file.
  virtual std::string config_json() const = 0;
  virtual std::unique_ptr<Layer> clone() const = 0;

 protected:
  Index input_dim_ = 0;
  std::string name_;
};

// Builds a layer from its type name and config_json(), for loading a model file.
std::unique_ptr<Layer> make_layer(const std::string& type, const std::string& config_json);

}  // namespace fathom

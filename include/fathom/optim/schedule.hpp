// Learning-rate schedules, as functions of the epoch (0-based) and the initial rate η₀:
//   constant      η₀
//   step(f, k)    η₀ · f^⌊epoch / k⌋
//   exponential(r) η₀ · r^epoch
//   cosine(T, m)  m + (η₀ − m) · ½(1 + cos(π · min(epoch, T) / T))
// Resolvable by name: "step(0.5,10)", "exponential(0.96)", "cosine(50)", "cosine(50,1e-5)".
// Reduce-on-plateau depends on validation results, so it is a callback (ReduceLROnPlateau).
#pragma once

#include <string>
#include <string_view>

#include "fathom/core/matrix.hpp"

namespace fathom {

enum class ScheduleKind { Constant, Step, Exponential, Cosine };

class Schedule {
 public:
  Schedule() = default;
  Schedule(ScheduleKind kind, double a, double b) : kind_(kind), a_(a), b_(b) {}
  Schedule(std::string_view name);                                         // NOLINT
  Schedule(const char* name) : Schedule(std::string_view(name)) {}         // NOLINT
  Schedule(const std::string& name) : Schedule(std::string_view(name)) {}  // NOLINT

  static Schedule step(double factor, int every) { return {ScheduleKind::Step, factor, double(every)}; }
  static Schedule exponential(double rate) { return {ScheduleKind::Exponential, rate, 0}; }
  static Schedule cosine(int epochs, double min_lr = 0) {
    return {ScheduleKind::Cosine, double(epochs), min_lr};
  }

  ScheduleKind kind() const { return kind_; }
  std::string name() const;
  Scalar learning_rate(int epoch, Scalar initial) const;

 private:
  ScheduleKind kind_ = ScheduleKind::Constant;
  double a_ = 0, b_ = 0;
};

}  // namespace fathom

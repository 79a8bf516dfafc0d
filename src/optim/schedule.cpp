// Learning-rate schedules: parsing "step(0.5,10)"-style names, writing them back, and the rate
// at an epoch (formulas in schedule.hpp).
#include "fathom/optim/schedule.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <limits>
#include <numbers>
#include <vector>

#include "fathom/core/error.hpp"

namespace fathom {

namespace {

constexpr const char* kForms =
    "constant, step(factor,every), exponential(rate), cosine(epochs) or cosine(epochs,min_lr)";

bool is_count(double x) { return x >= 1 && x <= std::numeric_limits<int>::max() && x == std::floor(x); }

// Why a schedule is unusable, or nullptr. Shared by the parser and learning_rate(), since the
// (kind, a, b) constructor and the static helpers take numbers unchecked.
const char* invalid_reason(ScheduleKind kind, double a, double b) {
  switch (kind) {
    case ScheduleKind::Constant:
      return nullptr;
    case ScheduleKind::Step:
      if (!(std::isfinite(a) && a > 0)) return "the factor must be a finite number > 0";
      if (!is_count(b)) return "every must be a whole number of epochs >= 1";
      return nullptr;
    case ScheduleKind::Exponential:
      if (!(std::isfinite(a) && a > 0)) return "the rate must be a finite number > 0";
      return nullptr;
    case ScheduleKind::Cosine:
      if (!is_count(a)) return "epochs must be a whole number >= 1";
      if (!(std::isfinite(b) && b >= 0)) return "min_lr must be a finite number >= 0";
      return nullptr;
  }
  return "unknown schedule kind";
}

std::string format_number(double x) {
  std::array<char, 32> buf{};
  auto result = std::to_chars(buf.data(), buf.data() + buf.size(), x);
  return std::string(buf.data(), result.ptr);
}

}  // namespace

Schedule::Schedule(std::string_view name) {
  const auto fail = [&](const std::string& why) -> InvalidArgument {
    return InvalidArgument("schedule \"" + std::string(name) + "\": " + why + " (expected " + kForms + ")");
  };
  std::string text;  // the name without blanks, so "step(0.5, 10)" reads too
  for (char c : name) {
    if (c != ' ' && c != '\t') text += c;
  }
  if (text == "constant") return;

  const auto open = text.find('(');
  if (open == std::string::npos || text.back() != ')' || open == 0) throw fail("not a known schedule");
  const std::string kind = text.substr(0, open);
  std::vector<double> args;
  const char* at = text.data() + open + 1;
  const char* end = text.data() + text.size() - 1;  // the closing ')'
  while (at < end) {
    double x = 0;
    auto [next, error] = std::from_chars(at, end, x);
    if (error != std::errc() || (next != end && *next != ',')) throw fail("bad number in the arguments");
    args.push_back(x);
    at = next == end ? end : next + 1;
    if (next != end && at == end) throw fail("missing number after ','");
  }

  if (kind == "step" && args.size() == 2) {
    *this = Schedule(ScheduleKind::Step, args[0], args[1]);
  } else if (kind == "exponential" && args.size() == 1) {
    *this = Schedule(ScheduleKind::Exponential, args[0], 0);
  } else if (kind == "cosine" && (args.size() == 1 || args.size() == 2)) {
    *this = Schedule(ScheduleKind::Cosine, args[0], args.size() == 2 ? args[1] : 0.0);
  } else if (kind == "step" || kind == "exponential" || kind == "cosine") {
    throw fail("wrong number of arguments");
  } else {
    throw fail("not a known schedule");
  }
  if (const char* why = invalid_reason(kind_, a_, b_)) throw fail(why);
}

std::string Schedule::name() const {
  switch (kind_) {
    case ScheduleKind::Constant:
      return "constant";
    case ScheduleKind::Step:
      return "step(" + format_number(a_) + "," + format_number(b_) + ")";
    case ScheduleKind::Exponential:
      return "exponential(" + format_number(a_) + ")";
    case ScheduleKind::Cosine:
      if (b_ == 0) return "cosine(" + format_number(a_) + ")";
      return "cosine(" + format_number(a_) + "," + format_number(b_) + ")";
  }
  return "constant";
}

Scalar Schedule::learning_rate(int epoch, Scalar initial) const {
  require(epoch >= 0, "schedule " + name() + ": epoch must be >= 0, got " + std::to_string(epoch));
  if (const char* why = invalid_reason(kind_, a_, b_)) {
    throw InvalidArgument("schedule " + name() + ": " + why);
  }
  const double eta0 = initial;
  switch (kind_) {
    case ScheduleKind::Constant:
      return initial;
    case ScheduleKind::Step:
      return Scalar(eta0 * std::pow(a_, double(epoch / static_cast<int>(b_))));
    case ScheduleKind::Exponential:
      return Scalar(eta0 * std::pow(a_, double(epoch)));
    case ScheduleKind::Cosine: {
      const double progress = std::min(double(epoch), a_) / a_;
      return Scalar(b_ + (eta0 - b_) * 0.5 * (1 + std::cos(std::numbers::pi * progress)));
    }
  }
  return initial;
}

}  // namespace fathom

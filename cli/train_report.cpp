// What `train` says after fitting (see train_report.hpp).
#include "train_report.hpp"

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <ostream>
#include <sstream>

namespace fathom::cli {

namespace {

double mean_of(const std::vector<double>& v) {
  double sum = 0;
  for (double x : v) sum += x;
  return v.empty() ? 0.0 : sum / double(v.size());
}

std::string number(double v, int digits = 4) {
  std::ostringstream out;
  out << std::fixed << std::setprecision(digits) << v;
  return out.str();
}

}  // namespace

Logs final_scores(Sequential& model, const Matrix& x, const Matrix& y, Task task) {
  Logs scores = model.evaluate(x, y);
  if (task != Task::Regress) return scores;
  // Errors a person can read: outputs and targets back in the targets' units.
  Matrix outputs = model.predict(x), targets = y;
  model.info.target_scaling.invert(view(outputs));
  model.info.target_scaling.invert(view(targets));
  std::vector<double> mse = mse_per_output(cview(outputs), cview(targets));
  for (double& m : mse) m = std::sqrt(m);
  Logs out{{"loss", scores.at("loss")},
           {"mae", mean_of(mae_per_output(cview(outputs), cview(targets)))},
           {"rmse", mean_of(mse)},
           {"r2", mean_of(r2_per_output(cview(outputs), cview(targets)))}};
  return out;
}

void print_scores(std::ostream& out, const std::string& title, Index samples, const Logs& scores,
                  bool standardized_loss) {
  out << title << ": " << samples << " samples";
  for (const auto& [key, value] : scores) {
    out << "  " << key << ' ' << number(value);
    if (key == "loss" && standardized_loss) out << " (standardized targets)";
  }
  out << '\n';
}

std::optional<std::string> early_stopping_note(const EarlyStopping& early, const std::string& monitor,
                                               int patience, const History& run) {
  if (early.best_epoch() < 0 || run.size() == 0) return std::nullopt;
  const int last = run.epochs.back();
  const std::string restored = "restored the weights of epoch " + std::to_string(early.best_epoch() + 1) +
                               " (" + monitor + ' ' + number(early.best()) + ")";
  if (early.stopped_epoch() >= 0) {
    return "early stopping: no improvement in " + monitor + " for " + std::to_string(std::max(patience, 1)) +
           " epoch" + (std::max(patience, 1) == 1 ? "" : "s") + "; stopped after epoch " +
           std::to_string(early.stopped_epoch() + 1) + ", " + restored;
  }
  if (early.best_epoch() == last) return std::nullopt;
  return "early stopping: ran all epochs; " + restored + ", the best of the run";
}

std::optional<std::string> still_improving_warning(const History& run) {
  const std::string key = run.has("val_loss") ? "val_loss" : "loss";
  if (!run.has(key)) return std::nullopt;
  const std::vector<double>& series = run[key];
  const std::size_t n = series.size();
  if (n < 2) return std::nullopt;
  const std::size_t k = std::clamp<std::size_t>(n / 2, 1, 10);
  // Still falling: the last epoch beats everything before the window by more than 1%, and by
  // more than scikit-learn's tol (10⁻⁴) per epoch of the window, so a loss creeping down by
  // hairs has converged. A noisy curve whose best lies inside the window but whose end does
  // not has levelled off too.
  const double before = *std::min_element(series.begin(), series.end() - std::ptrdiff_t(k));
  const double recent = series.back();
  if (!(std::isfinite(before) && std::isfinite(recent)) || recent >= 0.99 * before ||
      before - recent <= 1e-4 * double(k))
    return std::nullopt;
  return "warning: not converged: " + key + " was still falling when training ended (" + number(before) +
         " → " + number(recent) + " in the last " + std::to_string(k) + " epoch" + (k == 1 ? "" : "s") +
         "); more --epochs or a larger --lr may help";
}

std::optional<std::string> trivial_predictor_warning(Sequential& model, const Matrix& train_y,
                                                     const Matrix& y, Task task, const Logs& scores,
                                                     const std::string& data_name) {
  if (y.cols() == 0 || train_y.cols() == 0) return std::nullopt;
  if (task == Task::Classify && scores.count("accuracy")) {
    // Always the most frequent class of the training targets.
    const std::vector<Index> train_classes = predicted_classes(view(train_y));
    const Index classes = std::max<Index>(train_y.rows(), 2);
    std::vector<Index> count(std::size_t(classes), 0);
    for (Index c : train_classes) ++count[std::size_t(c)];
    const Index majority = Index(std::max_element(count.begin(), count.end()) - count.begin());
    const std::vector<Index> eval_classes = predicted_classes(view(y));
    const double trivial =
        double(std::count(eval_classes.begin(), eval_classes.end(), majority)) / double(eval_classes.size());
    if (scores.at("accuracy") > trivial) return std::nullopt;
    return "warning: on the " + data_name + " the network is no better than always answering the most " +
           "frequent class (accuracy " + number(scores.at("accuracy")) + " against " + number(trivial) +
           "); more --epochs, another --lr or more hidden units may help";
  }
  if (task == Task::Classify) return std::nullopt;
  // Always the mean of each training target, scored with the model's own loss.
  const Matrix mean = train_y.rowwise().mean();
  const Matrix constant = mean.replicate(1, y.cols());
  const double trivial = model.loss().value(view(constant), view(y));
  if (scores.at("loss") < trivial) return std::nullopt;
  return "warning: on the " + data_name + " the network is no better than always predicting the mean" +
         (y.rows() > 1 ? " of each target" : std::string()) + " (loss " + number(scores.at("loss")) +
         " against " + number(trivial) + "); more --epochs, another --lr or more hidden units may help";
}

}  // namespace fathom::cli

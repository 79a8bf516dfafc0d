// Callbacks on their own: EarlyStopping, ModelCheckpoint, ReduceLROnPlateau and ConvergenceStop
// driven with hand-made logs (exact control over the monitored values), CSVLogger, ProgressLogger and
// LearningRateScheduler inside real fits.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "fathom/fathom.hpp"

using namespace fathom;
namespace fs = std::filesystem;

namespace {

// A small compiled model: the callbacks only need its weights, its optimizer and stop_training.
Sequential small_model(Scalar learning_rate = 0.1f) {
  Sequential model(2, 7);
  model.add(Dense(3, "tanh"));
  model.add(Dense(1));
  model.compile({.loss = "mse", .optimizer = SGD({.learning_rate = learning_rate})});
  return model;
}

// Regression data: y = x0 − 2·x1 on 20 samples.
void line_data(Matrix& x, Matrix& y) {
  Rng rng(3);
  x.resize(2, 20);
  y.resize(1, 20);
  for (Index j = 0; j < 20; ++j) {
    x(0, j) = Scalar(rng.uniform(-1, 1));
    x(1, j) = Scalar(rng.uniform(-1, 1));
    y(0, j) = x(0, j) - 2 * x(1, j);
  }
}

std::vector<float> weights_of(const Sequential& model) {
  auto w = model.parameters().values();
  return {w.begin(), w.end()};
}

// Every weight set to `value`: makes the weights of each epoch recognisable.
void fill_weights(Sequential& model, float value) {
  for (Scalar& w : model.parameters().values()) w = value;
}

// Plays fit()'s part: on_train_begin, then one on_epoch_end per value (under `key`) until a
// callback sets stop_training, then on_train_end. Returns the number of epochs run.
int drive(Callback& cb, Sequential& model, const std::vector<double>& values,
          const std::string& key = "val_loss") {
  model.stop_training = false;
  cb.on_train_begin(model);
  int epoch = 0;
  for (; epoch < int(values.size()) && !model.stop_training; ++epoch) {
    cb.on_epoch_end(model, epoch, Logs{{"loss", 1.0}, {key, values[std::size_t(epoch)]}});
  }
  cb.on_train_end(model);
  return epoch;
}

// A fresh, empty folder under the system's temp folder, removed when the test ends.
struct TempDir {
  fs::path path;
  explicit TempDir(const std::string& name) {
    // The pid keeps concurrent runs of the suite (ctest -j, two checkouts) apart.
    path = fs::temp_directory_path() / ("fathom_" + name + "_" + std::to_string(::getpid()));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  std::vector<std::string> files() const {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(path)) names.push_back(e.path().filename().string());
    return names;
  }
};

std::vector<std::string> read_lines(std::istream&& in) {
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}
std::vector<std::string> read_lines(const fs::path& path) { return read_lines(std::ifstream(path)); }

std::vector<std::string> split_csv(const std::string& line) {
  std::vector<std::string> cells;
  std::stringstream ss(line);
  for (std::string cell; std::getline(ss, cell, ',');) cells.push_back(cell);
  return cells;
}

}  // namespace

// --- EarlyStopping ---

TEST(EarlyStopping, PatienceOneStopsAtTheFirstBadEpoch) {
  Sequential model = small_model();
  EarlyStopping stop({.patience = 1});
  // Improves for 3 epochs (best at epoch 2), then worsens.
  const int ran = drive(stop, model, {1.0, 0.9, 0.8, 0.85, 0.86, 0.87, 0.88});
  EXPECT_TRUE(model.stop_training);
  EXPECT_EQ(stop.best_epoch(), 2);
  EXPECT_EQ(stop.stopped_epoch(), stop.best_epoch() + 1);
  EXPECT_EQ(ran, 4);
  EXPECT_DOUBLE_EQ(stop.best(), 0.8);
}

TEST(EarlyStopping, PatienceThreeWaitsThreeBadEpochs) {
  Sequential model = small_model();
  EarlyStopping stop({.patience = 3});
  drive(stop, model, {1.0, 0.9, 0.8, 0.85, 0.86, 0.87, 0.88});
  EXPECT_EQ(stop.best_epoch(), 2);
  EXPECT_EQ(stop.stopped_epoch(), stop.best_epoch() + 3);
}

TEST(EarlyStopping, PatienceZeroActsAsOne) {
  // Keras: wait >= patience after incrementing wait, so 0 and 1 both stop at the first bad epoch.
  Sequential model = small_model();
  EarlyStopping stop({.patience = 0});
  drive(stop, model, {1.0, 0.9, 0.95, 0.99});
  EXPECT_EQ(stop.best_epoch(), 1);
  EXPECT_EQ(stop.stopped_epoch(), 2);
}

TEST(EarlyStopping, AnImprovementResetsTheWait) {
  Sequential model = small_model();
  EarlyStopping stop({.patience = 2});
  // Epoch 1 is bad (wait 1), epoch 2 improves (wait 0), epochs 3 and 4 are bad: stops at 4.
  drive(stop, model, {1.0, 1.1, 0.9, 1.0, 1.0, 1.0});
  EXPECT_EQ(stop.best_epoch(), 2);
  EXPECT_EQ(stop.stopped_epoch(), 4);
}

TEST(EarlyStopping, NeverStopsWhileImproving) {
  Sequential model = small_model();
  EarlyStopping stop({.patience = 1});
  EXPECT_EQ(drive(stop, model, {5, 4, 3, 2, 1}), 5);
  EXPECT_FALSE(model.stop_training);
  EXPECT_EQ(stop.stopped_epoch(), -1);
  EXPECT_EQ(stop.best_epoch(), 4);
}

TEST(EarlyStopping, ImprovementsSmallerThanMinDeltaDoNotCount) {
  Sequential model = small_model();
  EarlyStopping stop({.patience = 3, .min_delta = 0.1});
  // 0.95 and 0.92 are better than 1.0 but by less than 0.1: they count as bad epochs, so the
  // wait reaches 3 at epoch 3 and the best stays epoch 0.
  drive(stop, model, {1.0, 0.95, 0.92, 0.91, 0.5});
  EXPECT_EQ(stop.best_epoch(), 0);
  EXPECT_DOUBLE_EQ(stop.best(), 1.0);
  EXPECT_EQ(stop.stopped_epoch(), 3);
}

TEST(EarlyStopping, AnImprovementBiggerThanMinDeltaCounts) {
  Sequential model = small_model();
  EarlyStopping stop({.patience = 3, .min_delta = 0.1});
  // 0.85 beats 1.0 by 0.15: new best at epoch 2. Then 0.80, 0.78, 0.76 beat 0.85 by < 0.1.
  drive(stop, model, {1.0, 0.95, 0.85, 0.80, 0.78, 0.76, 0.1});
  EXPECT_EQ(stop.best_epoch(), 2);
  EXPECT_DOUBLE_EQ(stop.best(), 0.85);
  EXPECT_EQ(stop.stopped_epoch(), 5);
}

TEST(EarlyStopping, ModeMaxStopsWhenTheValueFalls) {
  Sequential model = small_model();
  // "score" is neither the loss nor a metric: auto mode cannot tell its direction; "max" says it.
  EarlyStopping stop({.monitor = "score", .patience = 1, .mode = "max"});
  drive(stop, model, {0.5, 0.7, 0.6, 0.9}, "score");
  EXPECT_EQ(stop.best_epoch(), 1);
  EXPECT_DOUBLE_EQ(stop.best(), 0.7);
  EXPECT_EQ(stop.stopped_epoch(), 2);

  EarlyStopping min_stop({.monitor = "score", .patience = 1, .mode = "min"});
  drive(min_stop, model, {0.5, 0.7, 0.6, 0.9}, "score");
  EXPECT_EQ(min_stop.best_epoch(), 0);
  EXPECT_EQ(min_stop.stopped_epoch(), 1);
}

TEST(EarlyStopping, AutoModeMaximisesAccuracy) {
  Sequential model = small_model();
  EarlyStopping stop({.monitor = "val_accuracy", .patience = 1});
  drive(stop, model, {0.5, 0.75, 0.8, 0.7}, "val_accuracy");
  EXPECT_EQ(stop.best_epoch(), 2);
  EXPECT_EQ(stop.stopped_epoch(), 3);
}

// Auto mode asks the metric itself (Metric::higher_is_better), whatever the key's spelling.
TEST(EarlyStopping, AutoModeTakesTheMetricsOwnDirection) {
  EXPECT_FALSE(monitor_higher_is_better("loss"));
  EXPECT_FALSE(monitor_higher_is_better("val_loss"));
  for (const std::string& name : metric_names()) {
    EXPECT_EQ(monitor_higher_is_better("val_" + name), make_metric(name)->higher_is_better()) << name;
  }
  EXPECT_TRUE(monitor_higher_is_better("val_binary_accuracy(0.3)"));
  EXPECT_FALSE(monitor_higher_is_better("val_mse"));
  EXPECT_THROW(EarlyStopping({.monitor = "score"}), InvalidArgument);
  EXPECT_THROW(EarlyStopping({.monitor = "lr"}), InvalidArgument);
}

TEST(EarlyStopping, RestoresBestWeightsEvenWithoutStoppingEarly) {
  // Keras 3: restore_best_weights acts at the end of training whether or not it stopped early.
  Sequential model = small_model();
  EarlyStopping stop({.patience = 5, .restore_best_weights = true});
  const std::vector<double> values = {1.0, 0.5, 0.7, 0.8};
  std::vector<std::vector<float>> recorded;
  model.stop_training = false;
  stop.on_train_begin(model);
  for (int epoch = 0; epoch < int(values.size()); ++epoch) {
    fill_weights(model, 1.0f + float(epoch));  // distinct weights each epoch
    recorded.push_back(weights_of(model));
    stop.on_epoch_end(model, epoch, Logs{{"val_loss", values[std::size_t(epoch)]}});
  }
  EXPECT_FALSE(model.stop_training);
  EXPECT_EQ(stop.stopped_epoch(), -1);
  EXPECT_EQ(weights_of(model), recorded[3]);  // not restored before the end
  stop.on_train_end(model);
  EXPECT_EQ(stop.best_epoch(), 1);
  EXPECT_EQ(weights_of(model), recorded[1]);
}

TEST(EarlyStopping, RestoresBestWeightsInARealFitThatRunsToTheEnd) {
  // Training targets that the model can fit, validation targets of the opposite sign: the
  // validation loss is best early; patience large enough that all epochs run.
  Rng rng(5);
  Matrix x(1, 40), y(1, 40), xv(1, 10), yv(1, 10);
  for (Index j = 0; j < 40; ++j) x(0, j) = Scalar(rng.uniform(-1, 1)), y(0, j) = 2 * x(0, j);
  for (Index j = 0; j < 10; ++j) xv(0, j) = Scalar(rng.uniform(-1, 1)), yv(0, j) = -2 * xv(0, j);
  Sequential model(1, 4);
  model.add(Dense({.units = 1, .kernel_initializer = Initializer::constant(0)}));
  model.compile({.loss = "mse", .optimizer = SGD({.learning_rate = 0.05f})});
  EarlyStopping stop({.patience = 100, .restore_best_weights = true});
  std::vector<std::vector<float>> per_epoch;
  LambdaCallback record([&](Sequential& m, int, const Logs&) { per_epoch.push_back(weights_of(m)); });
  const History h = model.fit(x, y,
                              {.epochs = 8,
                               .batch_size = 8,
                               .validation_x = &xv,
                               .validation_y = &yv,
                               .callbacks = {&record, &stop}});
  ASSERT_EQ(h.size(), 8u);
  EXPECT_EQ(stop.stopped_epoch(), -1);
  ASSERT_GE(stop.best_epoch(), 0);
  ASSERT_LT(stop.best_epoch(), 7);  // otherwise restoring would be invisible
  EXPECT_EQ(weights_of(model), per_epoch.at(std::size_t(stop.best_epoch())));
  EXPECT_NE(weights_of(model), per_epoch.back());
}

TEST(EarlyStopping, AbsentKeyThrowsListingTheAvailableKeys) {
  Sequential model = small_model();
  EarlyStopping stop({.monitor = "val_loss"});
  stop.on_train_begin(model);
  try {
    stop.on_epoch_end(model, 0, Logs{{"loss", 1.0}, {"lr", 0.1}});
    FAIL() << "expected InvalidArgument";
  } catch (const InvalidArgument& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("val_loss"), std::string::npos) << what;
    EXPECT_NE(what.find("loss, lr"), std::string::npos) << what;
  }
}

TEST(EarlyStopping, RejectsInvalidOptions) {
  EXPECT_THROW(EarlyStopping({.patience = -1}), InvalidArgument);
  EXPECT_THROW(EarlyStopping({.min_delta = -0.1}), InvalidArgument);
  EXPECT_THROW(EarlyStopping({.mode = "maximum"}), InvalidArgument);
}

// --- ModelCheckpoint ---

TEST(ModelCheckpoint, SaveBestOnlyKeepsTheLastImprovement) {
  TempDir dir("ckpt_best");
  const std::string path = (dir.path / "model.fathom").string();
  Sequential model = small_model();
  ModelCheckpoint ckpt({.path = path});
  const std::vector<double> val_loss = {0.5, 0.4, 0.6, 0.3};
  const std::vector<int> expected_saved_epoch = {0, 1, 1, 3};  // epoch 2 (0.6) is worse: not saved
  std::vector<std::vector<float>> recorded;
  ckpt.on_train_begin(model);
  for (int epoch = 0; epoch < 4; ++epoch) {
    fill_weights(model, 0.25f * float(epoch + 1));
    recorded.push_back(weights_of(model));
    ckpt.on_epoch_end(model, epoch, Logs{{"loss", 1.0}, {"val_loss", val_loss[std::size_t(epoch)]}});
    const Sequential loaded = load_model(path);  // a valid model file after every save
    EXPECT_EQ(weights_of(loaded), recorded[std::size_t(expected_saved_epoch[std::size_t(epoch)])])
        << "epoch " << epoch;
  }
  EXPECT_EQ(ckpt.saves(), 3);
  EXPECT_EQ(dir.files(), std::vector<std::string>{"model.fathom"});  // no temp files left behind
}

TEST(ModelCheckpoint, AnEqualValueIsNotAnImprovement) {
  TempDir dir("ckpt_equal");
  Sequential model = small_model();
  ModelCheckpoint ckpt({.path = (dir.path / "m.fathom").string()});
  drive(ckpt, model, {0.5, 0.5, 0.5});
  EXPECT_EQ(ckpt.saves(), 1);
}

TEST(ModelCheckpoint, ModeMaxSavesWhenAccuracyRises) {
  TempDir dir("ckpt_max");
  Sequential model = small_model();
  ModelCheckpoint ckpt({.path = (dir.path / "m.fathom").string(), .monitor = "val_accuracy"});
  drive(ckpt, model, {0.5, 0.4, 0.6, 0.6, 0.7}, "val_accuracy");
  EXPECT_EQ(ckpt.saves(), 3);  // epochs 0, 2, 4
}

TEST(ModelCheckpoint, SaveEveryEpochWhenNotBestOnly) {
  TempDir dir("ckpt_all");
  const std::string path = (dir.path / "model.fathom").string();
  Sequential model = small_model();
  ModelCheckpoint ckpt({.path = path, .save_best_only = false});
  std::vector<float> last;
  for (int epoch = 0; epoch < 4; ++epoch) {
    fill_weights(model, 0.5f - 0.125f * float(epoch));
    last = weights_of(model);
    // No monitored key at all: save_best_only = false must not need it.
    ckpt.on_epoch_end(model, epoch, Logs{{"loss", 1.0}});
    EXPECT_EQ(weights_of(load_model(path)), last) << "epoch " << epoch;
  }
  EXPECT_EQ(ckpt.saves(), 4);
  EXPECT_EQ(dir.files(), std::vector<std::string>{"model.fathom"});
}

TEST(ModelCheckpoint, InsideARealFitWritesALoadableModel) {
  TempDir dir("ckpt_fit");
  const std::string path = (dir.path / "model.fathom").string();
  Matrix x, y;
  line_data(x, y);
  Sequential model = small_model();
  ModelCheckpoint ckpt({.path = path, .save_best_only = false});
  model.fit(x, y, {.epochs = 3, .batch_size = 5, .validation_split = 0.25, .callbacks = {&ckpt}});
  EXPECT_EQ(ckpt.saves(), 3);
  Sequential loaded = load_model(path);
  EXPECT_EQ(weights_of(loaded), weights_of(model));
  EXPECT_EQ(loaded.predict(x), model.predict(x));
  EXPECT_EQ(dir.files(), std::vector<std::string>{"model.fathom"});
}

// --- CSVLogger ---

TEST(CSVLogger, HeaderSortedKeysAndOneRowPerEpoch) {
  TempDir dir("csv");
  const fs::path path = dir.path / "log.csv";
  Matrix x, y;
  line_data(x, y);
  Sequential model = small_model();
  CSVLogger csv(path.string());
  std::ostringstream text;  // the stream form (the CLI's --log) writes the same text
  CSVLogger to_stream(text);
  const History h = model.fit(
      x, y, {.epochs = 3, .batch_size = 5, .validation_split = 0.25, .callbacks = {&csv, &to_stream}});
  std::ifstream in(path);
  EXPECT_EQ(text.str(), std::string(std::istreambuf_iterator<char>(in), {}));

  const auto lines = read_lines(path);
  ASSERT_EQ(lines.size(), 4u);
  // epoch first, then the logs' keys in sorted (std::map) order.
  EXPECT_EQ(lines[0], "epoch,loss,lr,val_loss");
  for (std::size_t e = 0; e < 3; ++e) {
    const auto cells = split_csv(lines[e + 1]);
    ASSERT_EQ(cells.size(), 4u) << lines[e + 1];
    EXPECT_EQ(cells[0], std::to_string(e));
    const double loss = std::stod(cells[1]), val_loss = std::stod(cells[3]);
    EXPECT_NEAR(loss, h["loss"][e], 1e-6 * std::abs(h["loss"][e])) << "epoch " << e;
    EXPECT_NEAR(val_loss, h["val_loss"][e], 1e-6 * std::abs(h["val_loss"][e])) << "epoch " << e;
    EXPECT_NEAR(std::stod(cells[2]), 0.1, 1e-7);
  }
}

TEST(CSVLogger, AppendAddsRowsWithoutASecondHeader) {
  TempDir dir("csv_append");
  const fs::path path = dir.path / "log.csv";
  Matrix x, y;
  line_data(x, y);
  Sequential model = small_model();
  CSVLogger first(path.string());
  model.fit(x, y, {.epochs = 3, .batch_size = 5, .validation_split = 0.25, .callbacks = {&first}});
  CSVLogger resumed(path.string(), /*append=*/true);
  model.fit(
      x, y,
      {.epochs = 5, .batch_size = 5, .validation_split = 0.25, .callbacks = {&resumed}, .initial_epoch = 3});

  const auto lines = read_lines(path);
  ASSERT_EQ(lines.size(), 1u + 3u + 2u);
  EXPECT_EQ(lines[0], "epoch,loss,lr,val_loss");
  int headers = 0;
  for (const auto& line : lines) headers += line.rfind("epoch", 0) == 0;
  EXPECT_EQ(headers, 1);
  for (std::size_t i = 1; i < lines.size(); ++i) EXPECT_EQ(split_csv(lines[i]).at(0), std::to_string(i - 1));

  // Without append the file starts over.
  CSVLogger fresh(path.string());
  model.fit(x, y, {.epochs = 1, .batch_size = 5, .validation_split = 0.25, .callbacks = {&fresh}});
  EXPECT_EQ(read_lines(path).size(), 2u);
}

TEST(CSVLogger, AppendToAMissingFileWritesTheHeader) {
  TempDir dir("csv_append_new");
  const fs::path path = dir.path / "new.csv";
  Matrix x, y;
  line_data(x, y);
  Sequential model = small_model();
  CSVLogger csv(path.string(), /*append=*/true);
  model.fit(x, y, {.epochs = 2, .batch_size = 5, .callbacks = {&csv}});
  const auto lines = read_lines(path);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0], "epoch,loss,lr");
}

// --- ProgressLogger ---

TEST(ProgressLogger, EveryNthEpochCountedFromOneOutOfTheTotal) {
  Matrix x, y;
  line_data(x, y);
  Sequential model = small_model();
  std::ostringstream text;
  ProgressLogger progress(text, {.every = 2, .epochs = 10});
  model.fit(x, y, {.epochs = 4, .batch_size = 5, .validation_split = 0.25, .callbacks = {&progress}});
  const auto lines = read_lines(std::istringstream(text.str()));
  ASSERT_EQ(lines.size(), 2u) << text.str();
  EXPECT_EQ(lines[0].rfind("epoch  2/10  loss ", 0), 0u) << lines[0];
  EXPECT_EQ(lines[1].rfind("epoch  4/10  loss ", 0), 0u) << lines[1];
  for (const auto& line : lines) {
    EXPECT_NE(line.find("  val_loss "), std::string::npos) << line;
    EXPECT_EQ(line.find("lr"), std::string::npos) << "the rate is not a result: " << line;
    EXPECT_EQ(line.back(), ')') << line;
  }
  EXPECT_THROW(ProgressLogger(text, 0), InvalidArgument);
}

TEST(ProgressLogger, LiveBarOverwritesItselfAndEndsWithTheLastEpoch) {
  Matrix x, y;
  line_data(x, y);
  Sequential model = small_model();
  std::ostringstream text;
  ProgressLogger progress(text, {.epochs = 3, .live_bar = true});
  model.fit(x, y, {.epochs = 3, .batch_size = 5, .callbacks = {&progress}});
  const std::string out = text.str();
  EXPECT_EQ(out.rfind("\r\033[Kepoch 1/3", 0), 0u) << out;
  EXPECT_NE(out.find("] 2/3  ETA "), std::string::npos) << out;
  EXPECT_EQ(out.find("] 3/3"), std::string::npos) << "no bar after the last epoch: " << out;
  EXPECT_EQ(out.back(), '\n') << out;
}

// --- ReduceLROnPlateau ---

namespace {
// The learning rate after each epoch's on_epoch_end, for a constant (never improving) value
// after the first epoch.
std::vector<float> lr_per_epoch(ReduceLROnPlateau& cb, Sequential& model, const std::vector<double>& values) {
  std::vector<float> lrs;
  cb.on_train_begin(model);
  for (int epoch = 0; epoch < int(values.size()); ++epoch) {
    cb.on_epoch_end(model, epoch, Logs{{"loss", 1.0}, {"val_loss", values[std::size_t(epoch)]}});
    lrs.push_back(model.optimizer().learning_rate());
  }
  return lrs;
}
void expect_lrs(const std::vector<float>& got, const std::vector<float>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < got.size(); ++i) EXPECT_FLOAT_EQ(got[i], want[i]) << "epoch " << i;
}
}  // namespace

TEST(ReduceLROnPlateau, ReducesAfterPatienceAndStopsAtMinLr) {
  Sequential model = small_model(1.0f);
  ReduceLROnPlateau cb({.factor = 0.5, .patience = 2, .min_delta = 0, .min_lr = 0.2});
  // Best at epoch 0, then a plateau: reduce at epochs 2, 4, 6 (0.125 clamps to min_lr 0.2), then hold.
  const auto lrs = lr_per_epoch(cb, model, std::vector<double>(10, 1.0));
  expect_lrs(lrs, {1, 1, 0.5f, 0.5f, 0.25f, 0.25f, 0.2f, 0.2f, 0.2f, 0.2f});
}

TEST(ReduceLROnPlateau, AnImprovementResetsTheWait) {
  Sequential model = small_model(1.0f);
  ReduceLROnPlateau cb({.factor = 0.5, .patience = 2, .min_delta = 0});
  // Epoch 1 bad, epoch 2 improves, epochs 3 and 4 bad: the only reduction is at epoch 4.
  const auto lrs = lr_per_epoch(cb, model, {1.0, 1.0, 0.9, 0.9, 0.95, 0.8});
  expect_lrs(lrs, {1, 1, 1, 1, 0.5f, 0.5f});
}

TEST(ReduceLROnPlateau, MinDeltaDecidesWhatCountsAsBetter) {
  Sequential model = small_model(1.0f);
  ReduceLROnPlateau cb({.factor = 0.5, .patience = 1, .min_delta = 0.1});
  // 0.95 is better than 1.0 by less than 0.1: a bad epoch, so it reduces at once.
  const auto lrs = lr_per_epoch(cb, model, {1.0, 0.95, 0.5});
  expect_lrs(lrs, {1, 0.5f, 0.5f});
}

TEST(ReduceLROnPlateau, CooldownPausesTheCounting) {
  // Without cooldown, patience 1 reduces at every bad epoch.
  Sequential plain = small_model(1.0f);
  ReduceLROnPlateau no_cooldown({.factor = 0.5, .patience = 1, .min_delta = 0});
  expect_lrs(lr_per_epoch(no_cooldown, plain, std::vector<double>(5, 1.0)),
             {1, 0.5f, 0.25f, 0.125f, 0.0625f});
  // Keras semantics with cooldown 2: the counter is decremented at the start of each epoch and
  // the epoch where it reaches 0 counts again, so reductions come every second epoch here.
  Sequential model = small_model(1.0f);
  ReduceLROnPlateau cb({.factor = 0.5, .patience = 1, .min_delta = 0, .cooldown = 2});
  expect_lrs(lr_per_epoch(cb, model, std::vector<double>(6, 1.0)), {1, 0.5f, 0.5f, 0.25f, 0.25f, 0.125f});
}

TEST(ReduceLROnPlateau, ChangesTheRateUsedByFit) {
  Matrix x, y;
  line_data(x, y);
  Sequential model = small_model(0.1f);
  // A monitor that cannot improve by 10: every epoch after the first is a plateau.
  ReduceLROnPlateau cb({.monitor = "loss", .factor = 0.5, .patience = 1, .min_delta = 10});
  const History h = model.fit(x, y, {.epochs = 4, .batch_size = 5, .callbacks = {&cb}});
  // "lr" is logged before the callbacks of the epoch run: epoch e logs the rate it trained with.
  ASSERT_EQ(h["lr"].size(), 4u);
  EXPECT_FLOAT_EQ(float(h["lr"][0]), 0.1f);
  EXPECT_FLOAT_EQ(float(h["lr"][1]), 0.1f);
  EXPECT_FLOAT_EQ(float(h["lr"][2]), 0.05f);
  EXPECT_FLOAT_EQ(float(h["lr"][3]), 0.025f);
  EXPECT_FLOAT_EQ(model.optimizer().learning_rate(), 0.0125f);
}

// --- LearningRateScheduler ---

TEST(LearningRateScheduler, ResumedFitScheduleStartsFromTheInitialRate) {
  Matrix x, y;
  line_data(x, y);
  Sequential model = small_model(0.1f);
  LearningRateScheduler sched(Schedule::step(0.5, 1));
  std::vector<std::pair<int, float>> seen;  // (epoch, rate the epoch trained with)
  LambdaCallback record([&](Sequential& m, int epoch, const Logs&) {
    seen.emplace_back(epoch, m.optimizer().learning_rate());
  });
  const History h1 = model.fit(x, y, {.epochs = 3, .batch_size = 5, .callbacks = {&sched, &record}});
  const History h2 =
      model.fit(x, y, {.epochs = 5, .batch_size = 5, .callbacks = {&sched, &record}, .initial_epoch = 3});
  ASSERT_EQ(seen.size(), 5u);
  for (int e = 0; e < 5; ++e) {
    EXPECT_EQ(seen[std::size_t(e)].first, e);
    // 0.1 · 0.5^epoch: not 0.025 · 0.5^epoch, which a schedule from the current rate would give.
    EXPECT_FLOAT_EQ(seen[std::size_t(e)].second, float(0.1 * std::pow(0.5, e))) << "epoch " << e;
  }
  EXPECT_FLOAT_EQ(float(h1["lr"][2]), 0.025f);
  EXPECT_FLOAT_EQ(float(h2["lr"][0]), 0.0125f);
  EXPECT_FLOAT_EQ(float(h2["lr"][1]), 0.00625f);
}

TEST(LearningRateScheduler, ResumeFromAModelFileStartsFromTheInitialRate) {
  TempDir dir("sched_resume");
  const std::string path = (dir.path / "model.fathom").string();
  Matrix x, y;
  line_data(x, y);
  Sequential model = small_model(0.1f);
  LearningRateScheduler sched(Schedule::step(0.5, 1));
  model.fit(x, y, {.epochs = 3, .batch_size = 5, .callbacks = {&sched}});
  save_model(model, path);
  Sequential loaded = load_model(path);
  EXPECT_FLOAT_EQ(loaded.optimizer().learning_rate(), 0.025f);
  EXPECT_FLOAT_EQ(loaded.optimizer().initial_learning_rate(), 0.1f);
  LearningRateScheduler sched2(Schedule::step(0.5, 1));
  const History h =
      loaded.fit(x, y, {.epochs = 5, .batch_size = 5, .callbacks = {&sched2}, .initial_epoch = 3});
  EXPECT_FLOAT_EQ(float(h["lr"][0]), 0.0125f);
  EXPECT_FLOAT_EQ(float(h["lr"][1]), 0.00625f);
}

// --- ConvergenceStop ---

TEST(ConvergenceStop, PatienceTwoNeedsTwoConsecutiveCalmEpochs) {
  Sequential model = small_model();
  ConvergenceStop conv({.monitor = "loss", .tolerance = 1e-3, .patience = 2});
  // Calm at 2 (|Δ| 1e-4), not at 3 (Δ 0.5): the count restarts; calm at 4 and 5: stops at 5.
  const std::vector<double> values = {1.0, 0.5, 0.5001, 1.0001, 1.0002, 1.0003, 1.0004};
  model.stop_training = false;
  conv.on_train_begin(model);
  int epoch = 0;
  for (; epoch < int(values.size()) && !model.stop_training; ++epoch) {
    conv.on_epoch_end(model, epoch, Logs{{"loss", values[std::size_t(epoch)]}});
  }
  EXPECT_TRUE(model.stop_training);
  EXPECT_EQ(conv.stopped_epoch(), 5);
  EXPECT_EQ(epoch, 6);
}

TEST(ConvergenceStop, PatienceOneStopsAtTheFirstCalmEpoch) {
  Sequential model = small_model();
  ConvergenceStop conv({.monitor = "val_loss", .tolerance = 1e-3, .patience = 1});
  drive(conv, model, {1.0, 0.9, 0.8995, 0.8});
  EXPECT_EQ(conv.stopped_epoch(), 2);
}

TEST(ConvergenceStop, TheFirstEpochIsNeverCalmAndTrainBeginResets) {
  Sequential model = small_model();
  ConvergenceStop conv({.monitor = "val_loss", .tolerance = 1e-3, .patience = 1});
  drive(conv, model, {1.0, 0.5});
  EXPECT_EQ(conv.stopped_epoch(), -1);
  // A new fit must not compare its first value with the last one of the previous fit.
  drive(conv, model, {0.5, 0.1});
  EXPECT_EQ(conv.stopped_epoch(), -1);
  EXPECT_FALSE(model.stop_training);
}

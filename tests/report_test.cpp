// The HTML report (fathom/report/report.hpp): one file, written atomically, with nothing that
// points outside it, Chart.js inlined, and a JSON block holding what each kind of model needs.
// The rendering itself is checked in a real browser by the browser tests.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "fathom/fathom.hpp"
#include "scratch_dir.hpp"

namespace {

using fathom::Index;
using fathom::Matrix;
using fathom::ReportData;
using fathom::Sequential;
using json = nlohmann::json;

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// The text of the JSON block, exactly as the page's script reads it.
std::string json_text(const std::string& html) {
  const std::string open = R"(<script type="application/json" id="fathom-data">)";
  const std::size_t start = html.find(open);
  EXPECT_NE(start, std::string::npos);
  const std::size_t end = html.find("</script>", start);
  EXPECT_NE(end, std::string::npos);
  return html.substr(start + open.size(), end - start - open.size());
}

json blob(const std::string& html) { return json::parse(json_text(html)); }

// Three classes in 4 inputs, separable: class c sits around (c, −c, 2c, 0).
void blobs(Index n, Matrix& x, Matrix& y) {
  fathom::Rng rng(7);
  x.resize(4, n);
  y.setZero(3, n);
  for (Index j = 0; j < n; ++j) {
    const int c = int(j % 3);
    const float centre[4] = {float(c), float(-c), float(2 * c), 0.f};
    for (Index i = 0; i < 4; ++i) x(i, j) = centre[i] + 0.3f * float(rng.normal());
    y(c, j) = 1;
  }
}

Sequential trained_classifier(const Matrix& x, const Matrix& y) {
  Sequential model(4, 3);
  model.add(fathom::Dense(8, "tanh"));
  model.add(fathom::Dense(3, "softmax"));
  model.compile(
      {.loss = "cce", .optimizer = fathom::Adam({.learning_rate = 0.05f}), .metrics = {"accuracy"}});
  model.info.task = "classify";
  model.info.class_names = {"setosa", "versicolor", "virginica"};
  model.info.feature_names = {"a", "b", "c", "d"};
  model.fit(x, y, {.epochs = 15, .batch_size = 16, .validation_split = 0.2});
  return model;
}

TEST(Report, IsOneFileWrittenAtomically) {
  Matrix x, y;
  blobs(60, x, y);
  const Sequential model = trained_classifier(x, y);
  fathom::testing::ScratchDir dir;
  const std::string path = dir.file("report.html");
  fathom::write_report(model, {.x = &x, .y = &y, .data_name = "blobs"}, path);
  const std::string html = read_all(path);
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_EQ(html, fathom::render_report(model, {.x = &x, .y = &y, .data_name = "blobs"}));
  // Only the report in the folder: no temporary file left behind.
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()), {}), 1);
  // As model files: a read-only report is replaced only when asked, and stays whole otherwise.
  ASSERT_EQ(::chmod(path.c_str(), 0444), 0);
  if (::access(path.c_str(), W_OK) != 0) {  // not root
    EXPECT_THROW(fathom::write_report(model, {}, path), fathom::FileError);
    EXPECT_EQ(read_all(path), html);
    fathom::write_report(model, {}, path, {.replace_read_only = true});
    EXPECT_TRUE(blob(read_all(path))["data"].is_null());
  }
}

TEST(Report, PointsNowhereOutsideItselfAndInlinesChartJs) {
  Matrix x, y;
  blobs(30, x, y);
  const std::string html = fathom::render_report(trained_classifier(x, y), {.x = &x, .y = &y});
  EXPECT_NE(html.find("Chart.js v3.9"), std::string::npos) << "Debian's Chart.js 3.9 is inlined";
  EXPECT_NE(html.find("Content-Security-Policy\" content=\"default-src 'none'; script-src 'unsafe-inline'; "
                      "style-src 'unsafe-inline'; img-src data:\""),
            std::string::npos);
  // No attribute loads anything: every script and style is inline.
  EXPECT_FALSE(std::regex_search(html, std::regex(R"(\s(src|href|srcset|action)\s*=)", std::regex::icase)));
  EXPECT_EQ(html.find("<link"), std::string::npos);
  EXPECT_EQ(html.find("@import"), std::string::npos);
  // URLs appear only in Chart.js's licence banners (/*! ... */) and as the SVG namespace name,
  // which names a namespace and is never fetched.
  std::string rest = html;
  for (std::size_t at = rest.find("/*!"); at != std::string::npos; at = rest.find("/*!", at)) {
    const std::size_t end = rest.find("*/", at);
    ASSERT_NE(end, std::string::npos);
    rest.erase(at, end + 2 - at);
  }
  const std::string svg = "'http://www.w3.org/2000/svg'";
  for (std::size_t at = rest.find(svg); at != std::string::npos; at = rest.find(svg))
    rest.erase(at, svg.size());
  EXPECT_EQ(rest.find("http://"), std::string::npos);
  EXPECT_EQ(rest.find("https://"), std::string::npos);
  EXPECT_EQ(rest.find("//cdn"), std::string::npos);
}

TEST(Report, ClassifierHoldsTheConfusionMatrixAndScoresOfItsData) {
  Matrix x, y;
  blobs(90, x, y);
  const Sequential model = trained_classifier(x, y);
  const json j = blob(fathom::render_report(model, {.x = &x, .y = &y, .data_name = "--data blobs.csv"}));

  const json& net = j["network"];
  EXPECT_EQ(net["input_dim"], 4);
  ASSERT_EQ(net["layers"].size(), 2u);
  EXPECT_EQ(net["layers"][0]["units"], 8);
  EXPECT_EQ(net["layers"][0]["activation"], "tanh");
  EXPECT_EQ(net["layers"][0]["parameters"], 4 * 8 + 8);
  EXPECT_EQ(net["parameters"], 4 * 8 + 8 + 8 * 3 + 3);
  EXPECT_EQ(net["optimizer"]["name"], "adam");
  EXPECT_EQ(net["loss"], model.loss().display_name());

  const json& h = j["history"];
  EXPECT_EQ(h["epochs"].size(), 15u);
  for (const std::string key : {"loss", "val_loss", "accuracy", "val_accuracy", "lr"}) {
    ASSERT_TRUE(h["series"].contains(key)) << key;
    EXPECT_EQ(h["series"][key].size(), 15u) << key;
  }
  EXPECT_EQ(h["best_key"], "val_loss");
  const auto& val = model.history["val_loss"];
  const auto best = std::min_element(val.begin(), val.end()) - val.begin();
  EXPECT_EQ(h["best_epoch"], model.history.epochs[std::size_t(best)]);
  EXPECT_EQ(h["stopped_epoch"], -1);

  const json& d = j["data"];
  EXPECT_EQ(d["description"], "--data blobs.csv, 90 samples");
  const json& c = d["classification"];
  EXPECT_EQ(c["class_names"], json({"setosa", "versicolor", "virginica"}));
  long long total = 0;
  for (const auto& row : c["counts"])
    for (const auto& v : row) total += v.get<long long>();
  EXPECT_EQ(total, 90);
  const fathom::ConfusionMatrix cm =
      fathom::confusion_matrix(fathom::view(model.predict(x)), fathom::cview(y));
  const fathom::ClassScores s = fathom::class_scores(cm);
  EXPECT_EQ(c["counts"].get<std::vector<std::vector<long long>>>(), cm.counts);
  EXPECT_EQ(c["precision"].get<std::vector<double>>(), s.precision);
  EXPECT_EQ(c["recall"].get<std::vector<double>>(), s.recall);
  EXPECT_EQ(c["f1"].get<std::vector<double>>(), s.f1);
  EXPECT_EQ(c["support"].get<std::vector<long long>>(), s.support);
  EXPECT_FALSE(d.contains("regression"));
  EXPECT_FALSE(d.contains("decision_regions")) << "4 inputs: no plane to draw";

  // A histogram per tensor, holding every value.
  ASSERT_EQ(j["histograms"].size(), model.parameters().entries().size());
  for (std::size_t t = 0; t < j["histograms"].size(); ++t) {
    const auto& hist = j["histograms"][t];
    long long sum = 0;
    for (const auto& v : hist["counts"]) sum += v.get<long long>();
    const auto size = static_cast<long long>(model.parameters().entries()[t].ref.size());
    EXPECT_EQ(sum, size) << hist["name"];
    EXPECT_EQ(hist["count"].get<long long>(), size) << hist["name"];
    EXPECT_EQ(hist["edges"].size(), hist["counts"].size() + 1);
  }
  EXPECT_EQ(j["histograms"][0]["name"], model.parameters().entries()[0].name);
  // 4-8-3: small enough for the diagram; not images.
  EXPECT_EQ(j["diagram"]["sizes"], json({4, 8, 3}));
  EXPECT_TRUE(j["weight_images"].is_null());
}

TEST(Report, WithoutDataHasNoDataSections) {
  Matrix x, y;
  blobs(30, x, y);
  const json j = blob(fathom::render_report(trained_classifier(x, y)));
  EXPECT_TRUE(j["data"].is_null());
  EXPECT_EQ(j["history"]["epochs"].size(), 15u);
}

TEST(Report, RegressionScatterIsInTheTargetsUnits) {
  // y = 200 + 50·x0 − 30·x1, trained on standardized targets: the report maps outputs back.
  fathom::Rng rng(3);
  const Index n = 80;
  Matrix x(2, n), y(1, n);
  for (Index j = 0; j < n; ++j) {
    x(0, j) = float(rng.normal());
    x(1, j) = float(rng.normal());
    y(0, j) = 200 + 50 * x(0, j) - 30 * x(1, j);
  }
  Sequential model(2, 1);
  model.add(fathom::Dense(8, "tanh"));
  model.add(fathom::Dense(1));
  model.compile({.loss = "mse", .optimizer = fathom::Adam({.learning_rate = 0.02f}), .metrics = {"mae"}});
  model.info.task = "regress";
  model.info.target_names = {"price"};
  model.info.target_scaling = fathom::TargetScaling::fit(fathom::cview(y), "standard");
  Matrix scaled = y;
  model.info.target_scaling.apply(fathom::view(scaled));
  model.fit(x, scaled, {.epochs = 30, .batch_size = 8});

  const json j = blob(fathom::render_report(model, {.x = &x, .y = &y, .data_name = "training data"}));
  const json& outputs = j["data"]["regression"];
  ASSERT_EQ(outputs.size(), 1u);
  EXPECT_EQ(outputs[0]["name"], "price");
  ASSERT_EQ(outputs[0]["true"].size(), std::size_t(n));
  ASSERT_EQ(outputs[0]["predicted"].size(), std::size_t(n));
  Matrix predicted = model.predict(x);
  model.info.target_scaling.invert(fathom::view(predicted));
  for (Index k = 0; k < n; ++k) {
    EXPECT_NEAR(outputs[0]["true"][std::size_t(k)].get<double>(), y(0, k), 1e-5 * std::abs(y(0, k)));
    EXPECT_NEAR(outputs[0]["predicted"][std::size_t(k)].get<double>(), predicted(0, k),
                1e-5 * std::abs(predicted(0, k)) + 1e-6);
  }
  const auto r2 = fathom::r2_per_output(fathom::cview(predicted), fathom::cview(y));
  EXPECT_DOUBLE_EQ(outputs[0]["r2"].get<double>(), r2[0]);
  EXPECT_FALSE(j["data"].contains("decision_regions")) << "a regression has no classes to paint";
}

TEST(Report, XorHasDecisionRegionsAndTheNetworkDiagram) {
  Matrix x(2, 4), y(1, 4);
  x << 0, 0, 1, 1, 0, 1, 0, 1;
  y << 0, 1, 1, 0;
  Sequential model(2, 1);
  model.add(fathom::Dense(4, "tanh"));
  model.add(fathom::Dense(1, "sigmoid"));
  model.compile({.loss = "bce", .optimizer = fathom::Adam({.learning_rate = 0.1f}), .metrics = {"accuracy"}});
  model.info.feature_names = {"x1", "x2"};  // task left empty: inferred from the sigmoid output
  model.fit(x, y, {.epochs = 300, .batch_size = 4});

  const json j = blob(fathom::render_report(model, {.x = &x, .y = &y, .data_name = "xor"}));
  const json& r = j["data"]["decision_regions"];
  ASSERT_TRUE(r.is_object());
  const Index side = r["side"];
  ASSERT_EQ(r["classes"].size(), std::size_t(side * side));
  EXPECT_EQ(r["x_name"], "x1");
  EXPECT_LT(r["x_range"][0].get<double>(), 0.0);
  EXPECT_GT(r["x_range"][1].get<double>(), 1.0);
  EXPECT_EQ(r["points"]["x"].size(), 4u);
  EXPECT_EQ(r["points"]["class"], json({0, 1, 1, 0}));
  // The grid is the model's own answer: the cell nearest (0, 1) is predicted as the model
  // predicts that point.
  const auto cell = [&](double px, double py) {
    const double x0 = r["x_range"][0], x1 = r["x_range"][1], y0 = r["y_range"][0], y1 = r["y_range"][1];
    const Index i = Index((px - x0) / (x1 - x0) * double(side)),
                k = Index((py - y0) / (y1 - y0) * double(side));
    return r["classes"][std::size_t(k * side + i)].get<Index>();
  };
  const auto predicted = model.predict_classes(x);
  EXPECT_EQ(cell(0, 1), predicted[1]);
  EXPECT_EQ(cell(1, 1), predicted[3]);
  EXPECT_EQ(j["data"]["classification"]["class_names"], json({"0", "1"}));

  const json& diagram = j["diagram"];
  EXPECT_EQ(diagram["sizes"], json({2, 4, 1}));
  ASSERT_EQ(diagram["layers"].size(), 2u);
  ASSERT_EQ(diagram["layers"][0]["weights"].size(), 4u);     // units
  ASSERT_EQ(diagram["layers"][0]["weights"][0].size(), 2u);  // inputs
  const auto& dense = dynamic_cast<const fathom::Dense&>(model.layer(0));
  EXPECT_NEAR(diagram["layers"][0]["weights"][2][1].get<double>(),
              model.parameters().value(dense.W_ref())(2, 1),
              1e-3 * std::abs(diagram["max_abs"].get<double>()));
}

TEST(Report, ImageModelDrawsOneTilePerHiddenUnit) {
  const Index height = 6, width = 5, hidden = 7;
  Sequential model(height * width, 1);
  model.add(fathom::Dense(hidden, "relu"));
  model.add(fathom::Dense(3, "softmax"));
  model.compile({.loss = "cce", .optimizer = "adam"});
  model.info.image_height = height;
  model.info.image_width = width;
  const json j = blob(fathom::render_report(model));
  const json& w = j["weight_images"];
  ASSERT_TRUE(w.is_object());
  EXPECT_EQ(w["height"].get<Index>() * w["width"].get<Index>(), model.input_dim());
  EXPECT_EQ(w["height"], height);
  ASSERT_EQ(w["tiles"].size(), std::size_t(hidden));
  for (const auto& tile : w["tiles"]) EXPECT_EQ(tile.size(), std::size_t(height * width));
  EXPECT_GT(w["scale"].get<double>(), 0.0);
  EXPECT_TRUE(j["diagram"].is_object()) << "30 inputs, 7 and 3 units: within 64";

  // Wider than 64 anywhere: no diagram (it would be a solid block); still the images.
  Sequential wide(height * width, 1);
  wide.add(fathom::Dense(65, "relu"));
  wide.add(fathom::Dense(3, "softmax"));
  wide.compile({.loss = "cce", .optimizer = "adam"});
  wide.info.image_height = height;
  wide.info.image_width = width;
  const json k = blob(fathom::render_report(wide));
  EXPECT_TRUE(k["diagram"].is_null());
  EXPECT_EQ(k["weight_images"]["tiles"].size(), 65u);
}

TEST(Report, HostileNamesStayInsideTheJsonBlock) {
  Matrix x, y;
  blobs(30, x, y);
  Sequential model = trained_classifier(x, y);
  const std::string hostile = "</script><script>alert(1)</script>";
  model.info.class_names[1] = hostile;
  model.info.feature_names[0] = "<!--";
  const std::string html =
      fathom::render_report(model, {.x = &x, .y = &y, .data_name = "--data " + hostile, .title = hostile});
  EXPECT_EQ(html.find("<script>alert"), std::string::npos);
  EXPECT_EQ(html.find("<!--"), std::string::npos);
  // Four script elements (data, Chart.js, the page's figures.js and report.js), each closed once.
  std::size_t closes = 0;
  for (std::size_t at = html.find("</script>"); at != std::string::npos; at = html.find("</script>", at + 1))
    ++closes;
  EXPECT_EQ(closes, 4u);
  EXPECT_EQ(json_text(html).find('<'), std::string::npos);
  const json j = blob(html);  // and the names come back unchanged
  EXPECT_EQ(j["network"]["class_names"][1], hostile);
  EXPECT_EQ(j["data"]["classification"]["class_names"][1], hostile);
  EXPECT_EQ(j["data"]["description"], "--data " + hostile + ", 30 samples");
  EXPECT_EQ(j["title"], hostile);
  EXPECT_NE(html.find("<title>&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;</title>"),
            std::string::npos);
}

TEST(Report, DataThatDoesNotFitTheModelIsAShapeError) {
  Matrix x, y;
  blobs(30, x, y);
  const Sequential model = trained_classifier(x, y);
  const Matrix narrow = x.topRows(3);
  EXPECT_THROW(fathom::render_report(model, {.x = &narrow}), fathom::ShapeError);
  const Matrix two = y.topRows(2);
  EXPECT_THROW(fathom::render_report(model, {.x = &x, .y = &two}), fathom::ShapeError);
}

// The model file keeps what the report marks; files without the keys load as before.
TEST(Report, ModelFileKeepsImageSizeAndEarlyStopping) {
  Sequential model(6, 1);
  model.add(fathom::Dense(2, "softmax"));
  model.compile({.loss = "cce", .optimizer = "sgd"});
  fathom::testing::ScratchDir dir;
  const std::string plain = dir.file("plain.fathom");
  fathom::save_model(model, plain);
  EXPECT_EQ(read_all(plain).find("image_size"), std::string::npos) << "absent unless images";
  EXPECT_EQ(read_all(plain).find("stopped_epoch"), std::string::npos);
  const Sequential loaded_plain = fathom::load_model(plain);
  EXPECT_EQ(loaded_plain.info.image_height, 0);
  EXPECT_EQ(loaded_plain.info.image_width, 0);
  EXPECT_EQ(loaded_plain.info.stopped_epoch, -1);
  EXPECT_EQ(loaded_plain.info.restored_epoch, -1);

  for (int e = 0; e < 12; ++e) model.history.append(e, {{"loss", 1.0 / (e + 1)}});
  model.info.image_height = 2;
  model.info.image_width = 3;
  model.info.stopped_epoch = 11;
  model.info.restored_epoch = 6;
  const std::string marked = dir.file("marked.fathom");
  fathom::save_model(model, marked);
  const Sequential loaded = fathom::load_model(marked);
  EXPECT_EQ(loaded.info.image_height, 2);
  EXPECT_EQ(loaded.info.image_width, 3);
  EXPECT_EQ(loaded.info.stopped_epoch, 11);
  EXPECT_EQ(loaded.info.restored_epoch, 6);
  // An early stop past the recorded history is refused on load, naming the key.
  model.info.stopped_epoch = 12;
  const std::string late = dir.file("late.fathom");
  fathom::save_model(model, late);
  try {
    fathom::load_model(late);
    FAIL() << "loaded a stop after epoch 12 of a 12-epoch history";
  } catch (const fathom::FileError& e) {
    EXPECT_NE(std::string(e.what()).find("info.stopped_epoch is 12"), std::string::npos) << e.what();
  }
  model.info.stopped_epoch = 11;
  // An image size that is not the inputs is refused when saved files are checked on load.
  model.info.image_width = 4;
  const std::string wrong = dir.file("wrong.fathom");
  fathom::save_model(model, wrong);
  try {
    fathom::load_model(wrong);
    FAIL() << "loaded an image size of 2x4 for 6 inputs";
  } catch (const fathom::FileError& e) {
    EXPECT_NE(std::string(e.what()).find("image_size"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(wrong), std::string::npos) << e.what();
  }
}

}  // namespace

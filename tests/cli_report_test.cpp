// `fathom report` and `fathom train --report`: the page of the library's write_report on the
// data the command names, the early-stopping facts and image sizes the model file now keeps,
// and the output path checked before any work.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cli_run.hpp"
#include "fathom/fathom.hpp"

namespace {

using namespace fathom_cli_test;
using json = nlohmann::json;

const std::string kIris = source_file("data/iris.csv");

json report_json(const fs::path& file) {
  const std::string html = read_text(file);
  const std::string open = R"(<script type="application/json" id="fathom-data">)";
  const std::size_t start = html.find(open);
  if (start == std::string::npos) return nullptr;
  const std::size_t end = html.find("</script>", start);
  return json::parse(html.substr(start + open.size(), end - start - open.size()));
}

long long sum_counts(const json& counts) {
  long long total = 0;
  for (const auto& row : counts)
    for (const auto& v : row) total += v.get<long long>();
  return total;
}

using CliReport = CliFixture;

TEST_F(CliReport, TrainWritesAReportOnItsValidationSplit) {
  const CliResult r = run("train --data " + quoted(kIris) +
                          " --target species --layers 8:tanh,3:softmax --lr 0.05 --epochs 300 "
                          "--validation-split 0.2 --early-stopping 3 --save m.fathom --report r.html");
  ASSERT_EQ(r.code, 0) << describe(r);
  EXPECT_NE(r.err.find("wrote r.html"), std::string::npos) << r.err;
  const json j = report_json(path("r.html"));
  ASSERT_TRUE(j.is_object());
  EXPECT_EQ(j["data"]["description"], "validation split, 30 samples");
  EXPECT_EQ(sum_counts(j["data"]["classification"]["counts"]), 30);
  EXPECT_EQ(j["data"]["classification"]["class_names"], json({"setosa", "versicolor", "virginica"}));
  EXPECT_EQ(j["title"], "m.fathom");

  // Early stopping ended the run: the model file and the page both say where.
  const fathom::Sequential model = fathom::load_model(path("m.fathom").string());
  ASSERT_GE(model.info.stopped_epoch, 0) << "300 epochs with patience 3 stop early\n" << r.err;
  EXPECT_EQ(model.info.stopped_epoch, model.history.epochs.back());
  EXPECT_GE(model.info.restored_epoch, 0);
  EXPECT_LT(model.info.restored_epoch, model.info.stopped_epoch);
  EXPECT_EQ(j["history"]["stopped_epoch"], model.info.stopped_epoch);
  EXPECT_EQ(j["history"]["restored_epoch"], model.info.restored_epoch);
  EXPECT_NE(r.err.find("stopped after epoch " + std::to_string(model.info.stopped_epoch + 1)),
            std::string::npos)
      << r.err;
}

TEST_F(CliReport, ReportOnDataReadAsEvaluateReadsIt) {
  ASSERT_EQ(
      run("train --data " + quoted(kIris) + " --target species --epochs 20 --quiet --save m.fathom").code, 0);
  const CliResult r = run("report --model m.fathom --data " + quoted(kIris) + " --out iris.html");
  ASSERT_EQ(r.code, 0) << describe(r);
  const json j = report_json(path("iris.html"));
  EXPECT_EQ(j["data"]["description"], "--data " + kIris + ", 150 samples");
  EXPECT_EQ(sum_counts(j["data"]["classification"]["counts"]), 150);
  // The same confusion matrix as evaluate prints.
  const CliResult evaluate = run("evaluate --model m.fathom --data " + quoted(kIris) + " --json");
  ASSERT_EQ(evaluate.code, 0) << describe(evaluate);
  EXPECT_EQ(json::parse(evaluate.out)["confusion_matrix"], j["data"]["classification"]["counts"]);
  EXPECT_EQ(j["history"]["stopped_epoch"], -1);

  // Without --data: the model's own sections only.
  ASSERT_EQ(run("report --model m.fathom --out bare.html").code, 0);
  EXPECT_TRUE(report_json(path("bare.html"))["data"].is_null());
  // "-" writes the page to stdout.
  const CliResult out = run("report --model m.fathom --out -");
  ASSERT_EQ(out.code, 0) << describe(out);
  EXPECT_EQ(out.out.rfind("<!DOCTYPE html>", 0), 0u);
}

TEST_F(CliReport, ImageListsGiveTheModelItsImageSize) {
  // 3 pixels wide, 2 high: the size is kept as height x width.
  std::string list;
  for (int i = 0; i < 8; ++i) {
    const std::string side = i % 2 ? "left" : "right";
    const std::string name = "face" + std::to_string(i) + "_" + side + "_.pgm";
    std::string pgm = "P2\n3 2\n255\n";
    for (int p = 0; p < 6; ++p) pgm += std::to_string(i % 2 ? (p % 2 ? 250 : 10) : (p % 2 ? 10 : 250)) + " ";
    write_text(path(name), pgm + "\n");
    list += name + "\n";
  }
  write_text(path("list.txt"), list);
  const CliResult r =
      run("train --data pgm-list:list.txt --label-from-name '_(left|right)_' --layers 5:relu,2:softmax "
          "--epochs 2 "
          "--save M.fathom --report faces.html --quiet");
  ASSERT_EQ(r.code, 0) << describe(r);
  const fathom::Sequential model = fathom::load_model(path("M.fathom").string());
  EXPECT_EQ(model.info.image_height, 2);
  EXPECT_EQ(model.info.image_width, 3);
  const json j = report_json(path("faces.html"));
  EXPECT_EQ(j["weight_images"]["tiles"].size(), 5u);
  EXPECT_EQ(j["weight_images"]["width"], 3);
  EXPECT_EQ(j["data"]["description"], "training data, 8 samples");
}

TEST_F(CliReport, TrainReportDashIsStandardOutput) {
  const CliResult r =
      run("train --data " + quoted(kIris) + " --target species --epochs 3 --report - --quiet");
  ASSERT_EQ(r.code, 0) << describe(r);
  EXPECT_EQ(r.out.rfind("<!DOCTYPE html>", 0), 0u) << r.out.substr(0, 200);
  EXPECT_FALSE(fs::exists(path("-"))) << "no file named -";
}

TEST_F(CliReport, OutputPathIsCheckedBeforeTraining) {
  const CliResult r = run("train --data " + quoted(kIris) +
                          " --target species --epochs 5 --save m.fathom --report missing/r.html");
  EXPECT_EQ(r.code, 3) << describe(r);
  EXPECT_NE(r.err.find("missing/r.html"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("epoch"), std::string::npos) << "no training before the check\n" << r.err;
  EXPECT_FALSE(fs::exists(path("m.fathom")));

  const CliResult report = run("report --model nothing.fathom --out missing/r.html");
  EXPECT_EQ(report.code, 3) << describe(report);
  EXPECT_NE(report.err.find("missing/r.html"), std::string::npos) << report.err;
  const CliResult no_out = run("report --model nothing.fathom");
  EXPECT_EQ(no_out.code, 2) << describe(no_out);
  EXPECT_NE(no_out.err.find("--out"), std::string::npos) << no_out.err;
  const CliResult perceptron =
      run("train --perceptron --data " + quoted(kIris) + " --target species --report r.html");
  EXPECT_EQ(perceptron.code, 2) << describe(perceptron);
  EXPECT_NE(perceptron.err.find("--report"), std::string::npos) << perceptron.err;
}

}  // namespace

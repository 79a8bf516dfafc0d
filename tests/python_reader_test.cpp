// The Python reader printed in docs/file_format.md, run as written with Debian's python3 and
// numpy against a saved model: it must recover every weight, and a numpy forward pass over
// those weights must match Sequential::predict.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "fathom/fathom.hpp"
#include "scratch_dir.hpp"

namespace fs = std::filesystem;
using namespace fathom;

namespace {

std::string read_text(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The first ```python block of the document, without its last two lines (the usage example).
std::string doc_reader() {
  const std::string doc = read_text(fs::path(FATHOM_SOURCE_DIR) / "docs" / "file_format.md");
  const auto start = doc.find("```python\n");
  const auto end = doc.find("```", start + 10);
  if (start == std::string::npos || end == std::string::npos) return {};
  const std::string block = doc.substr(start + 10, end - start - 10);
  return block.substr(0, block.find("meta, weights, arrays = read_fathom("));
}

std::string run(const std::string& command) {
  std::array<char, 4096> buf{};
  std::string out;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return out;
  while (fgets(buf.data(), buf.size(), pipe) != nullptr) out += buf.data();
  pclose(pipe);
  return out;
}

}  // namespace

TEST(PythonReader, DocSnippetReadsWeightsThatReproducePredictions) {
  const std::string reader = doc_reader();
  ASSERT_FALSE(reader.empty()) << "no python block in docs/file_format.md";
  const fathom::testing::ScratchDir scratch;
  const fs::path& dir = scratch.path();

  Rng rng(3);
  Matrix x(4, 3);
  for (Index i = 0; i < x.size(); ++i) x.data()[i] = Scalar(rng.uniform(-1, 1));
  Sequential model(4, 5);
  model.add(Dense(6, "tanh"));
  model.add(Dense(3, "sigmoid", /*use_bias=*/false));
  model.compile({.loss = "mse", .optimizer = "adam"});
  save_model(model, (dir / "m.fathom").string());
  const Matrix expected = model.predict(x);

  std::ostringstream script;
  script << reader << "\nimport sys\n"
         << "meta, w, arrays = read_fathom(sys.argv[1])\n"
         << "x = np.array("
         << "[";
  for (Index j = 0; j < x.cols(); ++j) {
    script << "[";
    for (Index i = 0; i < x.rows(); ++i) script << x(i, j) << (i + 1 < x.rows() ? "," : "");
    script << "]" << (j + 1 < x.cols() ? "," : "");
  }
  script << "], dtype=np.float64).T\n"
         << "h = np.tanh(w['dense_1/W'] @ x + w['dense_1/b'])\n"
         << "o = 1 / (1 + np.exp(-(w['dense_2/W'] @ h)))\n"
         << "print(' '.join(repr(float(v)) for v in o.flatten(order='F')))\n";
  std::ofstream(dir / "read.py") << script.str();
  const std::string out =
      run("/usr/bin/python3 " + (dir / "read.py").string() + " " + (dir / "m.fathom").string() + " 2>&1");

  std::istringstream values(out);
  for (Index i = 0; i < expected.size(); ++i) {
    double v = 0;
    ASSERT_TRUE(values >> v) << "python printed: " << out;
    EXPECT_NEAR(v, expected.data()[i], 1e-5) << "output " << i;
  }
}

// Trains the lecture's 25-20-20-20-5 network (ReLU hidden layers, softmax output) on the five
// bundled 5×5 digit bitmaps, then prints each digit with what the network says it is.
// Usage: digits5x5 [path/to/digits_5x5.txt]
#include <fathom/fathom.hpp>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <string>

#ifndef FATHOM_DATA_DIR
#define FATHOM_DATA_DIR "data"
#endif

// Reads the bitmaps: "class N" then five rows of "0"/"1". Returns x (25 × 5), one column each.
fathom::Matrix read_digits(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw fathom::FileError(path + ": cannot open");
  fathom::Matrix x = fathom::Matrix::Zero(25, 5);
  std::string line;
  int cls = -1, row = 0, line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.empty() || line[0] == '#') continue;
    if (line.rfind("class ", 0) == 0) {
      cls = std::stoi(line.substr(6)) - 1, row = 0;
      if (cls < 0 || cls > 4)
        throw fathom::FileError(path + ":" + std::to_string(line_no) + ": class must be 1..5");
      continue;
    }
    if (cls < 0 || row >= 5 || line.size() != 5 || line.find_first_not_of("01") != std::string::npos) {
      throw fathom::FileError(path + ":" + std::to_string(line_no) + ": expected a row of five 0/1 pixels");
    }
    for (int c = 0; c < 5; ++c) x(row * 5 + c, cls) = line[c] == '1' ? 1.0f : 0.0f;
    ++row;
  }
  return x;
}

int main(int argc, char** argv) try {
  const fathom::Matrix x = read_digits(argc > 1 ? argv[1] : FATHOM_DATA_DIR "/digits_5x5.txt");
  const fathom::Matrix y = fathom::Matrix::Identity(5, 5);  // one-hot: class k is the k-th bitmap

  fathom::Sequential model(25, /*seed=*/42);
  model.add(fathom::Dense(20, "relu"));
  model.add(fathom::Dense(20, "relu"));
  model.add(fathom::Dense(20, "relu"));
  model.add(fathom::Dense(5, "softmax"));
  model.compile(
      {.loss = "cce", .optimizer = fathom::Adam({.learning_rate = 0.01f}), .metrics = {"accuracy"}});
  std::cout << fathom::summary(model) << '\n';

  fathom::ProgressLogger progress(std::cout, /*every=*/50);
  model.fit(x, y, {.epochs = 200, .batch_size = 5, .callbacks = {&progress}});

  const fathom::Matrix p = model.predict(x);
  std::cout << "\nWhat the network learned:\n";
  for (int k = 0; k < 5; ++k) {
    fathom::Index best;
    p.col(k).maxCoeff(&best);
    for (int r = 0; r < 5; ++r) {
      std::cout << "  ";
      for (int c = 0; c < 5; ++c) std::cout << (x(r * 5 + c, k) > 0 ? "##" : "..");
      if (r == 2)
        std::cout << "   -> digit " << best + 1 << " (p = " << std::fixed << std::setprecision(3)
                  << p(best, k) << ")";
      std::cout << '\n';
    }
    std::cout << '\n';
  }
  const auto logs = model.evaluate(x, y);
  std::cout << "accuracy " << logs.at("accuracy") << "  loss " << logs.at("loss") << '\n';
  return logs.at("accuracy") == 1.0 ? 0 : 1;
} catch (const fathom::Error& e) {
  std::cerr << "digits5x5: " << e.what() << '\n';
  return 1;
}

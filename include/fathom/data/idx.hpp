// IDX files (MNIST, Fashion-MNIST): an images file (magic 0x00000803, uint8 pixels) and a
// labels file (magic 0x00000801), plain or gzip-compressed. Pixels are scaled to [0, 1], one
// image per column, row by row (feature names "px0", "px1", ...); labels 0..max become one-hot
// targets with class names "0".."max" (0..9 for MNIST and Fashion-MNIST).
#pragma once

#include <string>

#include "fathom/data/dataset.hpp"

namespace fathom {

// Throws FileError naming the file and what is wrong: bad magic, truncated, counts that differ.
// An empty labels_path reads the images only (no targets: images to predict on).
Dataset read_idx(const std::string& images_path, const std::string& labels_path);

}  // namespace fathom

// What a model file carries about the data a model was trained on, besides the network: read
// and written by io (model files) and the fathom command, never by the training step (only
// EarlyStopping records where it stopped, for the report). (Input
// scaling is part of the network: a Normalization layer, nn/normalization.hpp.)
#pragma once

#include <string>
#include <vector>

#include "fathom/core/matrix.hpp"
#include "fathom/nn/activation.hpp"
#include "fathom/train/target_scaling.hpp"

namespace fathom {

struct ModelInfo {
  std::vector<std::string> class_names;    // the label of each class (classification)
  std::vector<std::string> feature_names;  // input columns, in input order (for reading new data)
  std::vector<std::string> target_names;   // target columns
  std::string task;                        // "classify", "multilabel", "regress", or ""
  // Targets 0/1 were trained as targets_low/targets_high (0.1/0.9 for sigmoid outputs, see
  // docs/concepts.md, tasks and encodings); both 0: as given.
  Scalar targets_low = 0, targets_high = 0;
  // Regression targets were standardized for training (target_scaling.hpp): the network's
  // outputs are in standard deviations until invert() maps them back. "none" for older files.
  TargetScaling target_scaling;
  // pgm-list data: the regex whose first capture group on a file name is the class, so that
  // evaluate reads new image lists the same way ("" for other data).
  std::string label_regex;
  // Image inputs (IDX, PGM): each sample is an image_height × image_width picture, row by row,
  // so a report can draw the first layer's weights as pictures. Both 0 for other data.
  Index image_height = 0, image_width = 0;
  // Early stopping of the last training run, as 0-based epoch numbers (History's): the epoch
  // after which it stopped and the epoch whose weights it restored; −1 when none.
  int stopped_epoch = -1, restored_epoch = -1;
};

// The task an output layer and loss imply when none is recorded: "classify" for a softmax output
// or the cce loss, and for one sigmoid (or bce) output; "multilabel" for several sigmoid (or bce)
// outputs; "regress" otherwise. The one rule behind `fathom train`'s default task, ModelInfo's
// empty task, and the exports' class outputs.
std::string implied_task(const Activation& output, Index units, const std::string& loss);

}  // namespace fathom

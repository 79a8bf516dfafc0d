// Internal: TensorBoard's Event messages (proto/tensorboard/events.proto), built with the
// Protocol Buffers library and returned serialized, so that only tensorboard_events.cpp sees
// protobuf. The values take the forms TensorBoard 2.x's plugins read natively (those of
// tf.summary's v2 functions), each value carrying its plugin's metadata:
//   scalar     plugin "scalars", DATA_CLASS_SCALAR, a rank-0 DT_FLOAT tensor
//   histogram  plugin "histograms", DATA_CLASS_TENSOR, a k×3 DT_DOUBLE tensor whose rows are
//              [left edge, right edge, count]
//   text       plugin "text", DATA_CLASS_TENSOR, a rank-0 DT_STRING tensor (markdown)
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "fathom/core/histogram.hpp"

namespace tensorboard {
class Event;
}

namespace fathom::detail {

// Seconds since 1970, as Event.wall_time holds them.
double wall_time_now();

// The first record of every event file: file_version "brain.Event:2".
std::string file_version_event(double wall_time);

// One Event of summary values at a step.
class SummaryEvent {
 public:
  SummaryEvent(double wall_time, std::int64_t step);
  ~SummaryEvent();
  SummaryEvent(const SummaryEvent&) = delete;
  SummaryEvent& operator=(const SummaryEvent&) = delete;

  void scalar(const std::string& tag, double value);
  void histogram(const std::string& tag, const Histogram& h);
  void text(const std::string& tag, const std::string& markdown);
  bool empty() const;
  std::string serialized() const;

 private:
  std::unique_ptr<tensorboard::Event> event_;
};

}  // namespace fathom::detail

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

  // Reuses the event at another step: the values added next refill the old ones in order
  // (those not refilled are dropped), so an event refilled with the same scalars (batch_loss
  // every step) allocates nothing. (Clear() would not do: protobuf deletes oneof members.)
  void restart(double wall_time, std::int64_t step);
  void scalar(const std::string& tag, double value);
  void histogram(const std::string& tag, const Histogram& h);
  void text(const std::string& tag, const std::string& markdown);
  bool empty() const;
  std::string serialized() const;
  void serialize_into(std::string& out) const;  // reuses out's memory

 private:
  // The values from index refill_ on are left from before restart(): reused or dropped.
  void drop_unfilled() const;
  std::unique_ptr<tensorboard::Event> event_;
  int refill_ = 0;
};

}  // namespace fathom::detail

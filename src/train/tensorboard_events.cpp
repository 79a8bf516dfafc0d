#include "tensorboard_events.hpp"

#include <chrono>

#include "tensorboard/events.pb.h"

namespace fathom::detail {
namespace {

tensorboard::Summary::Value& add_value(tensorboard::Event& event, const std::string& tag, const char* plugin,
                                       tensorboard::DataClass data_class) {
  tensorboard::Summary::Value& value = *event.mutable_summary()->add_value();
  value.set_tag(tag);
  // Every value carries its metadata (TensorBoard needs it on a tag's first value only, but a
  // few bytes per value keep any record readable on its own, e.g. after a cut file).
  value.mutable_metadata()->mutable_plugin_data()->set_plugin_name(plugin);
  value.mutable_metadata()->set_data_class(data_class);
  return value;
}

}  // namespace

double wall_time_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string file_version_event(double wall_time) {
  tensorboard::Event event;
  event.set_wall_time(wall_time);
  event.set_file_version("brain.Event:2");
  return event.SerializeAsString();
}

SummaryEvent::SummaryEvent(double wall_time, std::int64_t step)
    : event_(std::make_unique<tensorboard::Event>()) {
  event_->set_wall_time(wall_time);
  event_->set_step(step);
}

SummaryEvent::~SummaryEvent() = default;

void SummaryEvent::restart(double wall_time, std::int64_t step) {
  event_->set_wall_time(wall_time);
  event_->set_step(step);
  refill_ = 0;
}

void SummaryEvent::drop_unfilled() const {
  if (!event_->has_summary()) return;
  auto& values = *event_->mutable_summary()->mutable_value();
  if (refill_ < values.size()) values.DeleteSubrange(refill_, values.size() - refill_);
}

void SummaryEvent::scalar(const std::string& tag, double value) {
  if (event_->has_summary() && refill_ < event_->summary().value_size()) {
    tensorboard::Summary::Value& old = *event_->mutable_summary()->mutable_value(refill_);
    if (old.tag() == tag && old.metadata().plugin_data().plugin_name() == "scalars" &&
        old.tensor().float_val_size() == 1) {
      old.mutable_tensor()->set_float_val(0, static_cast<float>(value));
      ++refill_;
      return;
    }
  }
  drop_unfilled();
  ++refill_;
  tensorboard::TensorProto& t =
      *add_value(*event_, tag, "scalars", tensorboard::DATA_CLASS_SCALAR).mutable_tensor();
  t.set_dtype(tensorboard::DT_FLOAT);
  t.mutable_tensor_shape();  // present and without dimensions: rank 0
  t.add_float_val(static_cast<float>(value));
}

void SummaryEvent::histogram(const std::string& tag, const Histogram& h) {
  drop_unfilled();
  ++refill_;
  tensorboard::TensorProto& t =
      *add_value(*event_, tag, "histograms", tensorboard::DATA_CLASS_TENSOR).mutable_tensor();
  t.set_dtype(tensorboard::DT_DOUBLE);
  const std::size_t k = h.counts.size();
  t.mutable_tensor_shape()->add_dim()->set_size(static_cast<std::int64_t>(k));
  t.mutable_tensor_shape()->add_dim()->set_size(3);
  t.mutable_double_val()->Reserve(static_cast<int>(3 * k));
  for (std::size_t i = 0; i < k; ++i) {
    t.add_double_val(static_cast<double>(h.edges[i]));
    t.add_double_val(static_cast<double>(h.edges[i + 1]));
    t.add_double_val(static_cast<double>(h.counts[i]));
  }
}

void SummaryEvent::text(const std::string& tag, const std::string& markdown) {
  drop_unfilled();
  ++refill_;
  tensorboard::TensorProto& t =
      *add_value(*event_, tag, "text", tensorboard::DATA_CLASS_TENSOR).mutable_tensor();
  t.set_dtype(tensorboard::DT_STRING);
  t.mutable_tensor_shape();
  t.add_string_val(markdown);
}

bool SummaryEvent::empty() const { return refill_ == 0; }

std::string SummaryEvent::serialized() const {
  drop_unfilled();
  return event_->SerializeAsString();
}

void SummaryEvent::serialize_into(std::string& out) const {
  drop_unfilled();
  event_->SerializeToString(&out);
}

}  // namespace fathom::detail

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

void SummaryEvent::scalar(const std::string& tag, double value) {
  tensorboard::TensorProto& t =
      *add_value(*event_, tag, "scalars", tensorboard::DATA_CLASS_SCALAR).mutable_tensor();
  t.set_dtype(tensorboard::DT_FLOAT);
  t.mutable_tensor_shape();  // present and without dimensions: rank 0
  t.add_float_val(static_cast<float>(value));
}

void SummaryEvent::histogram(const std::string& tag, const Histogram& h) {
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
  tensorboard::TensorProto& t =
      *add_value(*event_, tag, "text", tensorboard::DATA_CLASS_TENSOR).mutable_tensor();
  t.set_dtype(tensorboard::DT_STRING);
  t.mutable_tensor_shape();
  t.add_string_val(markdown);
}

bool SummaryEvent::empty() const { return event_->summary().value_size() == 0; }

std::string SummaryEvent::serialized() const { return event_->SerializeAsString(); }

}  // namespace fathom::detail

// The bytes of one scalar Event decoded by hand from the protocol-buffer wire format, with the
// field numbers of TensorBoard's own definitions (tensorboard/compat/proto/event.proto,
// summary.proto, tensor.proto, types.proto) written here again: a field renumbered in
// proto/tensorboard/events.proto would still read back through that same .proto (the Python
// reader's check), but fails here.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "../src/train/tensorboard_events.hpp"

namespace {

struct Field {
  int wire = 0;              // 0 varint, 1 fixed64, 2 length-delimited, 5 fixed32
  std::uint64_t number = 0;  // varint / fixed value
  std::string bytes;         // length-delimited content
};

std::uint64_t varint(const std::string& s, std::size_t& at) {
  std::uint64_t v = 0;
  for (int shift = 0; at < s.size(); shift += 7) {
    const auto b = static_cast<unsigned char>(s[at++]);
    v |= std::uint64_t(b & 0x7f) << shift;
    if (!(b & 0x80)) return v;
  }
  ADD_FAILURE() << "a varint runs past the end";
  return v;
}

// Every field of one message, by field number.
std::map<std::uint64_t, Field> fields(const std::string& s) {
  std::map<std::uint64_t, Field> out;
  std::size_t at = 0;
  while (at < s.size()) {
    const std::uint64_t key = varint(s, at);
    Field f;
    f.wire = int(key & 7);
    if (f.wire == 0) {
      f.number = varint(s, at);
    } else if (f.wire == 1 || f.wire == 5) {
      const std::size_t n = f.wire == 1 ? 8 : 4;
      EXPECT_LE(at + n, s.size());
      for (std::size_t i = 0; i < n; ++i)
        f.number |= std::uint64_t(static_cast<unsigned char>(s[at + i])) << (8 * i);
      at += n;
    } else if (f.wire == 2) {
      const std::uint64_t n = varint(s, at);
      EXPECT_LE(at + n, s.size());
      f.bytes = s.substr(at, n);
      at += n;
    } else {
      ADD_FAILURE() << "wire type " << f.wire;
      break;
    }
    out[key >> 3] = f;  // a repeated field keeps its last element
  }
  return out;
}

}  // namespace

TEST(TensorBoardWire, ScalarEventHasUpstreamFieldNumbers) {
  fathom::detail::SummaryEvent event(1.5, 3);
  event.scalar("epoch_loss", 0.25);
  const auto ev = fields(event.serialized());
  // Event: wall_time = 1 (double), step = 2 (int64), summary = 5.
  ASSERT_EQ(ev.count(1), 1u);
  EXPECT_EQ(ev.at(1).wire, 1);
  double wall = 0;
  std::memcpy(&wall, &ev.at(1).number, sizeof wall);
  EXPECT_EQ(wall, 1.5);
  ASSERT_EQ(ev.count(2), 1u);
  EXPECT_EQ(ev.at(2).wire, 0);
  EXPECT_EQ(ev.at(2).number, 3u);
  ASSERT_EQ(ev.count(5), 1u);
  // Summary: value = 1 (repeated Summary.Value).
  const auto summary = fields(ev.at(5).bytes);
  ASSERT_EQ(summary.count(1), 1u);
  // Summary.Value: tag = 1, tensor = 8, metadata = 9.
  const auto value = fields(summary.at(1).bytes);
  ASSERT_EQ(value.count(1), 1u);
  EXPECT_EQ(value.at(1).bytes, "epoch_loss");
  ASSERT_EQ(value.count(8), 1u);
  ASSERT_EQ(value.count(9), 1u);
  // TensorProto: dtype = 1 (DT_FLOAT = 1), tensor_shape = 2 (empty: rank 0), float_val = 5 (packed).
  const auto tensor = fields(value.at(8).bytes);
  EXPECT_EQ(tensor.at(1).number, 1u);
  ASSERT_EQ(tensor.count(5), 1u);
  ASSERT_EQ(tensor.at(5).bytes.size(), 4u);
  float v = 0;
  std::memcpy(&v, tensor.at(5).bytes.data(), 4);
  EXPECT_EQ(v, 0.25f);
  if (tensor.count(2)) {
    EXPECT_TRUE(fields(tensor.at(2).bytes).empty()) << "rank 0: no dim";
  }
  // SummaryMetadata: plugin_data = 1 (PluginData: plugin_name = 1), data_class = 4 (SCALAR = 1).
  const auto metadata = fields(value.at(9).bytes);
  ASSERT_EQ(metadata.count(1), 1u);
  EXPECT_EQ(fields(metadata.at(1).bytes).at(1).bytes, "scalars");
  ASSERT_EQ(metadata.count(4), 1u);
  EXPECT_EQ(metadata.at(4).number, 1u);
}

TEST(TensorBoardWire, HistogramIsAKBy3DoubleTensor) {
  fathom::Histogram h;
  h.edges = {0, 1, 2};
  h.counts = {3, 4};
  h.count = 7;
  fathom::detail::SummaryEvent event(0, 0);
  event.histogram("dense_1/W", h);
  const auto value = fields(fields(fields(event.serialized()).at(5).bytes).at(1).bytes);
  const auto tensor = fields(value.at(8).bytes);
  EXPECT_EQ(tensor.at(1).number, 2u) << "DT_DOUBLE";
  // TensorShapeProto: dim = 2 (repeated; read here as the last one: 3), Dim.size = 1.
  const auto shape = fields(tensor.at(2).bytes);
  EXPECT_EQ(fields(shape.at(2).bytes).at(1).number, 3u);
  // double_val = 6 (packed): rows [left, right, count].
  ASSERT_EQ(tensor.count(6), 1u);
  std::vector<double> d(tensor.at(6).bytes.size() / 8);
  std::memcpy(d.data(), tensor.at(6).bytes.data(), d.size() * 8);
  EXPECT_EQ(d, (std::vector<double>{0, 1, 3, 1, 2, 4}));
  const auto metadata = fields(value.at(9).bytes);
  EXPECT_EQ(fields(metadata.at(1).bytes).at(1).bytes, "histograms");
  EXPECT_EQ(metadata.at(4).number, 2u) << "DATA_CLASS_TENSOR";
}

TEST(TensorBoardWire, ARestartedEventHoldsOnlyItsNewValues) {
  fathom::detail::SummaryEvent event(1, 1);
  event.scalar("batch_loss", 0.5);
  event.scalar("other", 2);
  std::string first;
  event.serialize_into(first);
  event.restart(2, 7);
  EXPECT_TRUE(event.empty());
  event.scalar("batch_loss", 0.25);  // refills the first value; "other" is dropped
  fathom::detail::SummaryEvent fresh(2, 7);
  fresh.scalar("batch_loss", 0.25);
  std::string again;
  event.serialize_into(again);
  EXPECT_EQ(again, fresh.serialized());
  EXPECT_NE(again, first);
}

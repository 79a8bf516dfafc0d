// Standardized regression targets (include/fathom/train/target_scaling.hpp): the transform and
// its inverse, its checks, and its place in the model file (saved, loaded, absent in older files).
#include "fathom/train/target_scaling.hpp"

#include <gtest/gtest.h>

#include "fathom/core/error.hpp"
#include "model_file_fixture.hpp"

namespace {

using fathom::TargetScaling;
using namespace fathom_model_file_test;

// Two targets on very different scales (a weight in the hundreds, a pulse near 50), and a
// constant third one.
Matrix targets() {
  Matrix y(3, 5);
  y << 191, 189, 193, 162, 189,  //
      50, 52, 58, 62, 46,        //
      7, 7, 7, 7, 7;
  return y;
}

TEST(TargetScaling, StandardizesEachTargetAndInvertsBack) {
  const Matrix y = targets();
  const TargetScaling s = TargetScaling::fit(fathom::view(y), "standard");
  ASSERT_TRUE(s.enabled());
  Matrix scaled = y;
  s.apply(fathom::view(scaled));
  for (Index i = 0; i < 2; ++i) {
    EXPECT_NEAR(scaled.row(i).mean(), 0.0, 1e-5) << "target " << i;
    const double sd = std::sqrt(scaled.row(i).array().square().mean());
    EXPECT_NEAR(sd, 1.0, 1e-5) << "target " << i;
  }
  // A constant target has no spread to divide by: it is only centred.
  EXPECT_EQ(s.sd[2], 1.0f);
  EXPECT_TRUE((scaled.row(2).array() == 0).all());
  EXPECT_NEAR(s.mean[0], (191 + 189 + 193 + 162 + 189) / 5.0, 1e-4);

  Matrix back = scaled;
  s.invert(fathom::view(back));
  EXPECT_TRUE(back.isApprox(y, 1e-6f)) << back;
}

TEST(TargetScaling, NoneLeavesTargetsAlone) {
  const Matrix y = targets();
  const TargetScaling s = TargetScaling::fit(fathom::view(y), "none");
  EXPECT_FALSE(s.enabled());
  Matrix same = y;
  s.apply(fathom::view(same));
  s.invert(fathom::view(same));
  EXPECT_EQ(same, y);
}

TEST(TargetScaling, RejectsWhatItCannotUse) {
  const Matrix y = targets();
  EXPECT_THROW(TargetScaling::fit(fathom::view(y), "minmax"), fathom::InvalidArgument);
  EXPECT_THROW(TargetScaling::fit(fathom::ConstMatrixView(y.data(), 3, 0), "standard"), fathom::DataError);
  Matrix bad = y;
  bad(1, 2) = std::numeric_limits<Scalar>::quiet_NaN();
  EXPECT_THROW(TargetScaling::fit(fathom::cview(bad), "standard"), fathom::DataError);

  const TargetScaling s = TargetScaling::fit(fathom::view(y), "standard");
  Matrix two_rows(2, 4);
  EXPECT_THROW(s.apply(fathom::view(two_rows)), fathom::ShapeError);
  EXPECT_THROW(s.invert(fathom::view(two_rows)), fathom::ShapeError);

  EXPECT_THROW(TargetScaling::stored("standard", s.mean, s.sd, 2), fathom::InvalidArgument);
  fathom::Vector zero_sd = s.sd;
  zero_sd[0] = 0;
  EXPECT_THROW(TargetScaling::stored("standard", s.mean, zero_sd, 3), fathom::InvalidArgument);
  EXPECT_NO_THROW(TargetScaling::stored("standard", s.mean, s.sd, 3));
}

// A 3-output regression model with its target scaling, saved and loaded.
Sequential regression_model() {
  Sequential m(4, 7);
  m.add(Dense(6, "tanh"));
  m.add(Dense(3, "linear"));
  m.compile({.loss = "mse", .optimizer = fathom::Adam(), .metrics = {"mae"}});
  m.info.task = "regress";
  const Matrix y = targets();
  m.info.target_scaling = TargetScaling::fit(fathom::view(y), "standard");
  return m;
}

TEST_F(ModelFileTest, TargetScalingIsSavedAndLoaded) {
  const Sequential m = regression_model();
  fathom::save_model(m, file("r.fathom"));
  const Sequential back = fathom::load_model(file("r.fathom"));
  EXPECT_EQ(back.info.target_scaling.method, "standard");
  EXPECT_TRUE(same_bits(back.info.target_scaling.mean, m.info.target_scaling.mean));
  EXPECT_TRUE(same_bits(back.info.target_scaling.sd, m.info.target_scaling.sd));
}

TEST_F(ModelFileTest, AFileWithoutTargetScalingLoadsWithNone) {
  // Files written before target scaling existed have no info.target_scaling; neither do the
  // files of models that do not scale their targets (classification).
  const std::string b = saved_model(file("m.fathom"));
  const std::uint64_t json_bytes = get_u64(b, 16);
  EXPECT_FALSE(json::parse(b.substr(32, json_bytes)).at("info").contains("target_scaling"));
  EXPECT_FALSE(fathom::load_model(file("m.fathom")).info.target_scaling.enabled());

  fathom::save_model(regression_model(), file("r.fathom"));
  const std::string r = fathom::read_file(file("r.fathom"));
  fathom::write_file_atomic(file("old.fathom"),
                            with_metadata(r, [](json& m) { m["info"].erase("target_scaling"); }));
  const Sequential old = fathom::load_model(file("old.fathom"));
  EXPECT_FALSE(old.info.target_scaling.enabled());
  EXPECT_EQ(old.info.target_scaling.method, "none");
}

TEST_F(ModelFileTest, TargetScalingThatDoesNotFitTheModelIsRejected) {
  fathom::save_model(regression_model(), file("r.fathom"));
  const std::string r = fathom::read_file(file("r.fathom"));
  EXPECT_CONTAINS(
      load_error_of(with_metadata(r, [](json& m) { m["info"]["target_scaling"]["mean"].erase(0); })),
      "target scaling");
  EXPECT_CONTAINS(
      load_error_of(with_metadata(r, [](json& m) { m["info"]["target_scaling"]["sd"][1] = 0.0; })),
      "target scaling");
  EXPECT_CONTAINS(
      load_error_of(with_metadata(r, [](json& m) { m["info"]["target_scaling"]["method"] = "minmax"; })),
      "target scaling");
}

}  // namespace

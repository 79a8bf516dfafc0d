// The layer factory: rebuilds a layer from its type name and JSON config (model files).
#include "fathom/nn/layer.hpp"

#include <nlohmann/json.hpp>

#include "fathom/core/error.hpp"
#include "fathom/nn/dense.hpp"
#include "fathom/nn/dropout.hpp"
#include "fathom/nn/normalization.hpp"

namespace fathom {

std::unique_ptr<Layer> make_layer(const std::string& type, const std::string& config_json) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(config_json);
  } catch (const nlohmann::json::exception& e) {
    throw InvalidArgument("layer \"" + type + "\": config is not valid JSON: " + e.what());
  }
  try {
    std::unique_ptr<Layer> layer;
    if (type == "dense") {
      layer = std::make_unique<Dense>(DenseOptions{
          .units = j.at("units").get<Index>(),
          .activation = Activation(j.at("activation").get<std::string>()),
          .use_bias = j.value("use_bias", true),
          .kernel_initializer = Initializer(j.value("kernel_initializer", std::string("glorot_uniform"))),
          .bias_initializer = Initializer(j.value("bias_initializer", std::string("zeros"))),
          .name = j.value("name", std::string())});
    } else if (type == "dropout") {
      layer = std::make_unique<Dropout>(j.at("rate").get<Scalar>());
      layer->set_name(j.value("name", std::string()));
    } else if (type == "normalization") {
      const auto offset = j.at("offset").get<std::vector<Scalar>>();
      const auto scale = j.at("scale").get<std::vector<Scalar>>();
      InputScaling scaling{.method = j.at("method").get<std::string>(),
                           .offset = Eigen::Map<const Vector>(offset.data(), Index(offset.size())),
                           .scale = Eigen::Map<const Vector>(scale.data(), Index(scale.size()))};
      layer = std::make_unique<Normalization>(std::move(scaling));
      layer->set_name(j.value("name", std::string()));
    } else {
      throw InvalidArgument("unknown layer type \"" + type + "\"; known: dense, dropout, normalization");
    }
    return layer;
  } catch (const nlohmann::json::exception& e) {
    throw InvalidArgument("layer \"" + type + "\": bad config " + config_json + ": " + e.what());
  }
}

}  // namespace fathom

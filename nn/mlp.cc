// Copyright 2026 The provi Authors.

#include "nn/mlp.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/status_error.h"

namespace provi {
namespace nn {

Mlp::Mlp(std::string name, std::vector<Index> widths, MlpOptions options)
    : name_(std::move(name)),
      widths_(std::move(widths)),
      options_(std::move(options)) {
  if (name_.empty()) {
    ThrowStatus(absl::InvalidArgumentError("nn::Mlp: empty network name"));
  }
  bool positive = true;
  for (const Index width : widths_) positive = positive && width >= 1;
  if (widths_.size() < 2 || !positive) {
    ThrowStatus(absl::InvalidArgumentError(
        absl::StrCat("nn::Mlp '", name_,
                     "': needs at least two widths (in and out), all "
                     "positive; got {",
                     absl::StrJoin(widths_, ", "), "}")));
  }
  layers_.reserve(widths_.size() - 1);
  for (size_t i = 0; i + 1 < widths_.size(); ++i) {
    layers_.emplace_back(
        absl::StrCat(name_, "/", i), widths_[i], widths_[i + 1],
        options_.layer_options
            ? options_.layer_options(widths_[i], widths_[i + 1])
            : options_.linear);
  }
}

Mlp::Bound Mlp::Bind() const {
  Bound bound;
  bound.mlp_ = this;
  for (const Linear& layer : layers_) bound.layers_.push_back(layer.Bind());
  return bound;
}

Tensor Mlp::Bound::operator()(const Tensor& x) const {
  const MlpOptions& options = mlp_->options_;
  Tensor h = x;
  const size_t last = layers_.size() - 1;
  for (size_t i = 0; i < layers_.size(); ++i) {
    h = Apply(i == last ? options.output_activation : options.hidden_activation,
              layers_[i](h), options.leaky_relu_slope);
  }
  return h;
}

}  // namespace nn
}  // namespace provi

// Copyright 2026 The provi Authors.

#include "nn/lstm.h"

#include <cmath>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "ad/ops.h"
#include "base/status_error.h"
#include "nn/initializers.h"

namespace provi {
namespace nn {
namespace {

[[noreturn]] void ThrowInvalid(const std::string& name,
                               absl::string_view message) {
  ThrowStatus(absl::InvalidArgumentError(
      absl::StrCat("nn::LstmCell '", name, "': ", message)));
}

LinearOptions LayerOptions(Index hidden, uint64_t seed, bool bias) {
  const double bound = 1 / std::sqrt(static_cast<double>(hidden));
  LinearOptions options;
  options.weight_init = Uniform(bound);
  options.bias_init = Uniform(bound);
  options.seed = seed;
  options.bias = bias;
  return options;
}

// Checks the sizes before any layer is built (a Linear would name itself,
// not the cell).
const std::string& Checked(const std::string& name, Index shared_in,
                           Index step_in, Index hidden) {
  if (name.empty()) {
    ThrowStatus(absl::InvalidArgumentError("nn::LstmCell: empty name"));
  }
  if (shared_in < 1 || step_in < 0 || hidden < 1) {
    ThrowInvalid(name, absl::StrCat("needs shared_in >= 1, step_in >= 0 and "
                                    "hidden >= 1, got ",
                                    shared_in, ", ", step_in, " and ", hidden));
  }
  return name;
}

}  // namespace

LstmCell::LstmCell(std::string name, Index shared_in, Index step_in,
                   Index hidden, LstmOptions options)
    : name_(Checked(name, shared_in, step_in, hidden)),
      step_in_(step_in),
      shared_(name_ + "/shared", shared_in, 4 * hidden,
              LayerOptions(hidden, options.seed, /*bias=*/true)),
      hidden_(name_ + "/hidden", hidden, 4 * hidden,
              LayerOptions(hidden, options.seed, /*bias=*/false)) {
  if (step_in > 0) {
    step_.emplace(name_ + "/step", step_in, 4 * hidden,
                  LayerOptions(hidden, options.seed, /*bias=*/false));
  }
}

LstmCell::Bound LstmCell::Bind() const {
  Linear::Bound shared = shared_.Bind();
  std::optional<Linear::Bound> step;
  if (step_.has_value()) step.emplace(step_->Bind());
  Linear::Bound hidden = hidden_.Bind();
  return Bound(this, std::move(shared), std::move(step), std::move(hidden));
}

LstmState LstmCell::Bound::Step(const Tensor& projection,
                                const Tensor& step_input,
                                const LstmState& state) const {
  const std::string& name = cell_->name_;
  const Index h = cell_->hidden();
  if (projection.cols() != 4 * h) {
    ThrowInvalid(name,
                 absl::StrCat("the projection is ", projection.ShapeString(),
                              ", expected ", 4 * h, " columns (4 x hidden)"));
  }
  Tensor gates = projection;
  if (step_.has_value()) gates = gates + (*step_)(step_input);
  if (!state.is_zero()) {
    if (state.h.cols() != h || state.c.cols() != h ||
        state.h.rows() != state.c.rows()) {
      ThrowInvalid(name, absl::StrCat("the state is h ", state.h.ShapeString(),
                                      ", c ", state.c.ShapeString(),
                                      ", expected R x ", h, " each"));
    }
    gates = gates + hidden_(state.h);
  }
  // The sum broadcasts a one-row projection over the lanes; lanes that
  // disagree (R x 4H against R' x 4H) are rejected there.
  const Tensor sigmoid = Sigmoid(gates);
  const Tensor i = SliceCols(sigmoid, 0, h);
  const Tensor f = SliceCols(sigmoid, h, h);
  const Tensor g = Tanh(SliceCols(gates, 2 * h, h));
  const Tensor o = SliceCols(sigmoid, 3 * h, h);
  LstmState next;
  next.c = state.is_zero() ? i * g : f * state.c + i * g;
  next.h = o * Tanh(next.c);
  return next;
}

}  // namespace nn
}  // namespace provi

// Copyright 2026 The provi Authors.

#include "vi/internal/prototype_run.h"

#include <memory>

#include "absl/random/distributions.h"
#include "absl/strings/str_cat.h"
#include "ad/ops.h"
#include "base/random.h"
#include "base/status_error.h"
#include "distributions/bijector.h"
#include "runtime/site_error.h"

namespace provi {
namespace autoguide_internal {

void PrototypeValues::Process(Message& msg) {
  if (msg.kind != SiteKind::kSample || msg.is_observed || msg.is_intervened ||
      msg.value.has_value() || msg.dist()->has_sample()) {
    return;
  }
  // No sampler (an improper prior): Stan's initialisation.
  const Distribution& dist = *msg.dist();
  try {
    const Support support = dist.support();
    const std::shared_ptr<const Bijector> bijector = BijectorFor(support);
    const bool matrix = support.kind() == Support::Kind::kLowerCholesky;
    Matrix u(matrix ? 1 : dist.rows(),
             bijector->UnconstrainedCols(dist.cols()));
    absl::BitGenRef gen = msg.rng.has_value() ? *msg.rng : ThreadRng();
    for (Index k = 0; k < u.size(); ++k) {
      u(k) = static_cast<Real>(
          absl::Uniform<double>(absl::IntervalClosedClosed, gen, -2.0, 2.0));
    }
    msg.value = bijector->Forward(Tensor(u));
  } catch (const StatusError& error) {
    ThrowStatus(AnnotateSite(
        absl::Status(
            error.status().code(),
            absl::StrCat("(", dist.name(), ") ", error.status().message())),
        SiteKind::kSample, msg.address));
  }
}

void PrototypeValues::Postprocess(Message& msg) {
  const bool latent =
      msg.kind == SiteKind::kSample && !msg.is_observed && !msg.is_intervened;
  if ((latent || msg.kind == SiteKind::kParam) && msg.value.has_value()) {
    msg.value = Variable(Matrix(msg.value->value()));
  }
}

PrototypeRun::PrototypeRun(uint64_t seed)
    : seed_(seed),
      block_scope_(block_),
      trace_scope_(trace_),
      values_scope_(values_),
      seed_scope_(seed_) {}

}  // namespace autoguide_internal
}  // namespace provi

// Copyright 2026 The provi Authors.

#include "runtime/handler.h"

#include <cmath>
#include <string>
#include <vector>

#include "absl/base/attributes.h"
#include "absl/base/optimization.h"
#include "absl/strings/str_cat.h"
#include "ad/tensor.h"
#include "base/check.h"
#include "base/random.h"
#include "base/status_error.h"
#include "runtime/primitives.h"
#include "runtime/site_error.h"

namespace provi {
namespace {

std::vector<Handler*>& Stack() {
  thread_local std::vector<Handler*> stack;
  return stack;
}

Rng& ThreadGenerator() {
  thread_local Rng rng;
  return rng;
}

// A reference to the thread's generator, made once: copying it is then a
// plain copy of memory written long ago (building a BitGenRef at every site
// costs a store-forwarding stall when it is passed on).
const absl::BitGenRef& ThreadGeneratorRef() {
  thread_local const absl::BitGenRef ref(ThreadGenerator());
  return ref;
}

// Draws into `msg.value` (constructed in place from the family's result).
struct Draw {
  const Distribution& dist;
  absl::BitGenRef gen;
  operator Tensor() const {  // NOLINT(google-explicit-constructor)
    return dist.has_rsample() ? dist.RSample(gen) : dist.Sample(gen);
  }
};

// Checks that `value` has the site's shape (observed values may also
// broadcast with it, e.g. N data points under a scalar distribution), that
// it contains no NaN and, for a latent site, no infinity (a draw that
// overflowed `Real`, say: a choice no density can be evaluated at).
void CheckSampleValue(const Message& msg, const Distribution& dist) {
  const Tensor& value = *msg.value;
  const Index rows = dist.rows();
  const Index cols = dist.cols();
  const Index value_rows = value.rows();
  const Index value_cols = value.cols();
  if (ABSL_PREDICT_FALSE(value_rows != rows || value_cols != cols)) {
    const bool broadcasts =
        (value_rows == rows || value_rows == 1 || rows == 1) &&
        (value_cols == cols || value_cols == 1 || cols == 1);
    if (!(msg.is_observed && broadcasts) || value.size() == 0) {
      ThrowAtSite(
          absl::InvalidArgumentError(absl::StrCat(
              "value of shape ", value.ShapeString(), " does not match the ",
              dist.name(), " distribution's shape ", rows, "x", cols)),
          msg.kind, msg.address);
    }
  }
  const Real* data = value.value_data();
  const Index size = value.size();
  // One vectorised pass (AllFinite: Eigen's packet sum of x · 0 beyond a
  // few values); a plain loop summing x - x is a chain of dependent
  // additions the compiler may not reorder. Only when it fails, the pass
  // that finds the element.
  if (ABSL_PREDICT_FALSE(!AllFinite(data, size))) {
    for (Index k = 0; k < size; ++k) {
      const bool bad =
          msg.is_observed ? std::isnan(data[k]) : !std::isfinite(data[k]);
      if (bad) {
        ThrowAtSite(
            absl::InvalidArgumentError(absl::StrCat(
                "value element (", k % value_rows, ", ", k / value_rows, ") ",
                std::isnan(data[k])
                    ? std::string("is NaN")
                    : absl::StrCat("= ", data[k], " is not finite"))),
            msg.kind, msg.address);
      }
    }
  }
}

// A factor's log weight: one entry per lane (R x 1 or 1x1), none NaN or
// +inf (-inf, a zero weight, is a log density like any other).
void CheckFactor(const Message& msg) {
  const Tensor& w = *msg.log_prob;
  if (ABSL_PREDICT_FALSE(w.cols() != 1 || w.rows() == 0)) {
    ThrowAtSite(absl::InvalidArgumentError(
                    absl::StrCat("log weight of shape ", w.ShapeString(),
                                 " is not one value per lane (R x 1) or 1x1")),
                msg.kind, msg.address);
  }
  for (Index k = 0; k < w.size(); ++k) {
    const Real x = w.value_data()[k];
    if (ABSL_PREDICT_FALSE(std::isnan(x) || (std::isinf(x) && x > 0))) {
      ThrowAtSite(absl::InvalidArgumentError(
                      absl::StrCat("log weight element (", k, ", 0) = ", x,
                                   " (it must not be NaN or +inf)")),
                  msg.kind, msg.address);
    }
  }
}

// The default behaviour at a sample site: validate, draw if no handler
// supplied a value, check the value.
void DefaultSample(Message& msg) {
  const Distribution* dist = msg.dist();
  PROVI_CHECK(dist != nullptr) << "sample message without distribution";
  const bool validate = DistributionValidationEnabled();
  if (validate) ValidateSite(msg);
  if (!msg.value.has_value()) {
    try {
      msg.value.emplace(
          Draw{*dist, msg.rng.has_value() ? *msg.rng : ThreadGeneratorRef()});
    } catch (const StatusError& error) {
      ThrowAtSite(error.status(), msg.kind, msg.address);
    }
  }
  if (validate) CheckSampleValue(msg, *dist);
}

// The default behaviour at the other sites.
ABSL_ATTRIBUTE_NOINLINE void DefaultOther(Message& msg) {
  switch (msg.kind) {
    case SiteKind::kParam:
      if (!msg.value.has_value()) {
        PROVI_CHECK(msg.param_init != nullptr) << "param without initialiser";
        msg.value = (*msg.param_init)();
      }
      break;
    case SiteKind::kPlate:
      // Without subsampling the indices are implicit (0..size-1).
      if (!msg.value.has_value() && msg.plate.subsample_size < msg.plate.size) {
        msg.value = DrawSubsample(msg.plate,
                                  msg.rng.has_value() ? *msg.rng : ThreadRng());
      }
      break;
    case SiteKind::kFactor:
      if (msg.log_prob.has_value()) CheckFactor(msg);
      break;
    case SiteKind::kSample:
    case SiteKind::kDeterministic:
      break;
  }
}

void DefaultProcess(Message& msg) {
  if (msg.kind == SiteKind::kSample) {
    DefaultSample(msg);
  } else {
    DefaultOther(msg);
  }
}

}  // namespace

const char* SiteKindName(SiteKind kind) {
  switch (kind) {
    case SiteKind::kSample:
      return "sample";
    case SiteKind::kParam:
      return "param";
    case SiteKind::kFactor:
      return "factor";
    case SiteKind::kDeterministic:
      return "deterministic";
    case SiteKind::kPlate:
      return "plate";
  }
  return "?";
}

HandlerScope::HandlerScope(Handler& handler) : handler_(&handler) {
  Stack().push_back(handler_);
}

HandlerScope::~HandlerScope() {
  std::vector<Handler*>& stack = Stack();
  PROVI_CHECK(!stack.empty() && stack.back() == handler_)
      << "HandlerScopes destroyed out of order";
  stack.pop_back();
}

void ValidateSite(Message& msg) {
  const Distribution* dist = msg.dist();
  if (dist == msg.validated || !DistributionValidationEnabled()) return;
  PROVI_CHECK(dist != nullptr) << "sample message without distribution";
  const absl::Status status = dist->Validate();
  if (ABSL_PREDICT_FALSE(!status.ok()))
    ThrowAtSite(status, msg.kind, msg.address);
  if (ABSL_PREDICT_FALSE(dist->rows() == 0 || dist->cols() == 0)) {
    ThrowAtSite(absl::InvalidArgumentError(absl::StrCat(
                    "the ", dist->name(), " distribution's shape ",
                    dist->rows(), "x", dist->cols(),
                    " is empty: a site needs at least one lane and one "
                    "component")),
                msg.kind, msg.address);
  }
  msg.validated = dist;
}

void ApplyStack(Message& msg) {
  if (msg.kind == SiteKind::kSample) ValidateSite(msg);
  // Indexed, not iterated: a handler may run a program of its own (with
  // handlers of its own) while it processes a message, which can move the
  // stack's storage; it leaves the stack as it found it.
  std::vector<Handler*>& stack = Stack();
  const size_t depth = stack.size();
  // Phase 1: innermost (back) outwards, until a handler stops the message.
  size_t reached = depth;  // the outermost handler reached
  while (reached > 0) {
    stack[--reached]->Process(msg);
    if (msg.stop) break;
  }
  // Phase 2.
  DefaultProcess(msg);
  // Phase 3: the handlers reached, outermost first.
  for (size_t i = reached; i < depth; ++i) stack[i]->Postprocess(msg);
}

int HandlerDepth() { return static_cast<int>(Stack().size()); }

absl::BitGenRef ThreadRng() { return ThreadGeneratorRef(); }

void SeedThreadRng(uint64_t seed) { ThreadGenerator() = MakeRng(seed); }

}  // namespace provi

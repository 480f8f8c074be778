// Copyright 2026 The provi Authors.

#include "handlers/trace.h"

namespace provi {

void TraceHandler::Postprocess(Message& msg) {
  Site site;
  site.kind = msg.kind;
  site.address = msg.address;
  if (msg.kind == SiteKind::kSample) {
    site.distribution = msg.owned_distribution != nullptr
                            ? msg.owned_distribution
                            : msg.distribution->Clone();
  }
  site.value = msg.value;
  if (msg.kind == SiteKind::kFactor) site.log_weight = msg.log_prob;
  site.scale = msg.scale;
  site.mask = msg.mask;
  site.is_observed = msg.is_observed;
  site.is_intervened = msg.is_intervened;
  site.plates = msg.plates;
  site.plate = msg.plate;
  site.estimator = msg.estimator;
  site.constraint = msg.constraint;
  ThrowIfError(trace_.Add(std::move(site)));
}

}  // namespace provi

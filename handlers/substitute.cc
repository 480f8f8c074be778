// Copyright 2026 The provi Authors.

#include "handlers/substitute.h"

#include <memory>

namespace provi {

SubstituteHandler::SubstituteHandler(ValueMap values) {
  auto shared = std::make_shared<const ValueMap>(std::move(values));
  function_ = [shared](const Message& msg) -> std::optional<Tensor> {
    auto it = shared->find(msg.address);
    if (it == shared->end()) return std::nullopt;
    return it->second;
  };
}

void SubstituteHandler::Process(Message& msg) {
  const bool latent_sample = msg.kind == SiteKind::kSample && !msg.is_observed;
  if (!latent_sample && msg.kind != SiteKind::kParam) return;
  std::optional<Tensor> value = function_(msg);
  if (value.has_value()) msg.value = std::move(*value);
}

}  // namespace provi

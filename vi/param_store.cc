// Copyright 2026 The provi Authors.

#include "vi/param_store.h"

#include <cmath>
#include <cstdint>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "ad/tape.h"
#include "base/check.h"
#include "base/status_error.h"
#include "data/files.h"
#include "distributions/bijector.h"
#include "runtime/site_error.h"
#include "vi/internal/checkpoint_format.h"

namespace provi {

struct ParamStore::Entry {
  Address address;
  Support constraint = Support::Real();
  std::shared_ptr<const Bijector> bijector;
  Parameter parameter;
  // Whether the shape of the program's initial value has been compared with
  // the stored one: true for entries created from `init`, false for entries
  // created or reshaped by Load until the program first uses them.
  bool init_checked = false;
};

namespace {

// The unconstrained value of the site's initial value: calls `init` once,
// checks the value against the constraint and that it maps to finite reals.
Matrix UnconstrainedInit(const Message& msg, const Bijector& bijector) {
  PROVI_CHECK(msg.param_init != nullptr) << "param message without init";
  try {
    // Only the value is kept: the initial value is a constant.
    NoRecordScope no_record;
    const Tensor init = (*msg.param_init)();
    if (init.size() == 0) {
      ThrowStatus(absl::InvalidArgumentError(absl::StrCat(
          "the initial value is empty (", init.ShapeString(), ")")));
    }
    ThrowIfError(msg.constraint.Check(init, "initial value"));
    const Tensor u = bijector.Inverse(init);
    const auto values = u.value();
    for (Index j = 0; j < values.cols(); ++j) {
      for (Index i = 0; i < values.rows(); ++i) {
        if (!std::isfinite(values(i, j))) {
          ThrowStatus(absl::InvalidArgumentError(absl::StrCat(
              "the initial value lies on the boundary of ",
              msg.constraint.ToString(), ": its unconstrained element (", i,
              ", ", j, ") is ", values(i, j))));
        }
      }
    }
    return Matrix(values);
  } catch (const StatusError& error) {
    ThrowAtSite(error.status(), msg.kind, msg.address);
  }
}

}  // namespace

// -----------------------------------------------------------------------------
// ParamStore
// -----------------------------------------------------------------------------

ParamStore::ParamStore() = default;
ParamStore::~ParamStore() = default;

ParamStore::Entry* ParamStore::Find(Address address) const {
  auto it = index_.find(address);
  return it == index_.end() ? nullptr : it->second;
}

ParamStore::Entry& ParamStore::Append(Address address, Support constraint,
                                      std::shared_ptr<const Bijector> bijector,
                                      Matrix unconstrained) {
  auto entry = std::make_unique<Entry>();
  entry->address = address;
  entry->constraint = constraint;
  entry->bijector = std::move(bijector);
  entry->parameter = Parameter(std::move(unconstrained));
  Entry& out = *entry;
  entries_.push_back(std::move(entry));
  index_.emplace(address, &out);
  named_.push_back(NamedParameter{address, &out.parameter});
  pointers_.push_back(&out.parameter);
  return out;
}

ParamStore::Entry& ParamStore::Create(const Message& msg) {
  if (msg.constraint.has_tensor_bounds()) {
    ThrowAtSite(absl::InvalidArgumentError(absl::StrCat(
                    "the constraint ", msg.constraint.ToString(),
                    " has tensor bounds; a stored parameter needs fixed "
                    "bounds (store it unconstrained and map it with "
                    "SigmoidBijector(lower, upper) where it is used)")),
                msg.kind, msg.address);
  }
  std::shared_ptr<const Bijector> bijector;
  try {
    bijector = BijectorFor(msg.constraint);
  } catch (const StatusError& error) {
    ThrowAtSite(error.status(), msg.kind, msg.address);
  }
  Matrix unconstrained = UnconstrainedInit(msg, *bijector);
  Entry& entry = Append(msg.address, msg.constraint, std::move(bijector),
                        std::move(unconstrained));
  entry.init_checked = true;
  return entry;
}

void ParamStore::CheckUse(Entry& entry, const Message& msg) {
  if (!(entry.constraint == msg.constraint)) {
    ThrowAtSite(absl::InvalidArgumentError(absl::StrCat(
                    "used with constraint ", msg.constraint.ToString(),
                    " but the stored parameter has constraint ",
                    entry.constraint.ToString())),
                msg.kind, msg.address);
  }
  if (entry.init_checked) return;
  const Matrix init = UnconstrainedInit(msg, *entry.bijector);
  const Parameter& stored = entry.parameter;
  if (init.rows() != stored.rows() || init.cols() != stored.cols()) {
    ThrowAtSite(
        absl::InvalidArgumentError(absl::StrCat(
            "the initial value's unconstrained shape is ", init.rows(), "x",
            init.cols(), " but the stored (loaded) parameter's is ",
            stored.rows(), "x", stored.cols())),
        msg.kind, msg.address);
  }
  entry.init_checked = true;
}

void ParamStore::Process(Message& msg) {
  if (msg.kind != SiteKind::kParam || msg.value.has_value()) return;
  Entry* entry = Find(msg.address);
  if (entry == nullptr) {
    entry = &Create(msg);
  } else {
    CheckUse(*entry, msg);
  }
  try {
    msg.value = entry->bijector->Forward(entry->parameter.tensor());
  } catch (const StatusError& error) {
    ThrowAtSite(error.status(), msg.kind, msg.address);
  }
}

bool ParamStore::Contains(absl::string_view name) const {
  return Find(Address::Intern(name)) != nullptr;
}

absl::StatusOr<Tensor> ParamStore::Get(absl::string_view name) const {
  const Entry* entry = Find(Address::Intern(name));
  if (entry == nullptr) {
    return absl::NotFoundError(absl::StrCat("no parameter named '", name, "'"));
  }
  return CatchStatusOr([&] {
    NoRecordScope no_record;
    const Tensor value =
        entry->bijector->Forward(Tensor(entry->parameter.value()));
    // A copy that owns its storage: inside a TapeScope `value` is in the
    // arena.
    return Tensor(Matrix(value.value()));
  });
}

absl::StatusOr<Parameter*> ParamStore::Unconstrained(absl::string_view name) {
  Entry* entry = Find(Address::Intern(name));
  if (entry == nullptr) {
    return absl::NotFoundError(absl::StrCat("no parameter named '", name, "'"));
  }
  return &entry->parameter;
}

absl::StatusOr<Support> ParamStore::Constraint(absl::string_view name) const {
  const Entry* entry = Find(Address::Intern(name));
  if (entry == nullptr) {
    return absl::NotFoundError(absl::StrCat("no parameter named '", name, "'"));
  }
  return entry->constraint;
}

void ParamStore::ZeroGrad() {
  for (Parameter* parameter : pointers_) parameter->ZeroGrad();
}

absl::Status ParamStore::CheckGradientsFinite() const {
  for (const NamedParameter& named : named_) {
    const Matrix& grad = named.parameter->grad();
    if (AllFinite(grad)) continue;  // one vectorised pass
    for (Index c = 0; c < grad.cols(); ++c) {
      for (Index r = 0; r < grad.rows(); ++r) {
        if (!std::isfinite(grad(r, c))) {
          return absl::InvalidArgumentError(
              absl::StrCat("parameter '", named.address.name(),
                           "' has a non-finite gradient: element (", r, ", ", c,
                           ") is ", grad(r, c), "; nothing was updated"));
        }
      }
    }
  }
  return absl::OkStatus();
}

void ParamStore::Clear() {
  index_.clear();
  named_.clear();
  pointers_.clear();
  entries_.clear();
}

absl::Status ParamStore::Save(const std::string& path) const {
  // Create() only accepts constraints that have a bijector, which the
  // format has codes for.
  std::vector<param_store_internal::CheckpointView> params;
  params.reserve(entries_.size());
  for (const std::unique_ptr<Entry>& entry : entries_) {
    const Matrix& value = entry->parameter.value();
    for (Index k = 0; k < value.size(); ++k) {
      if (!std::isfinite(value.data()[k])) {
        return absl::FailedPreconditionError(absl::StrCat(
            "Save '", path, "': parameter '", entry->address.name(),
            "' element (", k % value.rows(), ", ", k / value.rows(),
            ") = ", value.data()[k], " is not finite; nothing was written"));
      }
    }
    params.push_back({entry->address, &entry->constraint, &value});
  }
  return WriteFileAtomically(path,
                             param_store_internal::EncodeCheckpoint(params));
}

absl::Status ParamStore::Load(const std::string& path, LoadOptions options) {
  absl::StatusOr<std::string> read = ReadFileToString(path);
  if (!read.ok()) return read.status();
  const std::string& bytes = *read;
  absl::StatusOr<std::vector<param_store_internal::CheckpointParam>> loaded =
      param_store_internal::DecodeCheckpoint(path, bytes);
  if (!loaded.ok()) return loaded.status();

  if (options.strict) {
    absl::flat_hash_map<Address, const param_store_internal::CheckpointParam*>
        by_address;
    for (const param_store_internal::CheckpointParam& p : *loaded)
      by_address.emplace(p.address, &p);
    std::vector<std::string> problems;
    for (const std::unique_ptr<Entry>& entry : entries_) {
      const std::string& name = entry->address.name();
      auto it = by_address.find(entry->address);
      if (it == by_address.end()) {
        problems.push_back(absl::StrCat("'", name, "' is not in the file"));
        continue;
      }
      const param_store_internal::CheckpointParam& p = *it->second;
      const Parameter& stored = entry->parameter;
      if (p.value.rows() != stored.rows() || p.value.cols() != stored.cols()) {
        problems.push_back(
            absl::StrCat("'", name, "' is ", stored.rows(), "x", stored.cols(),
                         " (unconstrained) in the store but ", p.value.rows(),
                         "x", p.value.cols(), " in the file"));
      }
      if (!(p.constraint == entry->constraint)) {
        problems.push_back(absl::StrCat(
            "'", name, "' has constraint ", entry->constraint.ToString(),
            " in the store but ", p.constraint.ToString(), " in the file"));
      }
    }
    if (!problems.empty()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "parameter file '", path,
          "' disagrees with the store: ", absl::StrJoin(problems, "; ")));
    }
  }

  for (param_store_internal::CheckpointParam& p : *loaded) {
    Entry* entry = Find(p.address);
    if (entry == nullptr) {
      Append(p.address, p.constraint, std::move(p.bijector),
             std::move(p.value));
      continue;
    }
    Parameter& parameter = entry->parameter;
    if (p.value.rows() == parameter.rows() &&
        p.value.cols() == parameter.cols()) {
      // Same storage: tensors viewing the parameter stay valid.
      parameter.value() = p.value;
      parameter.ZeroGrad();
    } else {
      parameter.Reset(std::move(p.value));
      entry->init_checked = false;
    }
    if (!(p.constraint == entry->constraint)) {
      entry->constraint = p.constraint;
      entry->bijector = std::move(p.bijector);
      entry->init_checked = false;
    }
  }
  return absl::OkStatus();
}

}  // namespace provi

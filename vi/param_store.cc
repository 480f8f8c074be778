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

// ---------------------------------------------------------------------------
// The file format (see the header)
// ---------------------------------------------------------------------------

constexpr char kMagic[8] = {'P', 'R', 'O', 'V', 'I', 'P', 'R', 'M'};
constexpr uint32_t kVersion = 1;
// magic + version + body length.
constexpr size_t kHeaderBytes = 8 + 4 + 8;
constexpr size_t kChecksumBytes = 8;

// Stable codes of the constraints a parameter can have (the enum's values
// are not part of the format).
int ConstraintCode(const Support& support) {
  switch (support.kind()) {
    case Support::Kind::kReal:
      return 0;
    case Support::Kind::kPositive:
      return 1;
    case Support::Kind::kNonNegative:
      return 2;
    case Support::Kind::kInterval:
      return 3;
    case Support::Kind::kSimplex:
      return 4;
    case Support::Kind::kLowerCholesky:
      return 5;
    case Support::Kind::kPoint:
      return 6;
    case Support::Kind::kOrdered:
      return 7;
    case Support::Kind::kNonNegativeInteger:
    case Support::Kind::kIntegerInterval:
      break;
  }
  return -1;
}

absl::StatusOr<Support> ConstraintFromCode(uint8_t code, double lower,
                                           double upper) {
  switch (code) {
    case 0:
      return Support::Real();
    case 1:
      return Support::Positive();
    case 2:
      return Support::NonNegative();
    case 3:
      return Support::Interval(static_cast<Real>(lower),
                               static_cast<Real>(upper));
    case 4:
      return Support::Simplex();
    case 5:
      return Support::LowerCholesky();
    case 6:
      return Support::Point();
    case 7:
      return Support::Ordered();
    default:
      return absl::InvalidArgumentError(
          absl::StrCat("unknown constraint kind ", code));
  }
}

// One parameter read from a file.
struct Loaded {
  Address address;
  Support constraint = Support::Real();
  std::shared_ptr<const Bijector> bijector;
  Matrix value;
};

absl::Status DataLoss(const std::string& path, absl::string_view what) {
  return absl::DataLossError(
      absl::StrCat("parameter file '", path, "': ", what));
}

// Parses and validates a whole file (see the header); `path` is for
// messages.
absl::StatusOr<std::vector<Loaded>> ParseFile(const std::string& path,
                                              absl::string_view bytes) {
  ByteReader header(bytes);
  absl::string_view magic;
  if (!header.Bytes(sizeof(kMagic), &magic)) {
    return DataLoss(path, absl::StrCat("truncated: ", bytes.size(),
                                       " bytes is shorter than the header"));
  }
  if (magic != absl::string_view(kMagic, sizeof(kMagic))) {
    return absl::InvalidArgumentError(
        absl::StrCat("parameter file '", path,
                     "': not a provi parameter file (wrong magic bytes)"));
  }
  uint32_t version = 0;
  uint64_t body_bytes = 0;
  if (!header.U32(&version) || !header.U64(&body_bytes)) {
    return DataLoss(path, absl::StrCat("truncated: ", bytes.size(),
                                       " bytes is shorter than the header"));
  }
  if (version != kVersion) {
    return absl::InvalidArgumentError(absl::StrCat(
        "parameter file '", path, "': format version ", version,
        " is not supported (this build reads version ", kVersion, ")"));
  }
  const uint64_t payload = bytes.size() - kHeaderBytes;
  if (body_bytes > payload || payload - body_bytes < kChecksumBytes) {
    return DataLoss(path, absl::StrCat("truncated: ", bytes.size(),
                                       " bytes, expected ", kHeaderBytes, " + ",
                                       body_bytes, " + ", kChecksumBytes));
  }
  if (payload - body_bytes > kChecksumBytes) {
    return DataLoss(path, absl::StrCat(payload - body_bytes - kChecksumBytes,
                                       " unexpected bytes after the checksum"));
  }
  const size_t checked = kHeaderBytes + static_cast<size_t>(body_bytes);
  ByteReader trailer(bytes.substr(checked));
  uint64_t checksum = 0;
  trailer.U64(&checksum);
  if (checksum != Fnv1a64(bytes.substr(0, checked))) {
    return DataLoss(path, "checksum mismatch: the file is corrupted");
  }

  // The checksum matched, so a body that does not parse was written wrong.
  ByteReader body(bytes.substr(kHeaderBytes, static_cast<size_t>(body_bytes)));
  const auto malformed = [&](absl::string_view what) {
    return DataLoss(path, absl::StrCat("malformed body: ", what));
  };
  uint64_t count = 0;
  if (!body.U64(&count)) return malformed("no parameter count");
  std::vector<Loaded> loaded;
  absl::flat_hash_map<Address, size_t> seen;
  for (uint64_t p = 0; p < count; ++p) {
    uint32_t name_length = 0;
    absl::string_view name;
    uint8_t code = 0;
    double lower = 0, upper = 0;
    uint64_t rows = 0, cols = 0;
    if (!body.U32(&name_length) || !body.Bytes(name_length, &name) ||
        !body.U8(&code) || !body.F64(&lower) || !body.F64(&upper) ||
        !body.U64(&rows) || !body.U64(&cols)) {
      return malformed(absl::StrCat("parameter ", p, " is cut short"));
    }
    // Save never writes an empty parameter; this also keeps both sizes
    // below the remaining byte count, so they fit an Index.
    if (rows == 0 || cols == 0) {
      return malformed(
          absl::StrCat("parameter '", name, "' is ", rows, "x", cols));
    }
    const uint64_t room = body.remaining() / sizeof(double);
    if (cols > room / rows) {
      return malformed(absl::StrCat("parameter '", name, "' claims ", rows, "x",
                                    cols, " values; ", room, " remain"));
    }
    if (name.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "parameter file '", path, "': parameter ", p, " has an empty name"));
    }
    Loaded entry;
    entry.address = Address::Intern(name);
    if (!seen.emplace(entry.address, loaded.size()).second) {
      return malformed(absl::StrCat("parameter '", name, "' appears twice"));
    }
    absl::StatusOr<Support> constraint = ConstraintFromCode(code, lower, upper);
    if (!constraint.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("parameter file '", path, "': parameter '", name,
                       "': ", constraint.status().message()));
    }
    entry.constraint = *constraint;
    entry.value.resize(static_cast<Index>(rows), static_cast<Index>(cols));
    for (Index k = 0; k < entry.value.size(); ++k) {
      double v = 0;
      body.F64(&v);
      entry.value.data()[k] = static_cast<Real>(v);
      // Save writes finite values only (a store holding NaN is refused), so
      // a non-finite one was put there by something else; a double beyond
      // the largest float also lands here in the float build.
      if (!std::isfinite(entry.value.data()[k])) {
        return absl::InvalidArgumentError(absl::StrCat(
            "parameter file '", path, "': parameter '", name, "' element (",
            k % entry.value.rows(), ", ", k / entry.value.rows(), ") = ", v,
            std::isfinite(v) ? " does not fit provi::Real" : " is not finite"));
      }
    }
    // The bijector must accept the value's shape (e.g. one row of
    // D(D+1)/2 entries for a Cholesky factor).
    const absl::Status usable = CatchStatus([&] {
      entry.bijector = BijectorFor(entry.constraint);
      NoRecordScope no_record;
      entry.bijector->Forward(Tensor(entry.value));
    });
    if (!usable.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("parameter file '", path, "': parameter '", name, "' (",
                       entry.constraint.ToString(), ", ", rows, "x", cols,
                       "): ", usable.message()));
    }
    loaded.push_back(std::move(entry));
  }
  if (body.remaining() != 0) {
    return malformed(
        absl::StrCat(body.remaining(), " bytes left after the last parameter"));
  }
  return loaded;
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
  std::string body;
  PutU64(body, entries_.size());
  for (const std::unique_ptr<Entry>& entry : entries_) {
    const std::string& name = entry->address.name();
    const int code = ConstraintCode(entry->constraint);
    // Create() only accepts constraints that have a bijector.
    PROVI_CHECK(code >= 0) << "parameter '" << name << "' has constraint "
                           << entry->constraint.ToString();
    PutU32(body, static_cast<uint32_t>(name.size()));
    body.append(name);
    PutU8(body, static_cast<uint8_t>(code));
    const bool interval = entry->constraint.kind() == Support::Kind::kInterval;
    PutF64(body, interval ? entry->constraint.lower() : 0.0);
    PutF64(body, interval ? entry->constraint.upper() : 0.0);
    const Matrix& value = entry->parameter.value();
    for (Index k = 0; k < value.size(); ++k) {
      if (!std::isfinite(value.data()[k])) {
        return absl::FailedPreconditionError(absl::StrCat(
            "Save '", path, "': parameter '", name, "' element (",
            k % value.rows(), ", ", k / value.rows(), ") = ", value.data()[k],
            " is not finite; nothing was written"));
      }
    }
    PutU64(body, static_cast<uint64_t>(value.rows()));
    PutU64(body, static_cast<uint64_t>(value.cols()));
    for (Index k = 0; k < value.size(); ++k) PutF64(body, value.data()[k]);
  }
  std::string file(kMagic, sizeof(kMagic));
  PutU32(file, kVersion);
  PutU64(file, body.size());
  file.append(body);
  PutU64(file, Fnv1a64(file));
  return WriteFileAtomically(path, file);
}

absl::Status ParamStore::Load(const std::string& path, LoadOptions options) {
  absl::StatusOr<std::string> read = ReadFileToString(path);
  if (!read.ok()) return read.status();
  const std::string& bytes = *read;
  absl::StatusOr<std::vector<Loaded>> loaded = ParseFile(path, bytes);
  if (!loaded.ok()) return loaded.status();

  if (options.strict) {
    absl::flat_hash_map<Address, const Loaded*> by_address;
    for (const Loaded& p : *loaded) by_address.emplace(p.address, &p);
    std::vector<std::string> problems;
    for (const std::unique_ptr<Entry>& entry : entries_) {
      const std::string& name = entry->address.name();
      auto it = by_address.find(entry->address);
      if (it == by_address.end()) {
        problems.push_back(absl::StrCat("'", name, "' is not in the file"));
        continue;
      }
      const Loaded& p = *it->second;
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

  for (Loaded& p : *loaded) {
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

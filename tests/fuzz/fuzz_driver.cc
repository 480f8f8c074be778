// Copyright 2026 The provi Authors.

#include "tests/fuzz/fuzz_driver.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "ad/ops.h"
#include "ad/tape.h"
#include "base/status_error.h"
#include "distributions/bernoulli.h"
#include "distributions/beta.h"
#include "distributions/binomial.h"
#include "distributions/categorical.h"
#include "distributions/cauchy.h"
#include "distributions/delta.h"
#include "distributions/dirichlet.h"
#include "distributions/exponential.h"
#include "distributions/gamma.h"
#include "distributions/geometric.h"
#include "distributions/half_cauchy.h"
#include "distributions/half_normal.h"
#include "distributions/laplace.h"
#include "distributions/log_normal.h"
#include "distributions/mv_normal.h"
#include "distributions/normal.h"
#include "distributions/poisson.h"
#include "distributions/student_t.h"
#include "distributions/uniform.h"
#include "estimators/baselines.h"
#include "estimators/expectation.h"
#include "estimators/strategies.h"
#include "handlers/block.h"
#include "handlers/condition.h"
#include "handlers/mask.h"
#include "handlers/scale.h"
#include "handlers/scope.h"
#include "handlers/seed.h"
#include "handlers/trace.h"
#include "runtime/primitives.h"
#include "vi/objectives.h"
#include "vi/optimizers.h"
#include "vi/param_store.h"
#include "vi/svi.h"

namespace provi {
namespace fuzz {
namespace {

// Reads decisions from the input; zeros past its end.
class Bytes {
 public:
  explicit Bytes(absl::string_view data) : data_(data) {}
  uint8_t Byte() {
    return pos_ < data_.size() ? static_cast<uint8_t>(data_[pos_++]) : 0;
  }
  // Uniform-ish in [0, n).
  int Pick(int n) { return n <= 1 ? 0 : Byte() % n; }
  bool Coin(int percent) { return Pick(100) < percent; }

 private:
  absl::string_view data_;
  size_t pos_ = 0;
};

constexpr double kInf = std::numeric_limits<double>::infinity();

// A parameter value: usually ordinary, sometimes extreme.
double Value(Bytes& in, bool positive) {
  static const double kExtremes[] = {
      0.0,
      -0.0,
      std::numeric_limits<double>::denorm_min(),
      std::numeric_limits<float>::denorm_min(),
      std::numeric_limits<float>::min(),
      std::numeric_limits<float>::max(),
      -std::numeric_limits<float>::max(),
      kInf,
      -kInf,
      std::numeric_limits<double>::quiet_NaN(),
      1e300,
      -1e300,
      1e-300,
      1e30,
      -1e30,
      1e19,
      -1.0,
      1.0,
      0.5,
      std::numeric_limits<float>::epsilon(),
  };
  if (in.Coin(25)) {
    return kExtremes[in.Pick(sizeof(kExtremes) / sizeof(kExtremes[0]))];
  }
  const double x = (in.Byte() + 1) / 64.0;  // (0, 4]
  return positive || in.Coin(60) ? x : -x;
}

// A tensor of the given shape filled with one or several values.
Tensor Filled(Bytes& in, Index rows, Index cols, bool positive) {
  Matrix m(rows, cols);
  const bool single = in.Coin(70);
  const double first = Value(in, positive);
  for (Index k = 0; k < m.size(); ++k) {
    m.data()[k] = static_cast<Real>(single ? first : Value(in, positive));
  }
  return Tensor(m);
}

// A parameter's shape: mostly 1x1 or the site's, sometimes anything small.
std::pair<Index, Index> ParamShape(Bytes& in, Index rows, Index cols) {
  switch (in.Pick(8)) {
    case 0:
      return {in.Pick(4), in.Pick(4)};
    case 1:
    case 2:
      return {rows, cols};
    default:
      return {1, 1};
  }
}

Tensor Param(Bytes& in, Index rows, Index cols, bool positive) {
  const auto [r, c] = ParamShape(in, rows, cols);
  return Filled(in, r, c, positive);
}

constexpr int kFamilies = 21;

// A random family; `rows` x `cols` is the intended shape.
std::shared_ptr<const Distribution> MakeFamily(Bytes& in, int family,
                                               Index rows, Index cols,
                                               std::string* name) {
  auto p = [&](bool positive) { return Param(in, rows, cols, positive); };
  auto share = [](auto d) -> std::shared_ptr<const Distribution> {
    return std::make_shared<decltype(d)>(std::move(d));
  };
  switch (family) {
    case 0:
      *name = "Normal";
      return share(Normal(p(false), p(true)));
    case 1:
      *name = "LogNormal";
      return share(LogNormal(p(false), p(true)));
    case 2:
      *name = "Laplace";
      return share(Laplace(p(false), p(true)));
    case 3:
      *name = "Cauchy";
      return share(Cauchy(p(false), p(true)));
    case 4:
      *name = "HalfCauchy";
      return share(HalfCauchy(p(true)));
    case 5:
      *name = "HalfNormal";
      return share(HalfNormal(p(true)));
    case 6:
      *name = "Exponential";
      return share(Exponential(p(true)));
    case 7:
      *name = "Gamma";
      return share(Gamma(p(true), p(true)));
    case 8:
      *name = "Beta";
      return share(Beta(p(true), p(true)));
    case 9:
      *name = "StudentT";
      return share(StudentT(p(true), p(false), p(true)));
    case 10:
      *name = "Uniform";
      return share(Uniform(p(false), p(true)));
    case 11:
      *name = "Delta";
      return share(Delta(p(false)));
    case 12:
      *name = "Bernoulli.probs";
      return share(
          Bernoulli::FromProbs(Filled(in, rows, cols, true) * Real(0.25)));
    case 13:
      *name = "Bernoulli.logits";
      return share(Bernoulli::FromLogits(p(false)));
    case 14:
      *name = "Geometric";
      return share(Geometric(p(true) * Real(0.25)));
    case 15:
      *name = "Poisson";
      return share(Poisson(p(true)));
    case 16: {
      static const int64_t kCounts[] = {0,
                                        1,
                                        3,
                                        -1,
                                        int64_t{1} << 53,
                                        (int64_t{1} << 53) + 1,
                                        std::numeric_limits<int64_t>::max()};
      const int64_t n = kCounts[in.Pick(7)];
      *name = "Binomial";
      return share(Binomial(n, p(true) * Real(0.25)));
    }
    case 17:
      *name = "Categorical.probs";
      return share(Categorical::FromProbs(
          Filled(in, in.Coin(80) ? 1 : rows, cols, true)));
    case 18:
      *name = "Categorical.logits";
      return share(Categorical::FromLogits(
          Filled(in, in.Coin(80) ? 1 : rows, cols, false)));
    case 19:
      *name = "Dirichlet";
      return share(Dirichlet(Filled(in, in.Coin(80) ? 1 : rows, cols, true)));
    default: {
      *name = "MvNormal";
      Matrix tril = Matrix::Identity(cols, cols);
      if (in.Coin(30) && tril.size() > 0) {
        tril(in.Pick(static_cast<int>(cols)), 0) =
            static_cast<Real>(Value(in, false));
      }
      return share(MvNormal(p(false), Tensor(tril)));
    }
  }
}

enum class Kind { kSample, kObserve, kFactor, kParam };

struct SiteSpec {
  Kind kind = Kind::kSample;
  std::string address;
  std::shared_ptr<const Distribution> dist;
  std::string family;
  std::optional<Tensor> observed;  // observe sites
  Tensor factor;                   // factor sites
  int strategy = 0;  // 0 default, 1 enumerate, 2 score, 3 mvd, 4 pathwise
  bool in_plate = false;
  bool invalid = false;  // Validate fails, empty shape, NaN value
};

struct ProgramSpec {
  std::vector<SiteSpec> sites;
  Index plate_size = 0;  // 0: no plate
  Index plate_subsample = -1;
  int returns = 0;  // 0 sum, 1 the last site's value, 2 a 2x3, 3 0x1
  bool duplicate = false;
  bool invalid_site = false;
  std::vector<std::string> invalid_addresses;
};

bool HasNaN(const Tensor& t) { return t.value().array().isNaN().any(); }

SiteSpec MakeSite(Bytes& in, int index, const std::string& prefix) {
  SiteSpec site;
  const int kind = in.Pick(10);
  site.kind = kind < 6   ? Kind::kSample
              : kind < 8 ? Kind::kObserve
              : kind < 9 ? Kind::kFactor
                         : Kind::kParam;
  site.address = absl::StrCat(prefix, "s", in.Coin(8) ? 0 : index);
  const Index rows = in.Coin(10) ? 0 : 1 + in.Pick(3);
  const Index cols = in.Coin(8) ? 0 : 1 + in.Pick(3);
  site.strategy = in.Coin(60) ? 0 : in.Pick(5);
  site.in_plate = in.Coin(30);
  if (site.kind == Kind::kFactor) {
    site.factor = Filled(in, rows, 1, false);
    site.invalid = HasNaN(site.factor) || rows == 0;
    return site;
  }
  if (site.kind == Kind::kParam) return site;
  site.dist = MakeFamily(in, in.Pick(kFamilies), rows, cols, &site.family);
  if (in.Coin(10)) {
    const Index r = in.Pick(4) - 1;
    site.dist = site.dist->ExpandRows(r);
  }
  site.invalid = !site.dist->Validate().ok() || site.dist->rows() == 0 ||
                 site.dist->cols() == 0;
  if (site.kind == Kind::kObserve) {
    // (An invalid distribution's shape may be negative.)
    const Index r =
        in.Coin(80) ? std::max<Index>(site.dist->rows(), 0) : in.Pick(4);
    const Index c =
        in.Coin(80) ? std::max<Index>(site.dist->cols(), 0) : in.Pick(4);
    site.observed = Filled(in, r, c, true);
    if (HasNaN(*site.observed)) site.invalid = true;
  }
  return site;
}

ProgramSpec MakeProgram(Bytes& in, const std::string& prefix) {
  ProgramSpec spec;
  const int count = 1 + in.Pick(4);
  for (int i = 0; i < count; ++i) spec.sites.push_back(MakeSite(in, i, prefix));
  if (in.Coin(25)) {
    spec.plate_size = in.Pick(5) - (in.Coin(10) ? 1 : 0);
    spec.plate_subsample = in.Coin(30) ? in.Pick(6) - 1 : -1;
  }
  spec.returns = in.Coin(85) ? in.Pick(2) : 2 + in.Pick(2);
  for (size_t i = 0; i < spec.sites.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      if (spec.sites[i].address == spec.sites[j].address) spec.duplicate = true;
    }
    if (spec.sites[i].invalid) {
      spec.invalid_site = true;
      spec.invalid_addresses.push_back(spec.sites[i].address);
    }
  }
  return spec;
}

std::shared_ptr<const SiteStrategy> Strategy(int strategy) {
  switch (strategy) {
    case 1:
      return Enumerate();
    case 2:
      return ScoreFunction(MovingAverageBaseline(0.9));
    case 3:
      return Mvd();
    case 4:
      return Pathwise();
    default:
      return nullptr;  // the distribution's default
  }
}

Tensor RunSite(const SiteSpec& site) {
  switch (site.kind) {
    case Kind::kSample:
      return site.strategy == 0
                 ? sample(site.address, *site.dist)
                 : sample(site.address, *site.dist, Strategy(site.strategy));
    case Kind::kObserve:
      return observe(site.address, *site.dist, *site.observed);
    case Kind::kFactor:
      factor(site.address, site.factor);
      return site.factor;
    case Kind::kParam:
      return param(site.address, Tensor(0.5), Support::Positive());
  }
  return Tensor(0.0);
}

// The program: its sites in order (those in_plate inside one plate), and
// the value it returns.
Tensor RunProgram(const ProgramSpec& spec) {
  Tensor total(0.0);
  Tensor last(0.0);
  std::optional<Plate> plate;
  for (const SiteSpec& site : spec.sites) {
    if (site.in_plate && spec.plate_size != 0 && !plate.has_value()) {
      plate.emplace("plate", spec.plate_size, spec.plate_subsample);
    }
    if (!site.in_plate) plate.reset();
    last = RunSite(site);
    total = total + SumAll(last);
  }
  switch (spec.returns) {
    case 0:
      return total;
    case 1:
      return RowSum(last);
    case 2:
      return Tensor(Matrix::Zero(2, 3)) + total;
    default:
      return Tensor(Matrix(0, 1));
  }
}

// Wraps `p` in a random handler stack; sets *defect when a handler's own
// argument is invalid (an error that is not a site's).
std::function<Tensor()> WithHandlers(Bytes& in, std::function<Tensor()> p,
                                     bool* defect) {
  const int depth = in.Pick(3);
  for (int d = 0; d < depth; ++d) {
    switch (in.Pick(7)) {
      case 0:
        p = handlers::Block(p);
        break;
      case 1: {
        const Real factor = static_cast<Real>(Value(in, true));
        if (!(factor > 0 && std::isfinite(factor))) *defect = true;
        p = handlers::Scale(p, factor);
        break;
      }
      case 2: {
        const Tensor mask = Filled(in, 1 + in.Pick(2), 1, true);
        if (!(mask.value().array() == 0 || mask.value().array() == 1).all() ||
            mask.rows() > 1) {
          *defect = true;  // not 0/1, or lanes the sites may not have
        }
        p = handlers::Mask(p, mask);
        break;
      }
      case 3:
        p = handlers::Seed(p, in.Byte());
        break;
      case 4:
        p = handlers::Scoped(p, "scope");
        break;
      case 5:
        // Replaces s0's value (an invalid observed value is then never
        // used), so the input leaves the site-caused measurements.
        *defect = true;
        p = handlers::Condition(p, Values({{"s0", Tensor(Value(in, true))}}));
        break;
      default:
        p = Enumerate(p, {"s1"});
        break;
    }
  }
  return p;
}

bool NamesAny(const absl::Status& status,
              const std::vector<std::string>& addresses) {
  for (const std::string& a : addresses) {
    if (std::string(status.message()).find(absl::StrCat("'", a, "'")) !=
            std::string::npos ||
        std::string(status.message()).find(absl::StrCat("/", a, "'")) !=
            std::string::npos) {
      return true;
    }
  }
  return false;
}

std::string Describe(const ProgramSpec& spec) {
  std::string out;
  for (const SiteSpec& s : spec.sites) {
    absl::StrAppend(&out, s.address, ":",
                    s.kind == Kind::kSample    ? "sample "
                    : s.kind == Kind::kObserve ? "observe "
                    : s.kind == Kind::kFactor  ? "factor "
                                               : "param ",
                    s.family, s.dist != nullptr ? " " : "",
                    s.dist != nullptr
                        ? absl::StrCat(s.dist->rows(), "x", s.dist->cols())
                        : "",
                    s.invalid ? " (invalid)" : "", " strategy ", s.strategy,
                    s.in_plate ? " in plate" : "", "; ");
  }
  absl::StrAppend(&out, "plate ", spec.plate_size, "/", spec.plate_subsample,
                  " returns ", spec.returns);
  return out;
}

absl::Status RunEntry(Bytes& in, const ProgramSpec& model,
                      const ProgramSpec& guide, std::string* entry,
                      bool* non_finite, bool* defect) {
  std::function<Tensor()> program = [&model] { return RunProgram(model); };
  std::function<Tensor()> guide_program = [&guide] {
    RunProgram(guide);
    return Tensor(0.0);
  };
  program = WithHandlers(in, program, defect);
  const auto check = [&](const Matrix& value) {
    if (value.array().isNaN().any()) *non_finite = true;
  };
  const int which = in.Pick(9);
  switch (which) {
    case 0: {
      *entry = "trace";
      return handlers::Trace(program)().status();
    }
    case 1: {
      *entry = "estimate";
      absl::StatusOr<Tensor> v =
          Expectation(program).Seed(in.Byte()).Estimate();
      if (v.ok()) check(Matrix(v->value()));
      return v.status();
    }
    case 2: {
      *entry = "grad_estimate";
      absl::StatusOr<GradientEstimate> g =
          Expectation(program).Seed(in.Byte()).GradEstimate();
      if (g.ok()) check(g->value);
      return g.status();
    }
    case 3:
    case 4:
    case 5:
    case 6: {
      const auto model_fn = [&model] { RunProgram(model); };
      const auto guide_fn = [&guide] { RunProgram(guide); };
      const int k = in.Pick(4);
      if (k < (which == 6 ? 2 : 1)) *defect = true;
      ParamStore store;
      ParamStoreScope scope(store);
      absl::StatusOr<GradientEstimate> g;
      if (which == 3) {
        *entry = "elbo";
        g = Expectation(Elbo(model_fn, guide_fn)).Seed(1).GradEstimate();
      } else if (which == 4) {
        *entry = "iwelbo";
        g = Expectation(Iwelbo(model_fn, guide_fn, k)).Seed(1).GradEstimate();
      } else if (which == 5) {
        *entry = "renyi";
        const Real alpha = in.Coin(20) ? Real(1) : Real(0.5);
        if (alpha == 1) *defect = true;
        g = Expectation(Renyi(model_fn, guide_fn, alpha, k))
                .Seed(1)
                .GradEstimate();
      } else {
        *entry = "vimco";
        g = Expectation(Vimco(model_fn, guide_fn, k)).Seed(1).GradEstimate();
      }
      if (g.ok()) check(g->value);
      return g.status();
    }
    case 7: {
      *entry = "svi";
      ParamStore store;
      Adam adam(AdamOptions{});
      auto objective = Expectation([&] {
                         guide_program();
                         return RunProgram(model) + param("svi_p", Tensor(0.0));
                       }).Seed(2);
      Svi svi(objective, adam, store);
      absl::StatusOr<Real> v = svi.Step();
      if (v.ok() && std::isnan(*v)) *non_finite = true;
      return v.status();
    }
    default: {
      *entry = "load";
      std::string bytes;
      const int n = in.Pick(200);
      for (int i = 0; i < n; ++i) bytes.push_back(static_cast<char>(in.Byte()));
      const char* dir = std::getenv("TEST_TMPDIR");
      const std::string path =
          absl::StrCat(dir != nullptr ? dir : "/tmp", "/provi_fuzz.params");
      if (FILE* f = std::fopen(path.c_str(), "wb")) {
        std::fwrite(bytes.data(), 1, bytes.size(), f);
        std::fclose(f);
      }
      ParamStore store;
      return store.Load(path);
    }
  }
}

}  // namespace

Outcome RunInput(absl::string_view data) {
  Outcome outcome;
  Bytes in(data);
  try {
    const ProgramSpec model = MakeProgram(in, "");
    const ProgramSpec guide = MakeProgram(in, "");
    outcome.description = absl::StrCat("model {", Describe(model), "} guide {",
                                       Describe(guide), "}");
    bool non_finite = false;
    bool defect = false;
    outcome.status =
        RunEntry(in, model, guide, &outcome.entry, &non_finite, &defect);
    // A Status is caused by a site when nothing but the program's sites can
    // be wrong: no invalid entry-point or handler argument, no invalid
    // plate, no duplicate address, a return value of the right shape.
    const bool uses_guide = outcome.entry == "elbo" ||
                            outcome.entry == "iwelbo" ||
                            outcome.entry == "renyi" ||
                            outcome.entry == "vimco" || outcome.entry == "svi";
    const auto clean = [](const ProgramSpec& p) {
      const bool plate_ok =
          p.plate_size == 0 ||
          (p.plate_size > 0 &&
           (p.plate_subsample == -1 ||
            (p.plate_subsample >= 1 && p.plate_subsample <= p.plate_size)));
      return plate_ok && !p.duplicate;
    };
    const bool site_errors_only = !defect && clean(model) &&
                                  (!uses_guide || clean(guide)) &&
                                  model.returns < 2 && outcome.entry != "load";
    std::vector<std::string> invalid = model.invalid_addresses;
    std::vector<std::string> addresses;
    for (const SiteSpec& site : model.sites) addresses.push_back(site.address);
    if (uses_guide) {
      invalid.insert(invalid.end(), guide.invalid_addresses.begin(),
                     guide.invalid_addresses.end());
      for (const SiteSpec& site : guide.sites) {
        addresses.push_back(site.address);
      }
    }
    if (site_errors_only && !outcome.status.ok()) {
      outcome.site_caused = true;
      outcome.names_site = NamesAny(outcome.status, addresses);
    }
    // Plates may leave a site's lanes out of the run; otherwise every
    // invalid site is reached.
    if (site_errors_only && !invalid.empty() && outcome.status.ok() &&
        model.plate_size == 0 && (!uses_guide || guide.plate_size == 0)) {
      outcome.accepted_invalid = true;
    }
    outcome.silent_non_finite = outcome.status.ok() && non_finite;
  } catch (const StatusError& error) {
    // A StatusError escaping an entry point is a bug too: report it as an
    // uncaught exception.
    outcome.status = absl::InternalError(
        absl::StrCat("uncaught StatusError: ", error.status().ToString()));
    outcome.entry = "uncaught";
  } catch (const std::exception& error) {
    outcome.status =
        absl::InternalError(absl::StrCat("uncaught exception: ", error.what()));
    outcome.entry = "uncaught";
  }
  return outcome;
}

}  // namespace fuzz
}  // namespace provi

// Copyright 2026 The provi Authors.
//
// ParamStore: lazy creation, constraints and their gradients, interaction
// with substitute, errors at the site, and checkpoints (exact round trips,
// and a clean status for every damaged file).

#include "vi/param_store.h"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <limits>
#include <string>
#include <vector>

#include "absl/random/distributions.h"
#include "absl/strings/str_cat.h"
#include "ad/ops.h"
#include "ad/tape.h"
#include "base/random.h"
#include "base/status_error.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "handlers/substitute.h"
#include "handlers/trace.h"
#include "runtime/primitives.h"

namespace provi {
namespace {

using ::testing::HasSubstr;

// Bijectors evaluate in Real; values are O(1).
double Tol() { return kRealIsDouble ? 1e-12 : 2e-6; }

Matrix Mat(Index rows, Index cols, std::initializer_list<double> row_major) {
  Matrix m(rows, cols);
  auto it = row_major.begin();
  for (Index i = 0; i < rows; ++i) {
    for (Index j = 0; j < cols; ++j) m(i, j) = static_cast<Real>(*it++);
  }
  return m;
}

void ExpectMatrixNear(const Matrix& actual, const Matrix& expected,
                      double tol) {
  ASSERT_EQ(actual.rows(), expected.rows());
  ASSERT_EQ(actual.cols(), expected.cols());
  for (Index i = 0; i < actual.rows(); ++i) {
    for (Index j = 0; j < actual.cols(); ++j) {
      EXPECT_NEAR(actual(i, j), expected(i, j), tol)
          << "at (" << i << ", " << j << ")";
    }
  }
}

bool BitwiseEqual(const Matrix& a, const Matrix& b) {
  return a.rows() == b.rows() && a.cols() == b.cols() &&
         (a.array() == b.array()).all();
}

Matrix UnconstrainedOf(ParamStore& store, absl::string_view name) {
  absl::StatusOr<Parameter*> parameter = store.Unconstrained(name);
  EXPECT_TRUE(parameter.ok()) << parameter.status();
  return parameter.ok() ? (*parameter)->value() : Matrix();
}

// A fresh directory for one test.
std::string TestDir(absl::string_view name) {
  const char* root = std::getenv("TEST_TMPDIR");
  std::filesystem::path dir =
      std::filesystem::path(root != nullptr ? root : "/tmp") /
      std::string(name);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir.string();
}

std::string ReadBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in),
                     std::istreambuf_iterator<char>());
}

void WriteBytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// -----------------------------------------------------------------------------
// Creation and use
// -----------------------------------------------------------------------------

TEST(ParamStoreTest, CreatesOnFirstUseAndCallsInitOnce) {
  ParamStore store;
  int calls = 0;
  const std::function<Tensor()> init = [&calls] {
    ++calls;
    return Tensor(1.5);
  };
  auto program = [&init] { return param("w", init); };
  EXPECT_EQ(store.size(), 0u);
  {
    ParamStoreScope scope(store);
    EXPECT_EQ(calls, 0);
    EXPECT_FALSE(store.Contains("w"));
    EXPECT_EQ(program().item(), Real(1.5));
    EXPECT_EQ(calls, 1);
    EXPECT_TRUE(store.Contains("w"));
    EXPECT_EQ(program().item(), Real(1.5));
    EXPECT_EQ(program().item(), Real(1.5));
    EXPECT_EQ(calls, 1);
  }
  ASSERT_EQ(store.size(), 1u);
  EXPECT_EQ(store.parameters()[0].address.name(), "w");
  EXPECT_EQ(store.parameter_pointers()[0], store.parameters()[0].parameter);

  // Uses read the stored value, not init.
  (*store.Unconstrained("w"))->value()(0, 0) = 4;
  {
    ParamStoreScope scope(store);
    EXPECT_EQ(program().item(), Real(4));
  }
  EXPECT_EQ(calls, 1);

  // Without a store, param is its initial value.
  EXPECT_EQ(program().item(), Real(1.5));
  EXPECT_EQ(calls, 2);
}

TEST(ParamStoreTest, KeepsCreationOrderAndScopedNames) {
  ParamStore store;
  ParamStoreScope scope(store);
  param("b", Tensor(1.0));
  {
    Scope encoder("encoder");
    param("w", Tensor(2.0));
  }
  param("a", Tensor(3.0));
  ASSERT_EQ(store.size(), 3u);
  EXPECT_EQ(store.parameters()[0].address.name(), "b");
  EXPECT_EQ(store.parameters()[1].address.name(), "encoder/w");
  EXPECT_EQ(store.parameters()[2].address.name(), "a");
  EXPECT_EQ(store.Get("encoder/w")->item(), Real(2));
  EXPECT_EQ(store.Get("nope").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store.Unconstrained("nope").status().code(),
            absl::StatusCode::kNotFound);
  store.Clear();
  EXPECT_EQ(store.size(), 0u);
  EXPECT_FALSE(store.Contains("b"));
  EXPECT_TRUE(store.parameter_pointers().empty());
}

struct ConstraintCase {
  std::string name;
  Support constraint;
  Matrix init;
  Matrix unconstrained;  // BijectorFor(constraint)->Inverse(init), by hand
};

std::vector<ConstraintCase> ConstraintCases() {
  return {
      {"real", Support::Real(), Mat(1, 2, {-1.0, 2.0}), Mat(1, 2, {-1.0, 2.0})},
      {"positive", Support::Positive(), Mat(1, 1, {2.0}),
       Mat(1, 1, {std::log(2.0)})},
      // logit((2.5 - 1) / (3 - 1)) = logit(0.75) = log 3.
      {"interval", Support::Interval(1, 3), Mat(1, 1, {2.5}),
       Mat(1, 1, {std::log(3.0)})},
      // u_k = log x_k - log Σ_{i>k} x_i + log(K - 1 - k), K = 3.
      {"simplex", Support::Simplex(), Mat(1, 3, {0.2, 0.3, 0.5}),
       Mat(1, 2, {std::log(0.2 / 0.8 * 2), std::log(0.3 / 0.5)})},
      // (log L00, L10, log L11).
      {"lower_cholesky", Support::LowerCholesky(),
       Mat(2, 2, {2.0, 0.0, 1.0, 3.0}),
       Mat(1, 3, {std::log(2.0), 1.0, std::log(3.0)})},
      // (y_0, log(y_1 - y_0), log(y_2 - y_1)).
      {"ordered", Support::Ordered(), Mat(1, 3, {-1.0, 0.5, 3.0}),
       Mat(1, 3, {-1.0, std::log(1.5), std::log(2.5)})},
  };
}

TEST(ParamStoreTest, StoresUnconstrainedValuesAndReturnsConstrainedOnes) {
  for (const ConstraintCase& c : ConstraintCases()) {
    SCOPED_TRACE(c.name);
    ParamStore store;
    Tensor used;
    {
      ParamStoreScope scope(store);
      used = param(c.name, Tensor(c.init), c.constraint);
    }
    ExpectMatrixNear(UnconstrainedOf(store, c.name), c.unconstrained, Tol());
    ExpectMatrixNear(Matrix(used.value()), c.init, Tol());
    absl::StatusOr<Tensor> got = store.Get(c.name);
    ASSERT_TRUE(got.ok()) << got.status();
    ExpectMatrixNear(Matrix(got->value()), c.init, Tol());
    EXPECT_EQ(*store.Constraint(c.name), c.constraint);
  }
}

// The gradient of a loss of the constrained value, by the chain rule by
// hand, reaches the unconstrained parameter.
TEST(ParamStoreTest, GradientsReachTheUnconstrainedParameter) {
  struct Case {
    std::string name;
    Support constraint;
    Matrix init;
    std::function<Tensor(const Tensor&)> loss;
    Matrix expected_grad;
  };
  const std::vector<Case> cases = {
      // loss = y · y,  dy/du = 1.
      {"real", Support::Real(), Mat(1, 2, {1.0, 2.0}),
       [](const Tensor& y) { return SumAll(Square(y)); },
       Mat(1, 2, {2.0, 4.0})},
      // y = e^u = 2, loss = y²: d/du = 2 y · y = 8.
      {"positive", Support::Positive(), Mat(1, 1, {2.0}),
       [](const Tensor& y) { return SumAll(Square(y)); }, Mat(1, 1, {8.0})},
      // y = 1 + 2 σ(u), σ = 0.75: dy/du = 2 σ (1 - σ) = 0.375.
      {"interval", Support::Interval(1, 3), Mat(1, 1, {2.5}),
       [](const Tensor& y) { return SumAll(y); }, Mat(1, 1, {0.375})},
      // K = 2: x = (σ(u), 1 - σ(u)), σ = 0.25; loss = 3 x0 + 5 x1:
      // d/du = (3 - 5) σ (1 - σ) = -0.375.
      {"simplex", Support::Simplex(), Mat(1, 2, {0.25, 0.75}),
       [](const Tensor& y) {
         return SumAll(y * Tensor(Mat(1, 2, {3.0, 5.0})));
       },
       Mat(1, 1, {-0.375})},
      // loss = Σ W ⊙ L with L00 = e^u0, L10 = u1, L11 = e^u2:
      // grad = (W00 L00, W10, W11 L11) = (2, 5, 21).
      {"lower_cholesky", Support::LowerCholesky(),
       Mat(2, 2, {2.0, 0.0, 1.0, 3.0}),
       [](const Tensor& y) {
         return SumAll(y * Tensor(Mat(2, 2, {1.0, 100.0, 5.0, 7.0})));
       },
       Mat(1, 3, {2.0, 5.0, 21.0})},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    ParamStore store;
    {
      TapeScope tape;
      ParamStoreScope scope(store);
      Backward(c.loss(param(c.name, Tensor(c.init), c.constraint)));
    }
    Parameter* parameter = *store.Unconstrained(c.name);
    ExpectMatrixNear(parameter->grad(), c.expected_grad, 50 * Tol());
    store.ZeroGrad();
    EXPECT_TRUE(parameter->grad().isZero());
  }
}

TEST(ParamStoreTest, SubstituteOverridesTheStore) {
  ParamStore store;
  int calls = 0;
  const std::function<Tensor()> init = [&calls] {
    ++calls;
    return Tensor(1.0);
  };
  auto program = [&init] { return param("w", init, Support::Positive()); };
  auto substituted = handlers::Substitute(program, Values({{"w", 7.0}}));
  ParamStoreScope scope(store);
  // Not created, init not called.
  EXPECT_EQ(substituted().item(), Real(7));
  EXPECT_EQ(calls, 0);
  EXPECT_FALSE(store.Contains("w"));
  // Also overrides a parameter that exists.
  EXPECT_EQ(program().item(), Real(1));
  EXPECT_EQ(substituted().item(), Real(7));
  EXPECT_EQ(calls, 1);
}

// -----------------------------------------------------------------------------
// Errors at the site
// -----------------------------------------------------------------------------

absl::Status RunInStore(ParamStore& store, const std::function<void()>& f) {
  ParamStoreScope scope(store);
  return CatchStatus(f);
}

TEST(ParamStoreTest, ConstraintChangeIsAnErrorNamingTheAddress) {
  ParamStore store;
  ASSERT_TRUE(RunInStore(store, [] { param("scale", Tensor(1.0)); }).ok());
  const absl::Status status = RunInStore(
      store, [] { param("scale", Tensor(1.0), Support::Positive()); });
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("param site 'scale'"));
  EXPECT_THAT(status.message(), HasSubstr("constraint"));
}

TEST(ParamStoreTest, InvalidInitialValuesAreErrorsNamingTheAddress) {
  struct Case {
    std::string name;
    Tensor init;
    Support constraint;
    std::string says;
  };
  const std::vector<Case> cases = {
      {"negative_scale", Tensor(-1.0), Support::Positive(), "initial value"},
      {"on_boundary", Tensor(0.0), Support::NonNegative(), "boundary"},
      {"outside_interval", Tensor(5.0), Support::Interval(0, 1),
       "initial value"},
      {"not_a_simplex", Tensor(Mat(1, 2, {0.5, 0.6})), Support::Simplex(),
       "initial value"},
      {"count", Tensor(1.0), Support::NonNegativeInteger(), "count"},
      {"unordered", Tensor(Mat(1, 3, {0.0, 2.0, 1.0})), Support::Ordered(),
       "initial value element (0, 2) = 1 is below the element before it"},
      {"tensor_bounds", Tensor(0.5),
       Support::Interval(Tensor(0.0), Tensor(Mat(1, 2, {1.0, 2.0}))),
       "has tensor bounds; a stored parameter needs fixed bounds"},
      {"empty", Tensor(), Support::Real(), "empty"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    ParamStore store;
    const absl::Status status =
        RunInStore(store, [&c] { param(c.name, c.init, c.constraint); });
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
    EXPECT_THAT(status.message(), HasSubstr("param site '" + c.name + "'"));
    EXPECT_THAT(status.message(), HasSubstr(c.says));
    EXPECT_EQ(store.size(), 0u);
  }
}

TEST(ParamStoreTest, ErrorsComeBackAsStatusFromEntryPoints) {
  ParamStore store;
  ParamStoreScope scope(store);
  auto run = handlers::Trace(
      [] { return param("s", Tensor(-2.0), Support::Positive()); })();
  ASSERT_FALSE(run.ok());
  EXPECT_THAT(run.status().message(), HasSubstr("'s'"));
}

// -----------------------------------------------------------------------------
// Save / Load
// -----------------------------------------------------------------------------

// A store with one parameter of each constraint, values randomised so that
// every bit of the round trip matters.
void Populate(ParamStore& store, uint64_t seed) {
  {
    ParamStoreScope scope(store);
    for (const ConstraintCase& c : ConstraintCases()) {
      param(c.name, Tensor(c.init), c.constraint);
    }
  }
  Rng rng = MakeRng(seed);
  for (const NamedParameter& p : store.parameters()) {
    Matrix& value = p.parameter->value();
    for (Index k = 0; k < value.size(); ++k) {
      value.data()[k] = static_cast<Real>(absl::Gaussian<double>(rng));
    }
  }
}

void ExpectSameParameters(ParamStore& actual, ParamStore& expected) {
  ASSERT_EQ(actual.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    const NamedParameter& e = expected.parameters()[i];
    const NamedParameter& a = actual.parameters()[i];
    SCOPED_TRACE(e.address.name());
    EXPECT_EQ(a.address, e.address);
    EXPECT_TRUE(BitwiseEqual(a.parameter->value(), e.parameter->value()));
    EXPECT_EQ(*actual.Constraint(a.address.name()),
              *expected.Constraint(e.address.name()));
  }
}

TEST(ParamStoreCheckpointTest, SaveLoadRoundTripIsExact) {
  const std::string dir = TestDir("round_trip");
  const std::string path = dir + "/params.bin";
  ParamStore saved;
  Populate(saved, 17);
  ASSERT_TRUE(saved.Save(path).ok());

  // Into an empty store: every parameter is created.
  ParamStore fresh;
  const absl::Status loaded = fresh.Load(path);
  ASSERT_TRUE(loaded.ok()) << loaded;
  ExpectSameParameters(fresh, saved);
  for (const NamedParameter& p : saved.parameters()) {
    const Matrix a = Matrix(saved.Get(p.address.name())->value());
    const Matrix b = Matrix(fresh.Get(p.address.name())->value());
    EXPECT_TRUE(BitwiseEqual(a, b)) << p.address;
  }

  // Into a store with the same parameters: values are replaced in place
  // (the Parameter objects stay), gradients are zeroed.
  ParamStore existing;
  Populate(existing, 18);
  const Parameter* before = existing.parameters()[1].parameter;
  existing.parameters()[1].parameter->grad().setOnes();
  ASSERT_TRUE(existing.Load(path).ok());
  ExpectSameParameters(existing, saved);
  EXPECT_EQ(existing.parameters()[1].parameter, before);
  EXPECT_TRUE(before->grad().isZero());

  // Saving again gives the same bytes.
  ASSERT_TRUE(fresh.Save(dir + "/again.bin").ok());
  EXPECT_EQ(ReadBytes(path), ReadBytes(dir + "/again.bin"));
}

TEST(ParamStoreCheckpointTest, SaveLeavesNoTemporaryFile) {
  const std::string dir = TestDir("no_temporary");
  ParamStore store;
  Populate(store, 3);
  ASSERT_TRUE(store.Save(dir + "/params.bin").ok());
  ASSERT_TRUE(store.Save(dir + "/params.bin").ok());  // over an existing file
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    names.push_back(entry.path().filename().string());
  }
  EXPECT_THAT(names, ::testing::ElementsAre("params.bin"));
}

TEST(ParamStoreCheckpointTest, SaveToAMissingDirectoryIsAStatus) {
  ParamStore store;
  Populate(store, 3);
  const absl::Status status =
      store.Save(TestDir("missing_dir") + "/no/such/dir/params.bin");
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound) << status;
}

TEST(ParamStoreCheckpointTest, MissingFileIsNotFound) {
  ParamStore store;
  const absl::Status status = store.Load(TestDir("missing") + "/nothing.bin");
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound) << status;
}

// Every truncation of a valid file fails cleanly and loads nothing.
TEST(ParamStoreCheckpointTest, TruncatedFilesGiveDataLoss) {
  const std::string dir = TestDir("truncated");
  ParamStore saved;
  Populate(saved, 5);
  ASSERT_TRUE(saved.Save(dir + "/params.bin").ok());
  const std::string bytes = ReadBytes(dir + "/params.bin");
  for (size_t length = 0; length < bytes.size(); ++length) {
    WriteBytes(dir + "/cut.bin", bytes.substr(0, length));
    ParamStore store;
    const absl::Status status = store.Load(dir + "/cut.bin");
    EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss)
        << "length " << length << ": " << status;
    EXPECT_EQ(store.size(), 0u);
  }
}

// Every single corrupted byte is caught: the magic and version as a foreign
// file, everything else by the length check or the checksum.
TEST(ParamStoreCheckpointTest, CorruptedBytesAreCaught) {
  const std::string dir = TestDir("corrupted");
  ParamStore saved;
  Populate(saved, 6);
  ASSERT_TRUE(saved.Save(dir + "/params.bin").ok());
  const std::string bytes = ReadBytes(dir + "/params.bin");
  ParamStore store;
  Populate(store, 7);
  const Matrix before = store.parameters()[0].parameter->value();
  for (size_t i = 0; i < bytes.size(); ++i) {
    std::string damaged = bytes;
    damaged[i] = static_cast<char>(damaged[i] ^ 0x10);
    WriteBytes(dir + "/damaged.bin", damaged);
    const absl::Status status = store.Load(dir + "/damaged.bin");
    const absl::StatusCode expected = i < 12
                                          ? absl::StatusCode::kInvalidArgument
                                          : absl::StatusCode::kDataLoss;
    EXPECT_EQ(status.code(), expected) << "byte " << i << ": " << status;
  }
  EXPECT_TRUE(BitwiseEqual(store.parameters()[0].parameter->value(), before));

  // A byte in the middle of the values: the checksum says so.
  std::string damaged = bytes;
  damaged[bytes.size() - 20] ^= 0x01;
  WriteBytes(dir + "/damaged.bin", damaged);
  EXPECT_THAT(store.Load(dir + "/damaged.bin").message(),
              HasSubstr("checksum"));
}

TEST(ParamStoreCheckpointTest, WrongMagicIsInvalidArgument) {
  const std::string dir = TestDir("magic");
  WriteBytes(dir + "/other.bin", "GIF89a this is not a parameter file");
  ParamStore store;
  const absl::Status status = store.Load(dir + "/other.bin");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("magic"));
}

TEST(ParamStoreCheckpointTest, StrictLoadRejectsDisagreeingParameters) {
  const std::string dir = TestDir("strict");
  ParamStore saved;
  {
    ParamStoreScope scope(saved);
    param("w", Tensor(Matrix::Ones(2, 2)));
    param("s", Tensor(1.0), Support::Positive());
  }
  ASSERT_TRUE(saved.Save(dir + "/params.bin").ok());

  struct Case {
    std::string name;
    std::function<void()> program;
    std::string says;
  };
  const std::vector<Case> cases = {
      {"shape",
       [] {
         param("w", Tensor(Matrix::Ones(3, 1)));
         param("s", Tensor(1.0), Support::Positive());
       },
       "'w' is 3x1"},
      {"constraint",
       [] {
         param("w", Tensor(Matrix::Ones(2, 2)));
         param("s", Tensor(1.0));
       },
       "'s' has constraint"},
      {"name",
       [] {
         param("w", Tensor(Matrix::Ones(2, 2)));
         param("s", Tensor(1.0), Support::Positive());
         param("extra", Tensor(1.0));
       },
       "'extra' is not in the file"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    ParamStore store;
    ASSERT_TRUE(RunInStore(store, c.program).ok());
    const Matrix w_before = store.parameters()[0].parameter->value();
    const absl::Status status = store.Load(dir + "/params.bin");
    EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << status;
    EXPECT_THAT(status.message(), HasSubstr(c.says));
    // Nothing was loaded.
    EXPECT_TRUE(
        BitwiseEqual(store.parameters()[0].parameter->value(), w_before));
  }

  // Not strict: the file wins, and entries it lacks stay.
  ParamStore store;
  ASSERT_TRUE(RunInStore(store, cases[2].program).ok());
  (*store.Unconstrained("w"))->value().setZero();
  ASSERT_TRUE(store.Load(dir + "/params.bin", {.strict = false}).ok());
  EXPECT_TRUE((*store.Unconstrained("w"))->value().isOnes());
  EXPECT_TRUE(store.Contains("extra"));
}

// Files built by hand from the layout documented in vi/param_store.h: a
// valid one loads, and files whose checksum is right but whose content is
// not (as a buggy or hostile writer could make) are clean statuses.
class FileBuilder {
 public:
  FileBuilder& U8(uint8_t v) {
    body_.push_back(static_cast<char>(v));
    return *this;
  }
  FileBuilder& U32(uint32_t v) {
    for (int k = 0; k < 4; ++k) U8(static_cast<uint8_t>(v >> (8 * k)));
    return *this;
  }
  FileBuilder& U64(uint64_t v) {
    for (int k = 0; k < 8; ++k) U8(static_cast<uint8_t>(v >> (8 * k)));
    return *this;
  }
  FileBuilder& F64(double v) {
    uint64_t bits;
    std::memcpy(&bits, &v, sizeof(bits));
    return U64(bits);
  }
  FileBuilder& Name(const std::string& name) {
    U32(static_cast<uint32_t>(name.size()));
    body_ += name;
    return *this;
  }
  // magic, version, body length, body, FNV-1a 64 of everything before it.
  std::string Finish(uint32_t version = 1) const {
    FileBuilder file;
    file.body_ = "PROVIPRM";
    file.U32(version).U64(body_.size());
    file.body_ += body_;
    uint64_t hash = 14695981039346656037ull;
    for (char c : file.body_) {
      hash ^= static_cast<uint8_t>(c);
      hash *= 1099511628211ull;
    }
    return file.U64(hash).body_;
  }

 private:
  std::string body_;
};

TEST(ParamStoreCheckpointTest, ReadsTheDocumentedFormat) {
  const std::string path = TestDir("format") + "/params.bin";
  // "w": positive (kind 1), 1x2, unconstrained (log 2, log 3).
  WriteBytes(path, FileBuilder()
                       .U64(1)
                       .Name("w")
                       .U8(1)
                       .F64(0)
                       .F64(0)
                       .U64(1)
                       .U64(2)
                       .F64(std::log(2.0))
                       .F64(std::log(3.0))
                       .Finish());
  ParamStore store;
  const absl::Status status = store.Load(path);
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(*store.Constraint("w"), Support::Positive());
  ExpectMatrixNear(Matrix(store.Get("w")->value()), Mat(1, 2, {2.0, 3.0}),
                   Tol());
}

TEST(ParamStoreCheckpointTest, MalformedContentIsAStatus) {
  const std::string path = TestDir("malformed") + "/params.bin";
  // One parameter with the given constraint fields and shape, and
  // `values` values.
  const auto one = [](uint8_t kind, double lower, double upper, uint64_t rows,
                      uint64_t cols, int values) {
    FileBuilder b;
    b.U64(1).Name("p").U8(kind).F64(lower).F64(upper).U64(rows).U64(cols);
    for (int k = 0; k < values; ++k) b.F64(0.5);
    return b;
  };
  struct Case {
    std::string name;
    std::string bytes;
    absl::StatusCode code;
  };
  FileBuilder duplicate;
  duplicate.U64(2);
  for (int k = 0; k < 2; ++k) {
    duplicate.Name("p").U8(0).F64(0).F64(0).U64(1).U64(1).F64(1);
  }
  const std::vector<Case> cases = {
      {"unknown_kind", one(9, 0, 0, 1, 1, 1).Finish(),
       absl::StatusCode::kInvalidArgument},
      {"unknown_version", one(0, 0, 0, 1, 1, 1).Finish(2),
       absl::StatusCode::kInvalidArgument},
      {"empty", one(0, 0, 0, 0, uint64_t{1} << 62, 0).Finish(),
       absl::StatusCode::kDataLoss},
      {"huge", one(0, 0, 0, uint64_t{1} << 40, uint64_t{1} << 40, 1).Finish(),
       absl::StatusCode::kDataLoss},
      {"too_few_values", one(0, 0, 0, 2, 2, 3).Finish(),
       absl::StatusCode::kDataLoss},
      {"too_many_values", one(0, 0, 0, 1, 1, 2).Finish(),
       absl::StatusCode::kDataLoss},
      {"count_too_large", FileBuilder().U64(3).Finish(),
       absl::StatusCode::kDataLoss},
      {"duplicate", duplicate.Finish(), absl::StatusCode::kDataLoss},
      {"cholesky_of_two_rows", one(5, 0, 0, 2, 3, 6).Finish(),
       absl::StatusCode::kInvalidArgument},
      {"empty_interval", one(3, 1, 1, 1, 1, 1).Finish(),
       absl::StatusCode::kInvalidArgument},
      {"trailing_bytes", one(0, 0, 0, 1, 1, 1).Finish() + "x",
       absl::StatusCode::kDataLoss},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    WriteBytes(path, c.bytes);
    ParamStore store;
    const absl::Status status = store.Load(path);
    EXPECT_EQ(status.code(), c.code) << status;
    EXPECT_EQ(store.size(), 0u);
  }
}

TEST(ParamStoreCheckpointTest, NonFiniteValuesAndEmptyNamesAreRejected) {
  const std::string path = TestDir("non_finite") + "/params.bin";
  const auto one = [](absl::string_view name, double value) {
    return FileBuilder()
        .U64(1)
        .Name(std::string(name))
        .U8(0)
        .F64(0)
        .F64(0)
        .U64(1)
        .U64(1)
        .F64(value)
        .Finish();
  };
  const double inf = std::numeric_limits<double>::infinity();
  const std::vector<std::pair<std::string, std::string>> cases = {
      {one("p", std::nan("")), "not finite"},
      {one("p", inf), "not finite"},
      {one("p", -inf), "not finite"},
      {one("", 1.0), "empty name"},
  };
  for (const auto& [bytes, message] : cases) {
    SCOPED_TRACE(message);
    WriteBytes(path, bytes);
    ParamStore store;
    const absl::Status status = store.Load(path);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
    EXPECT_THAT(std::string(status.message()), HasSubstr(message));
    EXPECT_EQ(store.size(), 0u);
  }
  // 1e300 is a double, not a float.
  WriteBytes(path, one("p", 1e300));
  ParamStore store;
  EXPECT_EQ(store.Load(path).ok(), kRealIsDouble);
}

TEST(ParamStoreCheckpointTest, SaveRefusesNonFiniteValues) {
  const std::string path = TestDir("save_non_finite") + "/params.bin";
  ParamStore store;
  {
    ParamStoreScope scope(store);
    param("w", Tensor(Mat(1, 2, {1.0, 2.0})));
  }
  absl::StatusOr<Parameter*> w = store.Unconstrained("w");
  ASSERT_TRUE(w.ok());
  (*w)->value()(0, 1) = std::numeric_limits<Real>::quiet_NaN();
  const absl::Status status = store.Save(path);
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << status;
  EXPECT_THAT(std::string(status.message()), HasSubstr("'w' element (0, 1)"));
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST(ParamStoreCheckpointTest, SaveRemovesTemporariesOfDeadSaves) {
  const std::string dir = TestDir("stale_temporaries");
  // What saves killed mid-write leave: temporaries of processes that no
  // longer exist (pids above Linux's largest, 2^22).
  for (int k = 0; k < 5; ++k) {
    WriteBytes(absl::StrCat(dir, "/params.bin.tmp.", 99999990 + k, ".0"), "x");
  }
  WriteBytes(dir + "/other.bin.tmp.99999999.0", "x");  // another file's
  ParamStore store;
  Populate(store, 2);
  ASSERT_TRUE(store.Save(dir + "/params.bin").ok());
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    names.push_back(entry.path().filename().string());
  }
  EXPECT_THAT(names, ::testing::UnorderedElementsAre(
                         "params.bin", "other.bin.tmp.99999999.0"));
}

// A parameter created by Load meets its program's init the first time the
// program uses it: init is called once, to check the shape, and its value is
// not used.
TEST(ParamStoreCheckpointTest, LoadedParametersAreCheckedAgainstInitOnce) {
  const std::string dir = TestDir("loaded_init");
  ParamStore saved;
  {
    ParamStoreScope scope(saved);
    param("w", Tensor(Matrix::Constant(2, 2, 3)));
  }
  ASSERT_TRUE(saved.Save(dir + "/params.bin").ok());

  int calls = 0;
  const std::function<Tensor()> right = [&calls] {
    ++calls;
    return Tensor(Matrix::Zero(2, 2));
  };
  ParamStore store;
  ASSERT_TRUE(store.Load(dir + "/params.bin").ok());
  {
    ParamStoreScope scope(store);
    EXPECT_EQ(param("w", right)(1, 1), Real(3));
    EXPECT_EQ(param("w", right)(1, 1), Real(3));
  }
  EXPECT_EQ(calls, 1);

  ParamStore other;
  ASSERT_TRUE(other.Load(dir + "/params.bin").ok());
  const absl::Status status =
      RunInStore(other, [] { param("w", Tensor(Matrix::Zero(3, 2))); });
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("param site 'w'"));
}

}  // namespace
}  // namespace provi

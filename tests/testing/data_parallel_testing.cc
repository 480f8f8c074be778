// Copyright 2026 The provi Authors.

#include "tests/testing/data_parallel_testing.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "absl/random/distributions.h"
#include "absl/strings/str_cat.h"
#include "ad/ops.h"
#include "base/random.h"
#include "base/status_macros.h"
#include "distributions/normal.h"
#include "runtime/primitives.h"
#include "vi/svi.h"

namespace provi {
namespace testing {
namespace {

Matrix Gaussian(Index rows, Index cols, uint64_t seed, double sd = 1.0) {
  Rng rng = MakeRng(seed);
  Matrix m(rows, cols);
  for (Index k = 0; k < m.size(); ++k) {
    m.data()[k] = static_cast<Real>(absl::Gaussian<double>(rng, 0.0, sd));
  }
  return m;
}

SviOptions Quiet() {
  SviOptions options;
  options.progress = false;
  return options;
}

}  // namespace

const Matrix& LatentLinearData() {
  static const Matrix* const data = new Matrix(Gaussian(kPoints, kDim, 7));
  return *data;
}

Matrix GlobalBatch(int64_t step, Index batch) {
  Matrix x(batch, kDim);
  for (Index i = 0; i < batch; ++i) {
    x.row(i) = LatentLinearData().row((step * batch + i) % kPoints);
  }
  return x;
}

Matrix GlobalNoise(int64_t step, Index batch) {
  return Gaussian(batch, kLatent, 1000 + static_cast<uint64_t>(step));
}

Tensor LatentLinearElbo::operator()(const Tensor& x, const Tensor& eps) const {
  const Index b = x.rows();
  const Tensor a = param("enc/a", Tensor(Gaussian(kDim, kLatent, 11, 0.3)));
  const Tensor c = param("enc/c", Tensor(Matrix(Matrix::Zero(1, kLatent))));
  const Tensor t =
      param("enc/scale", Tensor(Matrix(Matrix::Constant(1, kLatent, 0.5))),
            Support::Positive());
  const Tensor w = param("dec/w", Tensor(Gaussian(kLatent, kDim, 12, 0.3)));
  const Tensor bias = param("dec/b", Tensor(Matrix(Matrix::Zero(1, kDim))));
  const Tensor s = param("dec/scale", Tensor(1.0), Support::Positive());
  const Tensor loc = MatMul(x, a) + c;
  const Tensor z = loc + t * eps;
  const Tensor mean = MatMul(z, w) + bias;
  if (poison != nullptr && *poison) {
    observe("x", Normal(mean, s * std::numeric_limits<Real>::quiet_NaN()), x);
  }
  const Tensor log_q = Normal(loc, t).LogProb(z);
  const Tensor log_prior =
      Normal(Tensor(0.0), Tensor(1.0)).Expand(b, kLatent).LogProb(z);
  const Tensor log_likelihood = Normal(mean, s).LogProb(x);
  return (log_prior + log_likelihood - log_q) *
         static_cast<Real>(static_cast<double>(kPoints) /
                           static_cast<double>(b));
}

namespace {
absl::Status TrainSteps(Communicator& comm, Replica& replica,
                        const TrainingPlan& plan, const Shard& mine,
                        DataParallelSvi<LatentLinearElbo>& svi);
}  // namespace

absl::Status TrainDataParallel(Communicator& comm, Replica& replica,
                               const TrainingPlan& plan) {
  const Shard mine = ShardOf(plan.batch, comm.rank(), comm.size());
  DataParallelOptions options;
  options.combine = Combine::kWeightedMean;
  options.weight = static_cast<double>(mine.size());
  options.seed = 1;
  options.check_every = 10;
  DataParallelSvi svi(comm, replica.objective, replica.adam, replica.store,
                      options, Quiet());
  absl::Status status = TrainSteps(comm, replica, plan, mine, svi);
  if (plan.failed_everywhere != nullptr) {
    *plan.failed_everywhere = svi.failed_everywhere();
  }
  return status;
}

namespace {

absl::Status TrainSteps(Communicator& comm, Replica& replica,
                        const TrainingPlan& plan, const Shard& mine,
                        DataParallelSvi<LatentLinearElbo>& svi) {
  if (plan.resume) PROVI_RETURN_IF_ERROR(svi.Restore(plan.checkpoint_dir));
  while (svi.step() < plan.steps) {
    const int64_t step = svi.step();
    if (plan.before_step) plan.before_step(comm.rank(), step);
    replica.poison = comm.rank() == plan.fail_rank && step == plan.fail_step;
    const Tensor x(Matrix(
        GlobalBatch(step, plan.batch).middleRows(mine.begin, mine.size())));
    const Tensor eps(Matrix(
        GlobalNoise(step, plan.batch).middleRows(mine.begin, mine.size())));
    absl::StatusOr<Real> value = svi.Step(x, eps);
    if (!value.ok()) {
      return absl::Status(
          value.status().code(),
          absl::StrCat("step ", step, ": ", value.status().message()));
    }
    if (!plan.checkpoint_dir.empty() &&
        svi.step() % plan.checkpoint_every == 0) {
      PROVI_RETURN_IF_ERROR(svi.Save(plan.checkpoint_dir));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status TrainOneProcess(Replica& replica, int64_t steps, Index batch) {
  Svi svi(replica.objective, replica.adam, replica.store, Quiet());
  for (int64_t step = 0; step < steps; ++step) {
    const Tensor x(GlobalBatch(step, batch));
    const Tensor eps(GlobalNoise(step, batch));
    PROVI_RETURN_IF_ERROR(svi.Step(x, eps).status());
  }
  return absl::OkStatus();
}

absl::StatusOr<Matrix> FirstStepGradient(Communicator& comm, Index batch) {
  Replica replica;
  TrainingPlan plan;
  plan.steps = 1;
  plan.batch = batch;
  PROVI_RETURN_IF_ERROR(TrainDataParallel(comm, replica, plan));
  // Svi leaves the negated gradient (the optimizer minimises).
  return -Packed(replica.store, &Parameter::grad);
}

absl::StatusOr<Matrix> FirstStepGradientOneProcess(Index batch) {
  Replica replica;
  PROVI_RETURN_IF_ERROR(TrainOneProcess(replica, 1, batch));
  // Svi leaves the negated gradient (the optimizer minimises).
  return -Packed(replica.store, &Parameter::grad);
}

Matrix Packed(const ParamStore& store,
              const Matrix& (Parameter::*field)() const) {
  Index n = 0;
  for (const Parameter* p : store.parameter_pointers())
    n += (p->*field)().size();
  Matrix packed(n, 1);
  Index offset = 0;
  for (const Parameter* p : store.parameter_pointers()) {
    const Matrix& m = (p->*field)();
    packed.middleRows(offset, m.size()) =
        Eigen::Map<const Matrix>(m.data(), m.size(), 1);
    offset += m.size();
  }
  return packed;
}

Matrix PackedValues(const ParamStore& store) {
  return Packed(store, &Parameter::value);
}

double RelativeDifference(const Matrix& a, const Matrix& b) {
  if (a.rows() != b.rows() || a.cols() != b.cols()) {
    return std::numeric_limits<double>::infinity();
  }
  const double scale = b.cast<double>().cwiseAbs().maxCoeff();
  return (a - b).cast<double>().cwiseAbs().maxCoeff() / std::max(scale, 1e-300);
}

}  // namespace testing
}  // namespace provi

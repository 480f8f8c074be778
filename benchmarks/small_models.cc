// Copyright 2026 The provi Authors.

#include "benchmarks/small_models.h"

#include <cmath>
#include <utility>

#include "absl/random/distributions.h"
#include "ad/ops.h"
#include "ad/tape.h"
#include "base/random.h"
#include "base/status_error.h"
#include "base/status_macros.h"
#include "distributions/bernoulli.h"
#include "distributions/half_cauchy.h"
#include "distributions/normal.h"
#include "runtime/address.h"
#include "runtime/primitives.h"
#include "runtime/trace.h"
#include "vi/generative.h"

namespace provi {
namespace small_models {
namespace {

constexpr double kEffects[kSchools] = {28, 8, -3, 7, -1, 1, 18, 12};
constexpr double kStandardErrors[kSchools] = {15, 10, 16, 11, 9, 11, 10, 18};
constexpr double kMixtureCentres[kMixtureComponents] = {-2.0, 0.0, 3.0};

ModelData MakeData() {
  ModelData data;
  data.effects = Eigen::Map<const Eigen::VectorXd>(kEffects, kSchools);
  data.standard_errors =
      Eigen::Map<const Eigen::VectorXd>(kStandardErrors, kSchools);
  Rng rng = MakeRng(2026);
  // Regression: features N(0, 0.1²), coefficients N(0, 1), so that the
  // logits have unit scale.
  data.features.resize(kRegressionRows, kRegressionCoefficients);
  for (Index k = 0; k < data.features.size(); ++k) {
    data.features(k) = 0.1 * absl::Gaussian<double>(rng);
  }
  Eigen::VectorXd beta(kRegressionCoefficients);
  for (Index k = 0; k < beta.size(); ++k) {
    beta(k) = absl::Gaussian<double>(rng);
  }
  const Eigen::VectorXd logits = data.features * beta;
  data.outcomes.resize(static_cast<size_t>(kRegressionRows));
  for (Index i = 0; i < kRegressionRows; ++i) {
    data.outcomes[static_cast<size_t>(i)] =
        absl::Bernoulli(rng, 1 / (1 + std::exp(-logits(i)))) ? 1 : 0;
  }
  data.points.resize(kMixturePoints);
  for (Index i = 0; i < kMixturePoints; ++i) {
    data.points(i) =
        kMixtureCentres[i % kMixtureComponents] + absl::Gaussian<double>(rng);
  }
  return data;
}

Tensor ColumnTensor(const Eigen::VectorXd& values) {
  return Tensor(Matrix(values.cast<Real>()));
}

void EightSchoolsCentred(const Tensor& y, const Tensor& sigma) {
  const Tensor mu = sample("mu", Normal(0.0, 5.0));
  const Tensor tau = sample("tau", HalfCauchy(5.0));
  Plate schools("schools", y.rows());
  const Tensor theta = sample("theta", Normal(mu, tau).Expand(y.rows(), 1));
  observe("y", Normal(theta, sigma), y);
}

void LogisticRegression(const Tensor& features, const Tensor& outcomes) {
  const Tensor beta =
      sample("beta", Normal(0.0, 1.0).Expand(1, kRegressionCoefficients));
  Plate rows("rows", features.rows());
  observe("y", Bernoulli::FromLogits(MatMul(features, Transpose(beta))),
          outcomes);
}

void Mixture(const Tensor& points) {
  const Tensor mu =
      sample("mu", Normal(0.0, 10.0).Expand(1, kMixtureComponents));
  Plate lanes("points", points.rows());
  std::vector<Tensor> components;
  components.reserve(kMixtureComponents);
  for (Index k = 0; k < kMixtureComponents; ++k) {
    components.push_back(Normal(SliceCols(mu, k, 1), 1.0).LogProb(points));
  }
  const Real log_weight = static_cast<Real>(-std::log(kMixtureComponents));
  factor("x", RowLogSumExp(ConcatCols<Real>(components)) + log_weight);
}

}  // namespace

const ModelData& Data() {
  static const ModelData* const data = new ModelData(MakeData());
  return *data;
}

Tensor EightSchoolsEffects() { return ColumnTensor(Data().effects); }
Tensor EightSchoolsStandardErrors() {
  return ColumnTensor(Data().standard_errors);
}

void EightSchoolsNoncentred(const Tensor& y, const Tensor& sigma) {
  const Tensor mu = sample("mu", Normal(0.0, 5.0));
  const Tensor tau = sample("tau", HalfCauchy(5.0));
  Plate schools("schools", y.rows());
  const Tensor theta_trans =
      sample("theta_trans", Normal(0.0, 1.0).Expand(y.rows(), 1));
  observe("y", Normal(mu + tau * theta_trans, sigma), y);
}

SmallModel MakeModel(ModelKind kind) {
  const ModelData& data = Data();
  SmallModel model;
  model.kind = kind;
  switch (kind) {
    case ModelKind::kEightSchoolsNoncentred:
    case ModelKind::kEightSchoolsCentred: {
      const bool centred = kind == ModelKind::kEightSchoolsCentred;
      model.name =
          centred ? "eight_schools_centred" : "eight_schools_noncentred";
      const Tensor y = EightSchoolsEffects();
      const Tensor sigma = EightSchoolsStandardErrors();
      if (centred) {
        model.program = [y, sigma] { EightSchoolsCentred(y, sigma); };
      } else {
        model.program = [y, sigma] { EightSchoolsNoncentred(y, sigma); };
      }
      model.latents = {{"mu", 1, 1},
                       {"tau", 1, 1},
                       {centred ? "theta" : "theta_trans", kSchools, 1}};
      model.point.resize(2 + kSchools);
      model.point << 4.4, 3.6, 0.9, 0.1, -0.4, 0.2, -0.5, -0.1, 1.1, 0.3;
      if (centred) {
        model.point.tail(kSchools) =
            model.point(0) +
            model.point(1) * model.point.tail(kSchools).array();
      }
      break;
    }
    case ModelKind::kLogisticRegression: {
      model.name = "logistic_regression";
      const Tensor features = Tensor(Matrix(data.features.cast<Real>()));
      Matrix outcomes(kRegressionRows, 1);
      for (Index i = 0; i < kRegressionRows; ++i) {
        outcomes(i, 0) = static_cast<Real>(data.outcomes[i]);
      }
      const Tensor y(outcomes);
      model.program = [features, y] { LogisticRegression(features, y); };
      model.latents = {{"beta", 1, kRegressionCoefficients}};
      model.point.resize(kRegressionCoefficients);
      for (Index k = 0; k < kRegressionCoefficients; ++k) {
        model.point(k) = std::sin(0.7 * static_cast<double>(k));
      }
      break;
    }
    case ModelKind::kMixture: {
      model.name = "mixture";
      const Tensor points = ColumnTensor(data.points);
      model.program = [points] { Mixture(points); };
      model.latents = {{"mu", 1, kMixtureComponents}};
      model.point.resize(kMixtureComponents);
      model.point << -1.8, 0.3, 2.7;
      break;
    }
  }
  return model;
}

LogJointGradient::LogJointGradient(const SmallModel& model)
    : model_(model), latents_(model.latents.size()) {
  for (size_t i = 0; i < latents_.size(); ++i) {
    latents_[i].Reset(
        Matrix::Zero(model.latents[i].rows, model.latents[i].cols));
  }
}

absl::StatusOr<double> LogJointGradient::Evaluate(const Eigen::VectorXd& point,
                                                  Eigen::VectorXd* gradient) {
  Index size = 0;
  for (const Parameter& p : latents_) size += p.rows() * p.cols();
  if (point.size() != size) {
    return absl::InvalidArgumentError(
        "the point has " + std::to_string(point.size()) + " values; " +
        model_.name + " has " + std::to_string(size) + " latent values");
  }
  Index offset = 0;
  for (Parameter& p : latents_) {
    const Index n = p.rows() * p.cols();
    Eigen::Map<Matrix>(p.value().data(), n, 1) =
        point.segment(offset, n).cast<Real>();
    p.ZeroGrad();
    offset += n;
  }
  double log_joint = 0;
  PROVI_RETURN_IF_ERROR(CatchStatus([&] {
    TapeScope scope;
    Trace choices;
    for (size_t i = 0; i < latents_.size(); ++i) {
      Site site;
      site.address = Address::Intern(model_.latents[i].name);
      site.value = latents_[i].tensor();
      ThrowIfError(choices.Add(std::move(site)));
    }
    const Tensor total = SumAll(Density(model_.program, choices));
    Backward(total);
    log_joint = total.item();
  }));
  gradient->resize(size);
  offset = 0;
  for (const Parameter& p : latents_) {
    const Index n = p.rows() * p.cols();
    gradient->segment(offset, n) =
        Eigen::Map<const Matrix>(p.grad().data(), n, 1).cast<double>();
    offset += n;
  }
  return log_joint;
}

}  // namespace small_models
}  // namespace provi

// Copyright 2026 The provi Authors.

#include "nn/linear.h"

#include <atomic>
#include <cstdint>
#include <functional>
#include <random>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "ad/ops.h"
#include "base/random.h"
#include "base/status_error.h"
#include "runtime/primitives.h"

namespace provi {
namespace nn {
namespace {

// The random streams of one layer's initialisers.
enum class Stream : uint32_t { kWeight = 0, kBias = 1 };

// FNV-1a: a hash of the layer's name that is the same on every build, so a
// seed gives the same network everywhere the generator does.
uint64_t StableHash(absl::string_view text) {
  uint64_t hash = 14695981039346656037ull;
  for (const char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ull;
  }
  return hash;
}

Rng InitRng(uint64_t seed, absl::string_view name, Stream stream) {
  // Combines the three into one seed (boost-style hash combine).
  uint64_t h = StableHash(name);
  h ^= seed + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
  h ^= static_cast<uint64_t>(stream) + 0x9e3779b97f4a7c15ull + (h << 6) +
       (h >> 2);
  return MakeRng(h);
}

[[noreturn]] void ThrowInvalid(const std::string& name,
                               absl::string_view message) {
  ThrowStatus(absl::InvalidArgumentError(
      absl::StrCat("nn::Linear '", name, "': ", message)));
}

// Throws unless `value` is rows x cols.
void CheckShape(const std::string& name, absl::string_view what,
                const Tensor& value, Index rows, Index cols) {
  if (value.rows() == rows && value.cols() == cols) return;
  ThrowInvalid(name, absl::StrCat(what, " is ", value.ShapeString(),
                                  ", expected ", rows, "x", cols));
}

// Throws unless the param site `site` (in the current scope) holds a
// rows x cols value; builds no string unless it throws.
void CheckParamShape(const std::string& name, absl::string_view site,
                     const Tensor& value, Index rows, Index cols) {
  if (value.rows() == rows && value.cols() == cols) return;
  CheckShape(name,
             absl::StrCat("parameter '", CurrentScope().name(), "/", site, "'"),
             value, rows, cols);
}

// A lazily computed, then immutable, initial value: the fast path is one
// acquire load.
class LazyValue {
 public:
  template <typename F>
  Tensor Get(F compute) {
    if (!ready_.load(std::memory_order_acquire)) {
      absl::MutexLock lock(&mutex_);
      if (!ready_.load(std::memory_order_relaxed)) {
        value_ = compute();  // may throw; then nothing is kept
        ready_.store(true, std::memory_order_release);
      }
    }
    return value_;
  }

 private:
  std::atomic<bool> ready_{false};
  absl::Mutex mutex_;
  Tensor value_;
};

}  // namespace

struct Linear::InitialValues {
  LazyValue weight;
  LazyValue bias;
};

Linear::Linear(std::string name, Index in, Index out, LinearOptions options)
    : name_(std::move(name)),
      in_(in),
      out_(out),
      options_(std::move(options)),
      initial_(std::make_shared<InitialValues>()) {
  if (name_.empty()) {
    ThrowStatus(absl::InvalidArgumentError("nn::Linear: empty layer name"));
  }
  if (in_ < 1 || out_ < 1) {
    ThrowInvalid(name_, absl::StrCat("in (", in_, ") and out (", out_,
                                     ") must be positive"));
  }
  if (!options_.weight_init || !options_.bias_init) {
    ThrowInvalid(name_, "weight_init and bias_init must be set");
  }
}

Tensor Linear::InitialWeight() const {
  return initial_->weight.Get([this] {
    Rng rng = InitRng(options_.seed, name_, Stream::kWeight);
    const Tensor w(options_.weight_init(in_, out_, rng));
    CheckShape(name_, "the weight_init result", w, in_, out_);
    return w;
  });
}

Tensor Linear::InitialBias() const {
  if (!options_.bias) return Tensor();
  return initial_->bias.Get([this] {
    Rng rng = InitRng(options_.seed, name_, Stream::kBias);
    const Tensor b(options_.bias_init(1, out_, rng));
    CheckShape(name_, "the bias_init result", b, 1, out_);
    return b;
  });
}

Linear::Bound Linear::Bind() const {
  Scope scope(name_);
  // Capturing only `this` keeps the functions in std::function's inline
  // buffer: no allocation per pass.
  const std::function<Tensor()> init_weight = [this] {
    return InitialWeight();
  };
  Tensor w = param("w", init_weight);
  CheckParamShape(name_, "w", w, in_, out_);
  if (!options_.bias) return Bound(this, std::move(w), Tensor());
  const std::function<Tensor()> init_bias = [this] { return InitialBias(); };
  Tensor b = param("b", init_bias);
  CheckParamShape(name_, "b", b, 1, out_);
  return Bound(this, std::move(w), std::move(b));
}

Tensor Linear::Bound::operator()(const Tensor& x) const {
  if (x.cols() != layer_->in_) {
    ThrowInvalid(
        layer_->name_,
        absl::StrCat("input is ", x.ShapeString(), " but the weight is ",
                     layer_->in_, "x", layer_->out_, " (the input needs ",
                     layer_->in_, " columns)"));
  }
  if (!layer_->options_.bias) return MatMul(x, w_);
  return MatMul(x, w_) + b_;
}

}  // namespace nn
}  // namespace provi

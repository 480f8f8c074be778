// Copyright 2026 The provi Authors.
//
// The VAE example on a tiny synthetic Fashion-MNIST-shaped data set written
// to the test's temporary directory: the per-image objectives' values and
// layout, TrainVae end to end (it learns, it writes a checkpoint that loads
// and two PNGs, every objective trains to a finite test ELBO), its errors,
// and the //examples:vae binary's exit codes and output.

#include <sys/stat.h>
#include <sys/wait.h>
#include <zlib.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "ad/tensor.h"
#include "distributed/thread_communicator.h"
#include "estimators/expectation.h"
#include "examples/vae_model.h"
#include "examples/vae_training.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/run_binary.h"
#include "vi/param_store.h"

namespace provi {
namespace examples {
namespace {

using ::testing::HasSubstr;

constexpr int kSide = 28;

// An unsigned-byte IDX file's bytes: magic, big-endian sizes, data.
std::string IdxBytes(const std::vector<uint32_t>& dims,
                     const std::vector<uint8_t>& data) {
  std::string bytes = {0, 0, 0x08, static_cast<char>(dims.size())};
  for (const uint32_t d : dims) {
    for (int shift = 24; shift >= 0; shift -= 8) {
      bytes.push_back(static_cast<char>((d >> shift) & 0xFF));
    }
  }
  bytes.append(data.begin(), data.end());
  return bytes;
}

void WriteGzip(const std::string& path, const std::string& bytes) {
  gzFile file = gzopen(path.c_str(), "wb");
  ASSERT_NE(file, nullptr) << path;
  ASSERT_EQ(gzwrite(file, bytes.data(), static_cast<unsigned>(bytes.size())),
            static_cast<int>(bytes.size()));
  ASSERT_EQ(gzclose(file), Z_OK);
}

// `count` 28x28 images of three kinds (a horizontal bar, a vertical bar, a
// square) at shifted positions, and their labels.
void WriteSplit(const std::string& directory, const std::string& prefix,
                int count) {
  std::vector<uint8_t> pixels;
  std::vector<uint8_t> labels;
  for (int i = 0; i < count; ++i) {
    const int kind = i % 3;
    const int offset = 4 + (i / 3) % 12;
    for (int r = 0; r < kSide; ++r) {
      for (int c = 0; c < kSide; ++c) {
        bool on = false;
        if (kind == 0) on = r >= offset && r < offset + 6 && c >= 3 && c < 25;
        if (kind == 1) on = c >= offset && c < offset + 6 && r >= 3 && r < 25;
        if (kind == 2) {
          on = r >= offset && r < offset + 8 && c >= offset && c < offset + 8;
        }
        pixels.push_back(on ? 230 : 10);
      }
    }
    labels.push_back(static_cast<uint8_t>(kind));
  }
  const uint32_t n = static_cast<uint32_t>(count);
  WriteGzip(directory + "/" + prefix + "-images-idx3-ubyte.gz",
            IdxBytes({n, kSide, kSide}, pixels));
  WriteGzip(directory + "/" + prefix + "-labels-idx1-ubyte.gz",
            IdxBytes({n}, labels));
}

// A directory holding a synthetic data set: 96 training and 40 test images.
std::string SyntheticDataset(const std::string& name) {
  const std::string directory = ::testing::TempDir() + name;
  mkdir(directory.c_str(), 0755);
  WriteSplit(directory, "train", 96);
  WriteSplit(directory, "t10k", 40);
  return directory;
}

bool FileStartsWith(const std::string& path, const std::string& prefix) {
  std::ifstream in(path, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)),
                          std::istreambuf_iterator<char>());
  return bytes.compare(0, prefix.size(), prefix) == 0;
}

VaeTrainingOptions SmallOptions(const std::string& data_dir,
                                const std::string& output_name) {
  VaeTrainingOptions options;
  options.data_dir = data_dir;
  options.batch = 16;
  options.hidden = 32;
  options.latent = 4;
  options.learning_rate = 1e-2;
  options.output_dir = ::testing::TempDir() + output_name;
  options.log_every = 2;
  return options;
}

TEST(LogMeanExpPerImageTest, ReducesTheParticlesOfEachImage) {
  // K = 2 particles of B = 3 images, particle-major: lane k B + b.
  const Tensor v(Matrix((Matrix(6, 1) << 0, 1, 2, 3, 4, 5).finished()));
  const Matrix result = LogMeanExpPerImage(v, 3).value();
  ASSERT_EQ(result.rows(), 3);
  ASSERT_EQ(result.cols(), 1);
  for (int b = 0; b < 3; ++b) {
    const double first = b;  // the value of particle 0; particle 1 has +3
    const double expected =
        std::log((std::exp(first) + std::exp(first + 3)) / 2);
    EXPECT_NEAR(result(b, 0), expected, 1e-5) << "image " << b;
  }
}

// Objectives that differ only in their gradient, or coincide for these K
// and α, give the same values from the same draws, one per image.
TEST(VaeObjectiveTest, ValuesAgreeWhereTheObjectivesCoincide) {
  const VaeNetworks networks({.pixels = 6, .hidden = 5, .latent = 2},
                             /*seed=*/3);
  Matrix images = Matrix::Zero(4, 6);
  images.col(0).setOnes();
  images(1, 3) = 1;
  images(2, 5) = 1;
  const Tensor x(images);
  auto values = [&](VaeObjective objective, Index particles, Real alpha) {
    Expectation<VaeObjectiveProgram> expectation(
        MakeVaeObjective(objective, networks, alpha));
    expectation.Seed(11);
    absl::StatusOr<Tensor> value = expectation.Estimate(x, particles);
    EXPECT_TRUE(value.ok()) << value.status();
    return value.ok() ? Matrix(value->value()) : Matrix();
  };
  const Matrix elbo = values(VaeObjective::kElbo, 1, 0.5);
  ASSERT_EQ(elbo.rows(), 4);
  ASSERT_EQ(elbo.cols(), 1);
  EXPECT_TRUE(elbo.allFinite());
  EXPECT_TRUE((elbo.array() < 0).all());
  EXPECT_TRUE(elbo.isApprox(values(VaeObjective::kElboStl, 1, 0.5)));
  EXPECT_TRUE(elbo.isApprox(values(VaeObjective::kIwelbo, 1, 0.5)));

  const Matrix iwelbo = values(VaeObjective::kIwelbo, 7, 0.5);
  ASSERT_EQ(iwelbo.rows(), 4);
  EXPECT_TRUE(iwelbo.allFinite());
  EXPECT_TRUE(iwelbo.isApprox(values(VaeObjective::kIwelboDreg, 7, 0.5)));
  EXPECT_TRUE(iwelbo.isApprox(values(VaeObjective::kRenyi, 7, 0)));
  // With K draws per image, the ELBO is the mean of the K log weights and
  // the IWELBO their log-mean-exp, which is at least as large (Jensen).
  const Matrix elbo_k = values(VaeObjective::kElbo, 7, 0.5);
  EXPECT_TRUE((iwelbo.array() >= elbo_k.array() - 1e-4).all());
}

TEST(ParseVaeObjectiveTest, RoundTripsEveryName) {
  for (const VaeObjective objective :
       {VaeObjective::kElbo, VaeObjective::kElboStl, VaeObjective::kIwelbo,
        VaeObjective::kIwelboDreg, VaeObjective::kRenyi}) {
    VaeObjective parsed = VaeObjective::kElbo;
    ASSERT_TRUE(ParseVaeObjective(VaeObjectiveName(objective), &parsed));
    EXPECT_EQ(parsed, objective);
  }
  VaeObjective parsed;
  std::string error;
  EXPECT_FALSE(AbslParseFlag("vimco", &parsed, &error));
  EXPECT_THAT(error, HasSubstr("iwelbo_dreg"));
}

TEST(TrainVaeTest, LearnsAndWritesTheCheckpointAndPictures) {
  const std::string data = SyntheticDataset("learns");
  VaeTrainingOptions options = SmallOptions(data, "learns_out");
  options.epochs = 4;
  options.iwelbo_eval = 10;
  options.eval_images = 8;
  std::ostringstream out;
  absl::StatusOr<VaeTrainingResult> result = TrainVae(options, out);
  ASSERT_TRUE(result.ok()) << result.status();

  EXPECT_EQ(result->steps, 4 * 6);  // 96 images in batches of 16
  ASSERT_EQ(result->test_elbo.size(), 4u);
  for (const double elbo : result->test_elbo) {
    EXPECT_TRUE(std::isfinite(elbo));
    EXPECT_LT(elbo, 0);
  }
  // Twenty-four Adam steps take the bound far above its starting value
  // (about -550 nats for 784 pixels at probability 1/2).
  EXPECT_GT(result->test_elbo.back(), result->test_elbo.front() + 50);
  EXPECT_TRUE(std::isfinite(result->test_iwelbo));
  EXPECT_GT(result->test_iwelbo, result->test_elbo.back() - 20);

  EXPECT_THAT(out.str(), HasSubstr("epoch 4: test ELBO"));
  EXPECT_THAT(out.str(), HasSubstr("test IWELBO (K = 10)"));
  const std::string png_magic = "\x89PNG\r\n\x1a\n";
  EXPECT_TRUE(FileStartsWith(result->reconstructions_path, png_magic));
  EXPECT_TRUE(FileStartsWith(result->samples_path, png_magic));

  ParamStore store;
  ASSERT_TRUE(store.Load(result->checkpoint_path).ok());
  absl::StatusOr<Tensor> weight = store.Get("encoder/0/w");
  ASSERT_TRUE(weight.ok()) << weight.status();
  EXPECT_EQ(weight->rows(), kSide * kSide);
  EXPECT_EQ(weight->cols(), 32);
  EXPECT_TRUE(store.Contains("decoder/1/b"));
}

// Data-parallel training over two threads: it learns, the members agree,
// and a run resumed from the checkpoint of step 6 on one thread ends where
// the uninterrupted one did (the same global minibatches and summed
// gradients; the members' random streams differ, so up to the noise).
TEST(TrainVaeTest, DataParallelOverThreadsLearnsAndResumes) {
  const std::string data = SyntheticDataset("parallel");
  VaeTrainingOptions options = SmallOptions(data, "parallel_out");
  options.epochs = 2;
  std::vector<std::vector<double>> elbos(2);
  std::ostringstream out;
  const absl::Status status = RunOnThreads(2, [&](Communicator& comm) {
    VaeTrainingOptions mine = options;
    mine.communicator = &comm;
    std::ostringstream ignored;
    absl::StatusOr<VaeTrainingResult> result =
        TrainVae(mine, comm.rank() == 0 ? out : ignored);
    if (!result.ok()) return result.status();
    elbos[comm.rank()] = result->test_elbo;
    if (comm.rank() == 1) {
      EXPECT_EQ(ignored.str(), "");
    }
    return absl::OkStatus();
  });
  ASSERT_TRUE(status.ok()) << status;
  ASSERT_EQ(elbos[0].size(), 2u);
  EXPECT_EQ(elbos[0], elbos[1]);  // reduced: every member has the same
  EXPECT_GT(elbos[0].back(), elbos[0].front());
  EXPECT_THAT(out.str(), HasSubstr("data-parallel over 2 replicas: 8 images"));
  EXPECT_TRUE(std::filesystem::exists(options.output_dir +
                                      "/checkpoints/step-12/params"));

  // Resume the checkpoint of step 6 (the end of epoch 1) on one thread.
  std::filesystem::remove(options.output_dir + "/checkpoints/latest");
  std::filesystem::create_symlink("step-6",
                                  options.output_dir + "/checkpoints/latest");
  std::ostringstream resumed_out;
  const absl::Status resumed = RunOnThreads(1, [&](Communicator& comm) {
    VaeTrainingOptions mine = options;
    mine.communicator = &comm;
    mine.resume = true;
    absl::StatusOr<VaeTrainingResult> result = TrainVae(mine, resumed_out);
    if (!result.ok()) return result.status();
    EXPECT_EQ(result->steps, 6);
    EXPECT_EQ(result->test_elbo.size(), 1u);
    if (!result->test_elbo.empty()) {
      EXPECT_NEAR(result->test_elbo.back(), elbos[0].back(), 5.0);
    }
    return absl::OkStatus();
  });
  ASSERT_TRUE(resumed.ok()) << resumed;
  EXPECT_THAT(resumed_out.str(), HasSubstr("resumed at step 6"));
}

TEST(TrainVaeTest, EveryObjectiveTrainsToAFiniteTestElbo) {
  const std::string data = SyntheticDataset("objectives");
  for (const VaeObjective objective :
       {VaeObjective::kElbo, VaeObjective::kElboStl, VaeObjective::kIwelbo,
        VaeObjective::kIwelboDreg, VaeObjective::kRenyi}) {
    SCOPED_TRACE(VaeObjectiveName(objective));
    VaeTrainingOptions options =
        SmallOptions(data, "objectives_" + VaeObjectiveName(objective));
    options.objective = objective;
    options.particles = 3;
    options.max_steps = 5;
    std::ostringstream out;
    absl::StatusOr<VaeTrainingResult> result = TrainVae(options, out);
    ASSERT_TRUE(result.ok()) << result.status();
    EXPECT_EQ(result->steps, 5);
    ASSERT_EQ(result->test_elbo.size(), 1u);
    EXPECT_TRUE(std::isfinite(result->test_elbo[0]));
  }
}

TEST(TrainVaeTest, MissingOrMalformedDataIsAnError) {
  VaeTrainingOptions options =
      SmallOptions(::testing::TempDir() + "no_such_dir", "missing_out");
  std::ostringstream out;
  absl::StatusOr<VaeTrainingResult> result = TrainVae(options, out);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(result.status().message(), HasSubstr("train-images"));

  const std::string truncated = SyntheticDataset("truncated");
  WriteGzip(truncated + "/t10k-images-idx3-ubyte.gz",
            IdxBytes({40, kSide, kSide}, std::vector<uint8_t>(100, 0)));
  options.data_dir = truncated;
  result = TrainVae(options, out);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kDataLoss);

  options.data_dir = SyntheticDataset("bad_options");
  options.batch = 0;
  result = TrainVae(options, out);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
}

int RunBinary(const std::string& flags, std::string* output) {
  return ::provi::testing::RunExample("vae", flags, output);
}

TEST(VaeBinaryTest, SmokeRunSucceedsAndErrorsExitNonZero) {
  const std::string data = SyntheticDataset("binary");
  const std::string out_dir = ::testing::TempDir() + "binary_out";
  std::string output;
  EXPECT_EQ(RunBinary("--data_dir=" + data + " --output_dir=" + out_dir +
                          " --max_steps=3 --batch=16 --hidden=16 --latent=3",
                      &output),
            0)
      << output;
  // A finite, negative bound: NaN or infinity would print otherwise.
  EXPECT_THAT(output, ::testing::ContainsRegex(
                          "epoch 1: test ELBO -[0-9]+\\.[0-9]+ nats/image"));
  struct stat info;
  EXPECT_EQ(stat((out_dir + "/vae.params").c_str(), &info), 0);
  EXPECT_EQ(stat((out_dir + "/reconstructions.png").c_str(), &info), 0);
  EXPECT_EQ(stat((out_dir + "/samples.png").c_str(), &info), 0);

  output.clear();
  EXPECT_EQ(RunBinary("--data_dir=" + data + "/missing --output_dir=" + out_dir,
                      &output),
            1);
  EXPECT_THAT(output, HasSubstr("NOT_FOUND"));
  EXPECT_THAT(output, HasSubstr("--data_dir"));

  output.clear();
  EXPECT_NE(RunBinary("--objective=vimco", &output), 0);
  EXPECT_THAT(output, HasSubstr("unknown objective 'vimco'"));
}

}  // namespace
}  // namespace examples
}  // namespace provi

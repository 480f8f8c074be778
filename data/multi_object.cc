// Copyright 2026 The provi Authors.

#include "data/multi_object.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <utility>

#include "absl/random/distributions.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/check.h"
#include "base/random.h"
#include "base/status_macros.h"
#include "data/files.h"
#include "data/idx.h"

namespace provi {
namespace {

constexpr char kMagic[8] = {'P', 'R', 'O', 'V', 'I', 'M', 'O', 'B'};
constexpr uint32_t kVersion = 1;
// Redraws of one canvas (or of one object's scale) before giving up.
constexpr int kMaxAttempts = 1000;

absl::Status Invalid(absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("multi-object data: ", what));
}

absl::Status ValidateOptions(const MultiObjectOptions& options) {
  if (options.count < 0) {
    return Invalid(absl::StrCat("count ", options.count, " is negative"));
  }
  if (options.canvas < 2) {
    return Invalid(absl::StrCat("canvas side ", options.canvas, " is below 2"));
  }
  if (options.max_objects < 0 || options.max_objects > 255) {
    return Invalid(absl::StrCat("max_objects ", options.max_objects,
                                " is outside [0, 255]"));
  }
  if (!(options.scale_mean > 0) || !std::isfinite(options.scale_mean) ||
      !(options.scale_sd >= 0) || !std::isfinite(options.scale_sd)) {
    return Invalid(absl::StrCat("scale N(", options.scale_mean, ", ",
                                options.scale_sd,
                                "²) needs a positive finite mean and a "
                                "finite non-negative sd"));
  }
  return absl::OkStatus();
}

// weights(o, i): the share of output pixel o covered by input pixel i when
// `in` pixels are averaged down (or stretched) to `out` pixels.
Eigen::MatrixXd BoxFilter(int in, int out) {
  Eigen::MatrixXd weights = Eigen::MatrixXd::Zero(out, in);
  const double ratio = static_cast<double>(in) / out;
  for (int o = 0; o < out; ++o) {
    const double lo = o * ratio;
    const double hi = (o + 1) * ratio;
    for (int i = static_cast<int>(std::floor(lo)); i < in && i < hi; ++i) {
      const double overlap =
          std::min<double>(hi, i + 1) - std::max<double>(lo, i);
      if (overlap > 0) weights(o, i) = overlap / ratio;
    }
  }
  return weights;
}

// Source image `index` shrunk to `side` x `side` with `filter` =
// BoxFilter(source side, side), rounded to 0..255.
std::vector<int> Shrink(const ObjectImages& source, Index index, int side,
                        const Eigen::MatrixXd& filter) {
  using RowMajor =
      Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  const uint8_t* pixels = source.pixels.data() + static_cast<size_t>(index) *
                                                     source.height *
                                                     source.width;
  RowMajor image(source.height, source.width);
  for (int r = 0; r < source.height; ++r) {
    for (int c = 0; c < source.width; ++c) {
      image(r, c) = pixels[r * source.width + c];
    }
  }
  const RowMajor shrunk = filter * image * filter.transpose();
  std::vector<int> out(static_cast<size_t>(side) * side);
  for (int r = 0; r < side; ++r) {
    for (int c = 0; c < side; ++c) {
      const long v = std::lround(shrunk(r, c));
      out[static_cast<size_t>(r) * side + c] =
          static_cast<int>(std::clamp<long>(v, 0, 255));
    }
  }
  return out;
}

const char* SplitName(Split split) {
  return split == Split::kTrain ? "train" : "test";
}

}  // namespace

absl::StatusOr<ObjectImages> LoadObjectImages(absl::string_view directory,
                                              Split split) {
  const std::string path =
      absl::StrCat(directory, "/", split == Split::kTrain ? "train" : "t10k",
                   "-images-idx3-ubyte.gz");
  PROVI_ASSIGN_OR_RETURN(IdxArray array, ReadIdx(path));
  if (array.dimensions.size() != 3) {
    return absl::InvalidArgumentError(absl::StrCat(
        "LoadObjectImages: '", path, "' has dimensions ",
        absl::StrJoin(array.dimensions, "x"), "; images need 3 dimensions"));
  }
  ObjectImages images;
  images.count = array.dimensions[0];
  images.height = static_cast<int>(array.dimensions[1]);
  images.width = static_cast<int>(array.dimensions[2]);
  images.pixels = std::move(array.data);
  return images;
}

Matrix MultiObjectDataset::Images(Index start, Index n) const {
  PROVI_CHECK(start >= 0 && n >= 0 && start + n <= size())
      << "canvases [" << start << ", " << start + n << ") of " << size();
  const Index side = options.canvas;
  const Index area = side * side;
  Matrix images(n, area);
  for (Index i = 0; i < n; ++i) {
    const uint8_t* canvas =
        pixels.data() + static_cast<size_t>((start + i) * area);
    for (Index p = 0; p < area; ++p) {
      images(i, p) = static_cast<Real>(canvas[p]) / Real(255);
    }
  }
  return images;
}

std::vector<int> MultiObjectDataset::Counts(Index start, Index n) const {
  PROVI_CHECK(start >= 0 && n >= 0 && start + n <= size())
      << "canvases [" << start << ", " << start + n << ") of " << size();
  return std::vector<int>(counts.begin() + start, counts.begin() + start + n);
}

absl::StatusOr<MultiObjectDataset> GenerateMultiObject(
    const ObjectImages& source, const MultiObjectOptions& options) {
  PROVI_RETURN_IF_ERROR(ValidateOptions(options));
  if (source.height != source.width || source.height < 1 ||
      source.pixels.size() !=
          static_cast<size_t>(source.count) * source.height * source.width) {
    return Invalid(absl::StrCat(
        "the source needs square images with all their pixels; got ",
        source.count, " images of ", source.height, "x", source.width, " and ",
        source.pixels.size(), " pixels"));
  }
  if (options.max_objects > 0 && source.count < 1) {
    return Invalid("no source images to place");
  }
  const int side = options.canvas;
  const size_t area = static_cast<size_t>(side) * side;
  const int k_max = options.max_objects;

  MultiObjectDataset data;
  data.options = options;
  data.pixels.assign(static_cast<size_t>(options.count) * area, 0);
  data.counts.assign(static_cast<size_t>(options.count), 0);
  data.objects.assign(static_cast<size_t>(options.count) * k_max,
                      PlacedObject{});
  Rng rng = MakeRng(options.seed);
  std::vector<int> canvas(area);
  // filters[s]: the box filter to side s, made when first needed.
  std::vector<Eigen::MatrixXd> filters(static_cast<size_t>(side));
  for (Index i = 0; i < options.count; ++i) {
    const int k = absl::Uniform<int>(absl::IntervalClosed, rng, 0, k_max);
    PlacedObject* placed = &data.objects[static_cast<size_t>(i) * k_max];
    bool accepted = false;
    for (int attempt = 0; attempt < kMaxAttempts && !accepted; ++attempt) {
      std::fill(canvas.begin(), canvas.end(), 0);
      for (int j = 0; j < k; ++j) {
        PlacedObject& object = placed[j];
        object.source =
            static_cast<int32_t>(absl::Uniform<Index>(rng, 0, source.count));
        object.size = 0;
        for (int draw = 0; draw < kMaxAttempts; ++draw) {
          const double scale =
              options.scale_mean +
              options.scale_sd * absl::Gaussian<double>(rng, 0.0, 1.0);
          const double size = scale > 0 ? source.width / scale : 0;
          if (size >= 1 && size < side) {
            object.size = static_cast<int32_t>(size);
            break;
          }
        }
        if (object.size == 0) {
          return absl::FailedPreconditionError(absl::StrCat(
              "multi-object data: ", kMaxAttempts, " scales from N(",
              options.scale_mean, ", ", options.scale_sd, "²) gave no side of ",
              source.width, "-pixel images between 1 and ", side - 1));
        }
        const int padding = side - object.size;
        object.top = absl::Uniform<int32_t>(rng, 0, padding);
        object.left = absl::Uniform<int32_t>(rng, 0, padding);
        Eigen::MatrixXd& filter = filters[static_cast<size_t>(object.size)];
        if (filter.size() == 0) filter = BoxFilter(source.width, object.size);
        const std::vector<int> shrunk =
            Shrink(source, object.source, object.size, filter);
        for (int r = 0; r < object.size; ++r) {
          for (int c = 0; c < object.size; ++c) {
            canvas[static_cast<size_t>(object.top + r) * side + object.left +
                   c] += shrunk[static_cast<size_t>(r) * object.size + c];
          }
        }
      }
      accepted = *std::max_element(canvas.begin(), canvas.end()) <= 255;
    }
    if (!accepted) {
      return absl::FailedPreconditionError(absl::StrCat(
          "multi-object data: canvas ", i, " with ", k, " objects saturated ",
          kMaxAttempts, " times in a row (a pixel above 255)"));
    }
    data.counts[static_cast<size_t>(i)] = static_cast<uint8_t>(k);
    uint8_t* out = data.pixels.data() + static_cast<size_t>(i) * area;
    for (size_t p = 0; p < area; ++p) out[p] = static_cast<uint8_t>(canvas[p]);
  }
  return data;
}

std::string MultiObjectCacheName(const MultiObjectOptions& options,
                                 Split split) {
  return absl::StrCat("multi_object_", SplitName(split), "_n", options.count,
                      "_c", options.canvas, "_k", options.max_objects, "_scale",
                      options.scale_mean, "_", options.scale_sd, "_seed",
                      options.seed, "_v", kVersion, ".bin");
}

absl::Status SaveMultiObject(const MultiObjectDataset& data, Split split,
                             const std::string& path) {
  const MultiObjectOptions& options = data.options;
  const size_t n = static_cast<size_t>(options.count);
  const size_t area = static_cast<size_t>(options.canvas) * options.canvas;
  const size_t objects = n * static_cast<size_t>(options.max_objects);
  PROVI_CHECK(data.counts.size() == n && data.pixels.size() == n * area &&
              data.objects.size() == objects)
      << "a data set whose arrays disagree with its options";
  std::string bytes(kMagic, sizeof(kMagic));
  PutU32(bytes, kVersion);
  PutU64(bytes, static_cast<uint64_t>(options.count));
  PutU32(bytes, static_cast<uint32_t>(options.canvas));
  PutU32(bytes, static_cast<uint32_t>(options.max_objects));
  PutF64(bytes, options.scale_mean);
  PutF64(bytes, options.scale_sd);
  PutU64(bytes, options.seed);
  PutU8(bytes, split == Split::kTrain ? 0 : 1);
  bytes.append(reinterpret_cast<const char*>(data.counts.data()), n);
  for (const PlacedObject& object : data.objects) {
    PutU32(bytes, static_cast<uint32_t>(object.source));
    PutU32(bytes, static_cast<uint32_t>(object.top));
    PutU32(bytes, static_cast<uint32_t>(object.left));
    PutU32(bytes, static_cast<uint32_t>(object.size));
  }
  bytes.append(reinterpret_cast<const char*>(data.pixels.data()), n * area);
  PutU64(bytes, Fnv1a64(bytes));
  return WriteFileAtomically(path, bytes);
}

absl::StatusOr<MultiObjectDataset> ReadMultiObject(
    const std::string& path, const MultiObjectOptions& options, Split split) {
  PROVI_RETURN_IF_ERROR(ValidateOptions(options));
  const absl::StatusOr<std::string> read = ReadFileToString(path);
  if (!read.ok()) return read.status();
  const std::string& bytes = *read;
  auto data_loss = [&](absl::string_view what) {
    return absl::DataLossError(absl::StrCat("multi-object cache '", path,
                                            "': ", what,
                                            " (delete it to regenerate)"));
  };
  auto mismatch = [&](absl::string_view what) {
    return absl::InvalidArgumentError(
        absl::StrCat("multi-object cache '", path, "': ", what,
                     " (delete it to regenerate)"));
  };
  if (bytes.size() < sizeof(kMagic) + 8 ||
      std::memcmp(bytes.data(), kMagic, sizeof(kMagic)) != 0) {
    return mismatch("not a multi-object cache file (wrong magic)");
  }
  const absl::string_view checked(bytes.data(), bytes.size() - 8);
  ByteReader trailer(absl::string_view(bytes).substr(bytes.size() - 8));
  uint64_t checksum = 0;
  trailer.U64(&checksum);
  if (checksum != Fnv1a64(checked)) {
    return data_loss("checksum mismatch (truncated or corrupted)");
  }
  ByteReader reader(checked.substr(sizeof(kMagic)));
  uint32_t version = 0, canvas = 0, max_objects = 0;
  uint64_t count = 0, seed = 0;
  double scale_mean = 0, scale_sd = 0;
  uint8_t split_code = 0;
  if (!reader.U32(&version) || !reader.U64(&count) || !reader.U32(&canvas) ||
      !reader.U32(&max_objects) || !reader.F64(&scale_mean) ||
      !reader.F64(&scale_sd) || !reader.U64(&seed) || !reader.U8(&split_code)) {
    return data_loss("truncated header");
  }
  if (version != kVersion) {
    return mismatch(
        absl::StrCat("format version ", version, ", expected ", kVersion));
  }
  if (count != static_cast<uint64_t>(options.count) ||
      canvas != static_cast<uint32_t>(options.canvas) ||
      max_objects != static_cast<uint32_t>(options.max_objects) ||
      scale_mean != options.scale_mean || scale_sd != options.scale_sd ||
      seed != options.seed || split_code != (split == Split::kTrain ? 0 : 1)) {
    return mismatch(absl::StrCat(
        "written for ", count, " canvases of ", canvas, " pixels, up to ",
        max_objects, " objects, scale N(", scale_mean, ", ", scale_sd,
        "²), seed ", seed, ", split ", split_code == 0 ? "train" : "test",
        "; expected ", MultiObjectCacheName(options, split)));
  }
  const size_t n = static_cast<size_t>(count);
  const size_t area = static_cast<size_t>(canvas) * canvas;
  if (reader.remaining() != n + n * max_objects * 16 + n * area) {
    return data_loss(absl::StrCat(reader.remaining(),
                                  " bytes of data where the header promises ",
                                  n + n * max_objects * 16 + n * area));
  }
  MultiObjectDataset data;
  data.options = options;
  absl::string_view block;
  reader.Bytes(n, &block);
  data.counts.assign(block.begin(), block.end());
  data.objects.resize(n * max_objects);
  for (PlacedObject& object : data.objects) {
    uint32_t v[4];
    for (uint32_t& x : v) reader.U32(&x);
    object =
        PlacedObject{static_cast<int32_t>(v[0]), static_cast<int32_t>(v[1]),
                     static_cast<int32_t>(v[2]), static_cast<int32_t>(v[3])};
  }
  reader.Bytes(n * area, &block);
  data.pixels.assign(block.begin(), block.end());
  for (size_t i = 0; i < n; ++i) {
    if (data.counts[i] > max_objects) {
      return data_loss(absl::StrCat("canvas ", i, " has ",
                                    static_cast<int>(data.counts[i]),
                                    " objects, above the maximum"));
    }
  }
  return data;
}

absl::StatusOr<MultiObjectDataset> LoadMultiObject(
    const MultiObjectOptions& options, Split split, absl::string_view data_dir,
    absl::string_view cache_dir) {
  PROVI_RETURN_IF_ERROR(ValidateOptions(options));
  const std::string path = (std::filesystem::path(std::string(cache_dir)) /
                            MultiObjectCacheName(options, split))
                               .string();
  absl::StatusOr<MultiObjectDataset> cached =
      ReadMultiObject(path, options, split);
  if (cached.ok() || !absl::IsNotFound(cached.status())) return cached;

  PROVI_ASSIGN_OR_RETURN(const ObjectImages source,
                         LoadObjectImages(data_dir, split));
  PROVI_ASSIGN_OR_RETURN(MultiObjectDataset data,
                         GenerateMultiObject(source, options));
  std::error_code error;
  std::filesystem::create_directories(std::string(cache_dir), error);
  if (error) {
    return absl::PermissionDeniedError(
        absl::StrCat("cannot create the cache directory '", cache_dir,
                     "': ", error.message()));
  }
  PROVI_RETURN_IF_ERROR(SaveMultiObject(data, split, path));
  return data;
}

}  // namespace provi

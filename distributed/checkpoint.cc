// Copyright 2026 The provi Authors.

#include "distributed/checkpoint.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "base/status_macros.h"
#include "distributed/internal/agreement.h"

namespace provi {
namespace {

namespace fs = std::filesystem;
using distributed_internal::HashBytes;

constexpr char kMagic[8] = {'P', 'R', 'O', 'V', 'I', 'D', 'P', 'S'};
constexpr uint32_t kVersion = 1;
constexpr char kLatest[] = "latest";
constexpr char kStepPrefix[] = "step-";

template <typename T>
void Put(std::string& out, T value) {
  out.append(reinterpret_cast<const char*>(&value), sizeof(value));
}

void PutMatrix(std::string& out, const Matrix& m) {
  Put<int64_t>(out, m.rows());
  Put<int64_t>(out, m.cols());
  for (Index k = 0; k < m.size(); ++k) Put<double>(out, m.data()[k]);
}

// Bounds-checked reads of the state file.
class Reader {
 public:
  explicit Reader(absl::string_view bytes) : bytes_(bytes) {}
  template <typename T>
  bool Get(T* value) {
    if (bytes_.size() - pos_ < sizeof(T)) return false;
    std::memcpy(value, bytes_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return true;
  }
  bool GetString(size_t n, std::string* s) {
    if (bytes_.size() - pos_ < n) return false;
    s->assign(bytes_.data() + pos_, n);
    pos_ += n;
    return true;
  }
  bool GetMatrix(Matrix* m) {
    int64_t rows, cols;
    if (!Get(&rows) || !Get(&cols) || rows < 0 || cols < 0) return false;
    if (rows != 0 &&
        static_cast<uint64_t>(cols) >
            (bytes_.size() - pos_) / 8 / static_cast<uint64_t>(rows)) {
      return false;
    }
    m->resize(rows, cols);
    for (Index k = 0; k < m->size(); ++k) {
      double v;
      if (!Get(&v)) return false;
      m->data()[k] = static_cast<Real>(v);
    }
    return true;
  }
  bool done() const { return pos_ == bytes_.size(); }

 private:
  absl::string_view bytes_;
  size_t pos_ = 0;
};

absl::Status ErrnoError(const std::string& what) {
  return absl::ErrnoToStatus(errno, what);
}

// Writes `bytes` to a new file at `path` and syncs it.
absl::Status WriteSynced(const std::string& path, absl::string_view bytes) {
  const int fd =
      open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd < 0) return ErrnoError(absl::StrCat("cannot create '", path, "'"));
  absl::Status status;
  while (!bytes.empty() && status.ok()) {
    const ssize_t n = write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      status = ErrnoError(absl::StrCat("cannot write '", path, "'"));
    } else {
      bytes.remove_prefix(static_cast<size_t>(n));
    }
  }
  if (status.ok() && fsync(fd) != 0) {
    status = ErrnoError(absl::StrCat("cannot sync '", path, "'"));
  }
  if (close(fd) != 0 && status.ok()) {
    status = ErrnoError(absl::StrCat("cannot close '", path, "'"));
  }
  return status;
}

void SyncDirectory(const std::string& path) {
  const int fd = open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;  // some file systems cannot; the files are synced
  fsync(fd);
  close(fd);
}

std::string StateBytes(const ParamStore& store, const Optimizer& optimizer,
                       int64_t step) {
  const OptimizerState state = optimizer.GetState(store.parameter_pointers());
  std::string out(kMagic, sizeof(kMagic));
  Put<uint32_t>(out, kVersion);
  Put<int64_t>(out, step);
  Put<int64_t>(out, state.steps);
  Put<uint64_t>(out, store.size());
  for (size_t i = 0; i < store.size(); ++i) {
    const std::string& name = store.parameters()[i].address.name();
    Put<uint32_t>(out, static_cast<uint32_t>(name.size()));
    out.append(name);
    Put<int64_t>(out, state.parameters[i].updates);
    PutMatrix(out, state.parameters[i].first);
    PutMatrix(out, state.parameters[i].second);
  }
  Put<uint64_t>(out, HashBytes(out.data(), out.size()));
  return out;
}

absl::Status WriteCheckpoint(const std::string& directory,
                             const ParamStore& store,
                             const Optimizer& optimizer, int64_t step) {
  std::error_code error;
  const std::string name = absl::StrCat(kStepPrefix, step);
  const fs::path step_dir = fs::path(directory) / name;
  fs::create_directories(step_dir, error);
  if (error) {
    return absl::PermissionDeniedError(absl::StrCat(
        "cannot create '", step_dir.string(), "': ", error.message()));
  }
  PROVI_RETURN_IF_ERROR(WriteSynced((step_dir / "state").string(),
                                    StateBytes(store, optimizer, step)));
  PROVI_RETURN_IF_ERROR(store.Save((step_dir / "params").string()));
  SyncDirectory(step_dir.string());

  // Point `latest` at the new directory in one rename.
  const fs::path latest = fs::path(directory) / kLatest;
  std::string previous;
  if (fs::is_symlink(latest, error)) {
    previous = fs::read_symlink(latest, error).string();
  }
  const std::string temp = absl::StrCat(latest.string(), ".tmp.", getpid());
  unlink(temp.c_str());
  if (symlink(name.c_str(), temp.c_str()) != 0) {
    return ErrnoError(absl::StrCat("cannot create the link '", temp, "'"));
  }
  if (rename(temp.c_str(), latest.c_str()) != 0) {
    const absl::Status status = ErrnoError(
        absl::StrCat("cannot rename '", temp, "' to '", latest.string(), "'"));
    unlink(temp.c_str());
    return status;
  }
  SyncDirectory(directory);

  // Keep the new checkpoint and the previous one.
  for (const fs::directory_entry& entry :
       fs::directory_iterator(directory, error)) {
    const std::string entry_name = entry.path().filename().string();
    if (absl::StartsWith(entry_name, kStepPrefix) && entry_name != name &&
        entry_name != previous) {
      fs::remove_all(entry.path(), error);
    }
  }
  return absl::OkStatus();
}

absl::Status ReadFile(const std::string& path, std::string* bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::ErrnoToStatus(errno == 0 ? ENOENT : errno,
                               absl::StrCat("cannot open '", path, "'"));
  }
  std::ostringstream contents;
  contents << in.rdbuf();
  if (in.bad())
    return absl::DataLossError(absl::StrCat("cannot read '", path, "'"));
  *bytes = contents.str();
  return absl::OkStatus();
}

// Reads the state file into the step count and the optimizer state,
// ordered as `store`'s parameters (which must all be in the file).
absl::Status ReadState(const std::string& path, const ParamStore& store,
                       int64_t* step, OptimizerState* state) {
  std::string bytes;
  PROVI_RETURN_IF_ERROR(ReadFile(path, &bytes));
  auto corrupt = [&](absl::string_view what) {
    return absl::DataLossError(
        absl::StrCat("checkpoint state file '", path, "' is ", what));
  };
  if (bytes.size() < sizeof(kMagic) + 8 ||
      std::memcmp(bytes.data(), kMagic, sizeof(kMagic)) != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", path, "' is not a provi checkpoint state file"));
  }
  uint64_t hash;
  std::memcpy(&hash, bytes.data() + bytes.size() - 8, 8);
  const absl::string_view body(bytes.data(), bytes.size() - 8);
  if (hash != HashBytes(body.data(), body.size())) {
    return corrupt("corrupted (its hash does not match)");
  }
  Reader reader(body.substr(sizeof(kMagic)));
  uint32_t version;
  uint64_t count;
  state->parameters.assign(store.size(), {});
  if (!reader.Get(&version)) return corrupt("truncated");
  if (version != kVersion) {
    return absl::InvalidArgumentError(
        absl::StrCat("checkpoint state file '", path, "' has version ", version,
                     "; this build reads version ", kVersion));
  }
  if (!reader.Get(step) || !reader.Get(&state->steps) || !reader.Get(&count)) {
    return corrupt("truncated");
  }
  absl::flat_hash_map<std::string, size_t> index;
  for (size_t i = 0; i < store.size(); ++i) {
    index.emplace(store.parameters()[i].address.name(), i);
  }
  for (uint64_t k = 0; k < count; ++k) {
    uint32_t length;
    std::string name;
    OptimizerState::PerParameter p;
    if (!reader.Get(&length) || !reader.GetString(length, &name) ||
        !reader.Get(&p.updates) || !reader.GetMatrix(&p.first) ||
        !reader.GetMatrix(&p.second)) {
      return corrupt("truncated");
    }
    auto it = index.find(name);
    if (it != index.end()) state->parameters[it->second] = std::move(p);
  }
  if (!reader.done()) return corrupt("longer than its contents");
  return absl::OkStatus();
}

}  // namespace

absl::Status SaveCheckpoint(Communicator& comm, const std::string& directory,
                            const ParamStore& store, const Optimizer& optimizer,
                            int64_t step) {
  absl::Status local;
  if (comm.rank() == 0) {
    local = WriteCheckpoint(directory, store, optimizer, step);
  }
  return AgreeOnStatus(comm, local);
}

absl::StatusOr<int64_t> RestoreCheckpoint(Communicator& comm,
                                          const std::string& directory,
                                          ParamStore& store,
                                          Optimizer& optimizer) {
  // Rank 0 resolves `latest`, so every rank reads the same checkpoint.
  std::string name;
  absl::Status local;
  if (comm.rank() == 0) {
    std::error_code error;
    const fs::path latest = fs::path(directory) / kLatest;
    name = fs::read_symlink(latest, error).string();
    if (error) {
      local = absl::NotFoundError(absl::StrCat("no checkpoint in '", directory,
                                               "' (", latest.string(), ": ",
                                               error.message(), ")"));
    }
  }
  PROVI_RETURN_IF_ERROR(AgreeOnStatus(comm, local));
  PROVI_RETURN_IF_ERROR(comm.Broadcast(name, 0));

  const fs::path step_dir = fs::path(directory) / name;
  int64_t step = 0;
  local = store.Load((step_dir / "params").string(), LoadOptions{false});
  if (local.ok()) {
    OptimizerState state;
    local = ReadState((step_dir / "state").string(), store, &step, &state);
    if (local.ok())
      local = optimizer.SetState(state, store.parameter_pointers());
  }
  PROVI_RETURN_IF_ERROR(AgreeOnStatus(comm, local));
  return step;
}

}  // namespace provi

// Copyright 2026 The provi Authors.

#include "data/files.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace provi {
namespace {

absl::Status WriteAll(int fd, absl::string_view bytes,
                      const std::string& path) {
  while (!bytes.empty()) {
    const ssize_t n = write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return absl::ErrnoToStatus(errno,
                                 absl::StrCat("cannot write '", path, "'"));
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return absl::OkStatus();
}

std::string Directory(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

// Removes the temporary files "<path>.tmp.<pid>.<n>" that WriteFileAtomically
// left when its process died mid-write (a process that no longer exists),
// so repeated interrupted writes do not accumulate them. Best effort.
void RemoveStaleTemporaries(const std::string& path) {
  const std::string directory = Directory(path);
  const size_t slash = path.rfind('/');
  const std::string prefix = absl::StrCat(
      slash == std::string::npos ? path : path.substr(slash + 1), ".tmp.");
  DIR* dir = opendir(directory.c_str());
  if (dir == nullptr) return;
  while (const dirent* entry = readdir(dir)) {
    const absl::string_view name(entry->d_name);
    if (!absl::StartsWith(name, prefix)) continue;
    absl::string_view rest = name.substr(prefix.size());
    const size_t dot = rest.find('.');
    int pid = 0;
    if (dot == absl::string_view::npos ||
        !absl::SimpleAtoi(rest.substr(0, dot), &pid) || pid <= 0 ||
        pid == getpid()) {
      continue;
    }
    if (kill(pid, 0) != 0 && errno == ESRCH) {
      unlink(absl::StrCat(directory, "/", name).c_str());
    }
  }
  closedir(dir);
}

}  // namespace

absl::StatusOr<std::string> ReadFileToString(const std::string& path) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return absl::ErrnoToStatus(errno, absl::StrCat("cannot open '", path, "'"));
  }
  std::string contents;
  char buffer[1 << 16];
  absl::Status status;
  while (true) {
    const ssize_t n = read(fd, buffer, sizeof(buffer));
    if (n < 0) {
      if (errno == EINTR) continue;
      status =
          absl::ErrnoToStatus(errno, absl::StrCat("cannot read '", path, "'"));
      break;
    }
    if (n == 0) break;
    contents.append(buffer, static_cast<size_t>(n));
  }
  close(fd);
  if (!status.ok()) return status;
  return contents;
}

absl::Status WriteFileAtomically(const std::string& path,
                                 absl::string_view bytes) {
  RemoveStaleTemporaries(path);
  static std::atomic<uint64_t> counter{0};
  const std::string temp =
      absl::StrCat(path, ".tmp.", getpid(), ".",
                   counter.fetch_add(1, std::memory_order_relaxed));
  const int fd =
      open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  if (fd < 0) {
    return absl::ErrnoToStatus(
        errno, absl::StrCat("cannot create the temporary file '", temp, "'"));
  }
  absl::Status status = WriteAll(fd, bytes, temp);
  if (status.ok() && fsync(fd) != 0) {
    status =
        absl::ErrnoToStatus(errno, absl::StrCat("cannot sync '", temp, "'"));
  }
  if (close(fd) != 0 && status.ok()) {
    status =
        absl::ErrnoToStatus(errno, absl::StrCat("cannot close '", temp, "'"));
  }
  if (status.ok() && rename(temp.c_str(), path.c_str()) != 0) {
    status = absl::ErrnoToStatus(
        errno, absl::StrCat("cannot rename '", temp, "' to '", path, "'"));
  }
  if (!status.ok()) {
    unlink(temp.c_str());
    return status;
  }
  // Make the rename durable too. Some file systems cannot sync a
  // directory; the file itself is complete either way.
  const int dir =
      open(Directory(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    fsync(dir);
    close(dir);
  }
  return absl::OkStatus();
}

uint64_t Fnv1a64(absl::string_view bytes) {
  uint64_t hash = 14695981039346656037ull;
  for (const char c : bytes) {
    hash ^= static_cast<uint8_t>(c);
    hash *= 1099511628211ull;
  }
  return hash;
}

void PutU8(std::string& out, uint8_t v) { out.push_back(static_cast<char>(v)); }

void PutU32(std::string& out, uint32_t v) {
  for (int k = 0; k < 4; ++k) PutU8(out, static_cast<uint8_t>(v >> (8 * k)));
}

void PutU64(std::string& out, uint64_t v) {
  for (int k = 0; k < 8; ++k) PutU8(out, static_cast<uint8_t>(v >> (8 * k)));
}

void PutF64(std::string& out, double v) {
  uint64_t bits;
  std::memcpy(&bits, &v, sizeof(bits));
  PutU64(out, bits);
}

bool ByteReader::U8(uint8_t* v) {
  if (remaining() < 1) return false;
  *v = static_cast<uint8_t>(bytes_[pos_++]);
  return true;
}

bool ByteReader::U32(uint32_t* v) {
  uint64_t wide;
  if (!Unsigned(4, &wide)) return false;
  *v = static_cast<uint32_t>(wide);
  return true;
}

bool ByteReader::U64(uint64_t* v) { return Unsigned(8, v); }

bool ByteReader::F64(double* v) {
  uint64_t bits;
  if (!Unsigned(8, &bits)) return false;
  std::memcpy(v, &bits, sizeof(bits));
  return true;
}

bool ByteReader::Bytes(size_t n, absl::string_view* v) {
  if (remaining() < n) return false;
  *v = bytes_.substr(pos_, n);
  pos_ += n;
  return true;
}

bool ByteReader::Unsigned(int n, uint64_t* v) {
  if (remaining() < static_cast<size_t>(n)) return false;
  uint64_t out = 0;
  for (int k = 0; k < n; ++k) {
    out |= uint64_t{static_cast<uint8_t>(bytes_[pos_ + k])} << (8 * k);
  }
  pos_ += static_cast<size_t>(n);
  *v = out;
  return true;
}

}  // namespace provi

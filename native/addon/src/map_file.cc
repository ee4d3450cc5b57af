// Read-only shared mappings of a file exposed as Buffers without copying.
//
// The monitor reads guest RAM from the VM's /dev/shm backing file while the guest runs; MAP_SHARED
// makes the guest's writes visible through the Buffer as they happen, and PROT_READ guarantees the
// host can never corrupt guest memory through it.
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "args.h"
#include "errors.h"
#include "register.h"

namespace ktstr {

namespace {

struct Mapping {
  void* addr;
  size_t length;
};

// Runs when the Buffer (and every view sharing its memory) has been garbage collected. Until then
// the mapping stays alive even if the file is unlinked or the VM exits, so a Buffer never points at
// unmapped memory.
void Unmap(Napi::Env /*env*/, uint8_t* /*data*/, Mapping* mapping) {
  munmap(mapping->addr, mapping->length);
  delete mapping;
}

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

// mapFileReadOnly(path, offset, length) -> Buffer
//   offset: number | bigint, a multiple of the page size (mmap's requirement; reported clearly
//           here rather than as a bare EINVAL)
//   length: bytes to map, > 0. Node limits a single Buffer's length (buffer.constants.MAX_LENGTH),
//           so large guests are read through several windows rather than one mapping.
Napi::Value MapFileReadOnly(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string path = StringArg(info, 0, "mapFileReadOnly", "path");
  uint64_t offset = OffsetArg(info, 1, "mapFileReadOnly", "offset");
  int64_t length = IntegerArg(info, 2, "mapFileReadOnly", "length", 1, 9007199254740991LL);

  uint64_t page = static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
  if (offset % page != 0) {
    uint64_t below = offset - offset % page;
    ThrowRange(env, "mapFileReadOnly: offset " + std::to_string(offset) + " is not a multiple of the page size (" +
                        std::to_string(page) + ") for '" + path + "'; map from offset " + std::to_string(below) +
                        " and skip the first " + std::to_string(offset - below) + " bytes of the Buffer");
  }

  Fd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) ThrowErrno(env, errno, "open", path);

  struct stat st;
  if (fstat(fd.get(), &st) != 0) ThrowErrno(env, errno, "fstat", path);
  // Touching a mapped page that lies wholly past end-of-file raises SIGBUS, which would kill the
  // whole Node process instead of throwing; refuse such a mapping up front. (Device files report
  // size 0 and are exempt.) This cannot protect against the file being truncated afterwards.
  if (S_ISREG(st.st_mode) && offset + static_cast<uint64_t>(length) > static_cast<uint64_t>(st.st_size)) {
    ThrowRange(env, "mapFileReadOnly: range [" + std::to_string(offset) + ", " +
                        std::to_string(offset + static_cast<uint64_t>(length)) + ") extends past the end of '" + path +
                        "' (" + std::to_string(st.st_size) + " bytes)");
  }

  void* addr = mmap(nullptr, static_cast<size_t>(length), PROT_READ, MAP_SHARED, fd.get(), static_cast<off_t>(offset));
  if (addr == MAP_FAILED) ThrowErrno(env, errno, "mmap", path);
  // The descriptor can be closed now: the mapping holds its own reference to the file.

  auto* mapping = new Mapping{addr, static_cast<size_t>(length)};
  try {
    return Napi::Buffer<uint8_t>::New(env, static_cast<uint8_t*>(addr), mapping->length, Unmap, mapping);
  } catch (...) {
    // Not handed to a Buffer (e.g. longer than Node allows): nothing else will ever unmap it.
    munmap(addr, mapping->length);
    delete mapping;
    throw;
  }
}

}  // namespace

void RegisterMapFile(Napi::Env env, Napi::Object exports) {
  exports.Set("mapFileReadOnly", Napi::Function::New(env, MapFileReadOnly, "mapFileReadOnly"));
}

}  // namespace ktstr

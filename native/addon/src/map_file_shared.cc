// Read-write shared mappings of a guest-RAM file, for the monitor (core/src/monitor/guest-mem.ts).
//
// map_file.cc gives read-only views, which is all most readers need and guarantees the host never
// corrupts the guest. Some monitor work has to write guest memory (poking a BPF map's value, a
// test-controlled flag), so this maps the same file with PROT_WRITE as well: MAP_SHARED makes the
// guest see host writes immediately, as it sees its own. Kept apart so that a reader that only
// needs read-only access keeps using the mapping that cannot write.
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

struct SharedMapping {
  void* addr;
  size_t length;
};

// The mapping lives until the Buffer and every view of it are garbage collected, so a Buffer never
// points at unmapped memory, even after the VM exits and its file is unlinked.
void UnmapShared(Napi::Env /*env*/, uint8_t* /*data*/, SharedMapping* mapping) {
  munmap(mapping->addr, mapping->length);
  delete mapping;
}

// mapFileShared(path, offset, length, writable) -> Buffer
//   offset: number | bigint, a multiple of the page size
//   length: bytes, > 0, within the file (touching a page past end-of-file raises SIGBUS, which
//           would kill the process instead of throwing)
//   writable: false maps PROT_READ only (same as mapFileReadOnly); true opens O_RDWR and maps
//             PROT_READ | PROT_WRITE.
Napi::Value MapFileShared(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string path = StringArg(info, 0, "mapFileShared", "path");
  uint64_t offset = OffsetArg(info, 1, "mapFileShared", "offset");
  int64_t length = IntegerArg(info, 2, "mapFileShared", "length", 1, 9007199254740991LL);
  bool writable = BooleanArg(info, 3, "mapFileShared", "writable");

  uint64_t page = static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
  if (offset % page != 0) {
    ThrowRange(env, "mapFileShared: offset " + std::to_string(offset) + " is not a multiple of the page size (" +
                        std::to_string(page) + ") for '" + path + "'");
  }

  int fd = open(path.c_str(), (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC);
  if (fd < 0) ThrowErrno(env, errno, "open", path);
  struct stat st;
  if (fstat(fd, &st) != 0) {
    int err = errno;
    close(fd);
    ThrowErrno(env, err, "fstat", path);
  }
  if (!S_ISREG(st.st_mode) || offset + static_cast<uint64_t>(length) > static_cast<uint64_t>(st.st_size)) {
    close(fd);
    ThrowRange(env, "mapFileShared: range [" + std::to_string(offset) + ", " +
                        std::to_string(offset + static_cast<uint64_t>(length)) + ") is not inside the regular file '" +
                        path + "' (" + std::to_string(st.st_size) + " bytes)");
  }

  int prot = writable ? (PROT_READ | PROT_WRITE) : PROT_READ;
  void* addr = mmap(nullptr, static_cast<size_t>(length), prot, MAP_SHARED, fd, static_cast<off_t>(offset));
  int err = errno;
  // The mapping holds its own reference to the file.
  close(fd);
  if (addr == MAP_FAILED) ThrowErrno(env, err, "mmap", path);

  auto* mapping = new SharedMapping{addr, static_cast<size_t>(length)};
  try {
    return Napi::Buffer<uint8_t>::New(env, static_cast<uint8_t*>(addr), mapping->length, UnmapShared, mapping);
  } catch (...) {
    munmap(addr, mapping->length);
    delete mapping;
    throw;
  }
}

}  // namespace

void RegisterMapFileShared(Napi::Env env, Napi::Object exports) {
  exports.Set("mapFileShared", Napi::Function::New(env, MapFileShared, "mapFileShared"));
}

}  // namespace ktstr

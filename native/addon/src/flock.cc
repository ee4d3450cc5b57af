// Advisory whole-file locks (flock(2)).
//
// flock rather than fcntl/POSIX record locks because flock locks belong to the open file
// description: they are released when the last descriptor referring to it is closed, which includes
// the owning process dying by any means (SIGKILL too), and closing an unrelated descriptor to the
// same file elsewhere in the process does not drop them (it does for fcntl locks). That is exactly
// the "lock dies with its holder" behaviour the cache and VM locks rely on.
#include <errno.h>
#include <sys/file.h>

#include <climits>
#include <string>

#include "args.h"
#include "errors.h"
#include "register.h"

namespace ktstr {

namespace {

// flock(fd, mode, wait) -> boolean
//   mode: 'shared' | 'exclusive'
//   wait: true blocks the calling (JS) thread until the lock is granted, so it is only suitable
//         for locks that are known to be short-held; the TypeScript lock API waits by polling with
//         wait=false instead, so it can time out and say who holds the lock.
// Returns false only when wait is false and the lock is held elsewhere in a conflicting mode.
Napi::Value Flock(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = static_cast<int>(IntegerArg(info, 0, "flock", "fd", 0, INT_MAX));
  std::string mode = StringArg(info, 1, "flock", "mode");
  bool wait = BooleanArg(info, 2, "flock", "wait");

  int op;
  if (mode == "shared") {
    op = LOCK_SH;
  } else if (mode == "exclusive") {
    op = LOCK_EX;
  } else {
    ThrowType(env, "flock: mode must be 'shared' or 'exclusive' (got '" + mode + "')");
  }
  if (!wait) op |= LOCK_NB;

  for (;;) {
    if (flock(fd, op) == 0) return Napi::Boolean::New(env, true);
    int err = errno;
    // A signal delivered to this thread interrupts a blocking wait; the lock is still wanted.
    if (err == EINTR) continue;
    if (!wait && err == EWOULDBLOCK) return Napi::Boolean::New(env, false);
    ThrowErrno(env, err, "flock", DescribeFd(fd));
  }
}

// funlock(fd): drops this open file description's lock. Closing the descriptor does the same, so
// this only matters when the descriptor is kept open (e.g. to downgrade or re-lock later).
Napi::Value Funlock(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = static_cast<int>(IntegerArg(info, 0, "funlock", "fd", 0, INT_MAX));
  for (;;) {
    if (flock(fd, LOCK_UN) == 0) return env.Undefined();
    int err = errno;
    if (err == EINTR) continue;
    ThrowErrno(env, err, "flock", DescribeFd(fd));
  }
}

}  // namespace

void RegisterFlock(Napi::Env env, Napi::Object exports) {
  exports.Set("flock", Napi::Function::New(env, Flock, "flock"));
  exports.Set("funlock", Napi::Function::New(env, Funlock, "funlock"));
}

}  // namespace ktstr

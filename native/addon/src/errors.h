// Turning failed system calls into JS errors shaped like Node's own system errors.
#pragma once

#include <napi.h>

#include <string>

namespace ktstr {

// The symbolic name of an errno value ("EAGAIN"), or "E<number>" if libc has none.
std::string ErrnoName(int err);

// Throws an Error whose message reads like Node's fs errors
//   "ENOENT: No such file or directory, open '/dev/shm/guest-ram'"
// and which carries the same properties (code, errno, syscall, path), so callers can handle
// addon failures and fs failures with the same code. `subject` is the file the call was about;
// when the call was not about a file (affinity), it is a short description such as "pid 42".
[[noreturn]] void ThrowErrno(Napi::Env env, int err, const char* syscall, const std::string& subject);

// A best-effort name for an open descriptor (its /proc/self/fd link target), so that errors about
// an fd still say which file it was.
std::string DescribeFd(int fd);

}  // namespace ktstr

#include "errors.h"

#include <limits.h>
#include <string.h>
#include <unistd.h>

namespace ktstr {

std::string ErrnoName(int err) {
  if (const char* name = strerrorname_np(err)) return name;
  return "E" + std::to_string(err);
}

void ThrowErrno(Napi::Env env, int err, const char* syscall, const std::string& subject) {
  const char* desc = strerrordesc_np(err);
  std::string code = ErrnoName(err);
  std::string message = code + ": " + (desc ? desc : "Unknown error") + ", " + syscall;
  if (!subject.empty()) message += " '" + subject + "'";

  Napi::Error error = Napi::Error::New(env, message);
  Napi::Object obj = error.Value();
  obj.Set("code", code);
  // Node reports system errors with negative errno values (libuv's convention); match it.
  obj.Set("errno", -err);
  obj.Set("syscall", syscall);
  if (!subject.empty()) obj.Set("path", subject);
  throw error;
}

std::string DescribeFd(int fd) {
  std::string link = "/proc/self/fd/" + std::to_string(fd);
  char target[PATH_MAX];
  ssize_t n = readlink(link.c_str(), target, sizeof target - 1);
  if (n < 0) return "fd " + std::to_string(fd);
  return std::string(target, static_cast<size_t>(n));
}

}  // namespace ktstr

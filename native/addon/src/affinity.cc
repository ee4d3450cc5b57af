// CPU affinity of a process or thread (sched_setaffinity(2) / sched_getaffinity(2)).
//
// The pid may be a thread id: Linux applies affinity per thread, which is what pinning individual
// VM vCPU threads needs. Dynamically sized CPU sets (CPU_ALLOC) are used because the fixed
// cpu_set_t stops at 1024 CPUs.
#include <errno.h>
#include <sched.h>

#include <algorithm>
#include <climits>
#include <memory>
#include <string>
#include <vector>

#include "args.h"
#include "errors.h"
#include "register.h"

namespace ktstr {

namespace {

// Far above any real machine; only guards against a runaway loop or allocation.
constexpr int64_t kMaxCpus = 1 << 20;

struct CpuSetDeleter {
  void operator()(cpu_set_t* set) const { CPU_FREE(set); }
};
using CpuSet = std::unique_ptr<cpu_set_t, CpuSetDeleter>;

CpuSet AllocCpuSet(Napi::Env env, size_t ncpus) {
  CpuSet set(CPU_ALLOC(ncpus));
  if (!set) ThrowErrno(env, ENOMEM, "CPU_ALLOC", "");
  CPU_ZERO_S(CPU_ALLOC_SIZE(ncpus), set.get());
  return set;
}

std::string PidSubject(int pid) {
  return pid == 0 ? std::string("calling thread") : "pid " + std::to_string(pid);
}

// setAffinity(pid, cpus): restricts pid (0 = the calling thread) to the given CPU numbers.
Napi::Value SetAffinity(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int pid = static_cast<int>(IntegerArg(info, 0, "setAffinity", "pid", 0, INT_MAX));
  if (!info[1].IsArray()) ThrowType(env, "setAffinity: cpus must be an array of CPU numbers");
  Napi::Array arr = info[1].As<Napi::Array>();
  // An empty mask is always EINVAL from the kernel; say what is actually wrong.
  if (arr.Length() == 0) ThrowRange(env, "setAffinity: cpus must name at least one CPU");

  std::vector<int> cpus;
  cpus.reserve(arr.Length());
  for (uint32_t i = 0; i < arr.Length(); i++) {
    Napi::Value v = arr.Get(i);
    if (!v.IsNumber()) ThrowType(env, "setAffinity: cpus[" + std::to_string(i) + "] must be a number");
    double d = v.As<Napi::Number>().DoubleValue();
    if (!(d >= 0 && d < static_cast<double>(kMaxCpus)) || static_cast<double>(static_cast<int>(d)) != d) {
      ThrowRange(env, "setAffinity: cpus[" + std::to_string(i) + "] must be a CPU number between 0 and " +
                          std::to_string(kMaxCpus - 1) + " (got " + v.ToString().Utf8Value() + ")");
    }
    cpus.push_back(static_cast<int>(d));
  }

  size_t ncpus = static_cast<size_t>(*std::max_element(cpus.begin(), cpus.end())) + 1;
  CpuSet set = AllocCpuSet(env, ncpus);
  size_t size = CPU_ALLOC_SIZE(ncpus);
  for (int cpu : cpus) CPU_SET_S(static_cast<size_t>(cpu), size, set.get());

  if (sched_setaffinity(pid, size, set.get()) != 0) {
    int err = errno;
    std::string list;
    for (size_t i = 0; i < cpus.size(); i++) list += (i ? "," : "") + std::to_string(cpus[i]);
    // EINVAL here means none of the CPUs is online and permitted by the target's cpuset.
    ThrowErrno(env, err, "sched_setaffinity", PidSubject(pid) + ", cpus " + list);
  }
  return env.Undefined();
}

// getAffinity(pid) -> number[]: the CPUs pid (0 = the calling thread) may run on, ascending.
Napi::Value GetAffinity(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int pid = static_cast<int>(IntegerArg(info, 0, "getAffinity", "pid", 0, INT_MAX));

  // The kernel rejects (EINVAL) a buffer smaller than its own CPU mask, whose size is not exported
  // directly; start at 1024 CPUs and grow until it fits.
  for (size_t ncpus = 1024; ncpus <= static_cast<size_t>(kMaxCpus); ncpus *= 2) {
    CpuSet set = AllocCpuSet(env, ncpus);
    size_t size = CPU_ALLOC_SIZE(ncpus);
    if (sched_getaffinity(pid, size, set.get()) != 0) {
      int err = errno;
      if (err == EINVAL) continue;
      ThrowErrno(env, err, "sched_getaffinity", PidSubject(pid));
    }
    Napi::Array result = Napi::Array::New(env);
    uint32_t n = 0;
    // CPU_ALLOC_SIZE rounds up, so every bit in `size` bytes is meaningful.
    for (size_t cpu = 0; cpu < size * 8; cpu++) {
      if (CPU_ISSET_S(cpu, size, set.get())) result.Set(n++, Napi::Number::New(env, static_cast<double>(cpu)));
    }
    return result;
  }
  ThrowErrno(env, EINVAL, "sched_getaffinity", PidSubject(pid));
}

}  // namespace

void RegisterAffinity(Napi::Env env, Napi::Object exports) {
  exports.Set("setAffinity", Napi::Function::New(env, SetAffinity, "setAffinity"));
  exports.Set("getAffinity", Napi::Function::New(env, GetAffinity, "getAffinity"));
}

}  // namespace ktstr

// Module entry point. The JS-facing contract (argument types, return values) is described by the
// TypeScript declarations in native/src/index.ts; keep the two in step.
#include <napi.h>

#include "register.h"

namespace {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  ktstr::RegisterFlock(env, exports);
  ktstr::RegisterAffinity(env, exports);
  ktstr::RegisterMapFile(env, exports);
  ktstr::RegisterMapFileShared(env, exports);
  return exports;
}

}  // namespace

NODE_API_MODULE(ktstr_native, Init)

// Each file adds its functions to the module's exports; addon.cc calls them all.
#pragma once

#include <napi.h>

namespace ktstr {

void RegisterFlock(Napi::Env env, Napi::Object exports);     // flock.cc
void RegisterAffinity(Napi::Env env, Napi::Object exports);  // affinity.cc
void RegisterMapFile(Napi::Env env, Napi::Object exports);   // map_file.cc
void RegisterMapFileShared(Napi::Env env, Napi::Object exports);  // map_file_shared.cc

}  // namespace ktstr

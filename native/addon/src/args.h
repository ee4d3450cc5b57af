// Argument validation shared by the exported functions. Bad arguments are programming errors on
// the JS side, so they throw TypeError/RangeError naming the function and the argument rather than
// reaching a system call with a truncated or wrapped value.
#pragma once

#include <napi.h>

#include <cstdint>
#include <string>

namespace ktstr {

// info[index] as an integer in [min, max]; `what` names the argument in messages ("fd").
int64_t IntegerArg(const Napi::CallbackInfo& info, size_t index, const char* fn, const char* what,
                   int64_t min, int64_t max);

// info[index] as a non-negative integer given either as a number (up to 2^53) or a bigint
// (up to 2^63 - 1, the range of off_t). Guest memory offsets can exceed 2^53 in principle.
uint64_t OffsetArg(const Napi::CallbackInfo& info, size_t index, const char* fn, const char* what);

std::string StringArg(const Napi::CallbackInfo& info, size_t index, const char* fn, const char* what);

bool BooleanArg(const Napi::CallbackInfo& info, size_t index, const char* fn, const char* what);

[[noreturn]] void ThrowType(Napi::Env env, const std::string& message);
[[noreturn]] void ThrowRange(Napi::Env env, const std::string& message);

}  // namespace ktstr

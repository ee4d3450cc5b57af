#include "args.h"

#include <cmath>
#include <limits>

namespace ktstr {

namespace {

constexpr double kMaxSafeInteger = 9007199254740991.0;  // Number.MAX_SAFE_INTEGER

std::string Prefix(const char* fn, const char* what) {
  return std::string(fn) + ": " + what;
}

}  // namespace

void ThrowType(Napi::Env env, const std::string& message) {
  throw Napi::TypeError::New(env, message);
}

void ThrowRange(Napi::Env env, const std::string& message) {
  throw Napi::RangeError::New(env, message);
}

int64_t IntegerArg(const Napi::CallbackInfo& info, size_t index, const char* fn, const char* what,
                   int64_t min, int64_t max) {
  Napi::Value v = info[index];
  if (!v.IsNumber()) ThrowType(info.Env(), Prefix(fn, what) + " must be a number");
  double d = v.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(d) || std::trunc(d) != d) {
    ThrowType(info.Env(), Prefix(fn, what) + " must be an integer (got " + v.ToString().Utf8Value() + ")");
  }
  if (d < static_cast<double>(min) || d > static_cast<double>(max)) {
    ThrowRange(info.Env(), Prefix(fn, what) + " must be between " + std::to_string(min) + " and " +
                               std::to_string(max) + " (got " + v.ToString().Utf8Value() + ")");
  }
  return static_cast<int64_t>(d);
}

uint64_t OffsetArg(const Napi::CallbackInfo& info, size_t index, const char* fn, const char* what) {
  Napi::Value v = info[index];
  constexpr uint64_t kMax = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  if (v.IsBigInt()) {
    bool lossless = false;
    uint64_t u = v.As<Napi::BigInt>().Uint64Value(&lossless);
    // A negative bigint comes back as its two's complement with lossless == false.
    if (!lossless || u > kMax) {
      ThrowRange(info.Env(), Prefix(fn, what) + " must be between 0 and 2^63-1 (got " +
                                 v.ToString().Utf8Value() + "n)");
    }
    return u;
  }
  if (v.IsNumber()) {
    double d = v.As<Napi::Number>().DoubleValue();
    if (!std::isfinite(d) || std::trunc(d) != d || d < 0 || d > kMaxSafeInteger) {
      ThrowRange(info.Env(), Prefix(fn, what) +
                                 " must be a non-negative safe integer, or a bigint for larger values (got " +
                                 v.ToString().Utf8Value() + ")");
    }
    return static_cast<uint64_t>(d);
  }
  ThrowType(info.Env(), Prefix(fn, what) + " must be a number or a bigint");
}

std::string StringArg(const Napi::CallbackInfo& info, size_t index, const char* fn, const char* what) {
  Napi::Value v = info[index];
  if (!v.IsString()) ThrowType(info.Env(), Prefix(fn, what) + " must be a string");
  std::string s = v.As<Napi::String>().Utf8Value();
  // A C string would silently stop at the NUL and name a different file.
  if (s.find('\0') != std::string::npos) ThrowType(info.Env(), Prefix(fn, what) + " must not contain NUL bytes");
  return s;
}

bool BooleanArg(const Napi::CallbackInfo& info, size_t index, const char* fn, const char* what) {
  Napi::Value v = info[index];
  if (!v.IsBoolean()) ThrowType(info.Env(), Prefix(fn, what) + " must be a boolean");
  return v.As<Napi::Boolean>().Value();
}

}  // namespace ktstr

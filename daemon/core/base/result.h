// mfa::Result<T>: expected failures as values (a subset of C++23 std::expected, which GCC 12
// lacks in C++20). When the toolchain moves to C++23 this becomes an alias of std::expected.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <variant>

#include "daemon/core/base/errc.h"

namespace mfa {

struct Error {
  Errc code = Errc::kInternal;
  std::string context;             // human-readable, never contains a secret
  std::int64_t retry_after_s = 0;  // for kLockedOut / kRateLimited
};

inline Error make_error(Errc code, std::string context = {}) {
  return Error{code, std::move(context), 0};
}

// Tag type so that `return mfa::fail(Errc::kNotFound, "...")` reads well.
struct Unexpected {
  Error error;
};
inline Unexpected fail(Errc code, std::string context = {}) {
  return Unexpected{Error{code, std::move(context), 0}};
}
inline Unexpected fail(Error e) {
  return Unexpected{std::move(e)};
}

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
  Result(Unexpected u) : v_(std::in_place_index<1>, std::move(u.error)) {}  // NOLINT

  bool has_value() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return has_value(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const Error& error() const& { return std::get<1>(v_); }
  Error&& error() && { return std::get<1>(std::move(v_)); }

  template <class F>
  auto and_then(F&& f) & -> decltype(f(value())) {
    if (!has_value()) return Unexpected{error()};
    return f(value());
  }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Unexpected u) : err_(std::move(u.error)), ok_(false) {}  // NOLINT

  bool has_value() const noexcept { return ok_; }
  explicit operator bool() const noexcept { return ok_; }
  const Error& error() const& { return err_; }

 private:
  Error err_{};
  bool ok_ = true;
};

using Status = Result<void>;

// Propagates an error out of a function returning any Result<U>.
#define MFA_TRY(expr)                               \
  do {                                              \
    auto&& mfa_try_r_ = (expr);                     \
    if (!mfa_try_r_.has_value()) {                  \
      return ::mfa::Unexpected{mfa_try_r_.error()}; \
    }                                               \
  } while (0)

}  // namespace mfa

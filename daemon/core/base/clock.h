// Injectable time source. Core logic takes a Clock& so that tests can travel in time
// (TOTP step edges, lockout windows, challenge expiry) without sleeping.
#pragma once

#include <cstdint>

namespace mfa {

class Clock {
 public:
  virtual ~Clock() = default;
  // Seconds since the Unix epoch (64-bit: RFC 6238 vectors reach T = 20000000000).
  virtual std::int64_t now_s() const = 0;
  // Milliseconds since the epoch, for timelines and latency.
  virtual std::int64_t now_ms() const = 0;
};

class SystemClock final : public Clock {
 public:
  std::int64_t now_s() const override;
  std::int64_t now_ms() const override;
};

// A clock that stands still until told to move; used by tests and by tools that replay.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(std::int64_t start_ms = 0) : ms_(start_ms) {}
  std::int64_t now_s() const override { return ms_ / 1000; }
  std::int64_t now_ms() const override { return ms_; }
  void set_s(std::int64_t s) { ms_ = s * 1000; }
  void advance_s(std::int64_t s) { ms_ += s * 1000; }
  void advance_ms(std::int64_t ms) { ms_ += ms; }

 private:
  std::int64_t ms_;
};

}  // namespace mfa

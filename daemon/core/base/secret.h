// SecretBuffer: bytes that must never be copied implicitly, logged or compared in variable
// time. Wiped with OPENSSL_cleanse on destruction and when moved from. No operator<< exists,
// so a secret cannot reach a log by accident.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace mfa {

class SecretBuffer {
 public:
  SecretBuffer() = default;
  explicit SecretBuffer(std::size_t size);
  SecretBuffer(const std::uint8_t* data, std::size_t size);
  static SecretBuffer from_string(std::string_view s);
  ~SecretBuffer();

  SecretBuffer(const SecretBuffer&) = delete;
  SecretBuffer& operator=(const SecretBuffer&) = delete;
  SecretBuffer(SecretBuffer&& other) noexcept;
  SecretBuffer& operator=(SecretBuffer&& other) noexcept;

  // An explicit copy, so that copies of secrets are visible in review.
  SecretBuffer clone() const;

  std::uint8_t* data() noexcept { return bytes_.data(); }
  const std::uint8_t* data() const noexcept { return bytes_.data(); }
  std::size_t size() const noexcept { return bytes_.size(); }
  bool empty() const noexcept { return bytes_.empty(); }
  std::span<const std::uint8_t> span() const noexcept { return bytes_; }
  // A view as characters, for secrets that are text (codes typed by a user).
  std::string_view view() const noexcept;

  void wipe() noexcept;

 private:
  std::vector<std::uint8_t> bytes_;
};

// Constant-time equality (CRYPTO_memcmp). Different lengths compare unequal; the time depends
// only on the lengths, never on the contents (security.md section 5.4).
bool ct_equal(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b) noexcept;
bool ct_equal(std::string_view a, std::string_view b) noexcept;
bool ct_equal(const SecretBuffer& a, const SecretBuffer& b) noexcept;

// Wipes any buffer (e.g. a std::string that held a code) before it is freed.
void secure_wipe(void* p, std::size_t n) noexcept;
void secure_wipe(std::string& s) noexcept;

}  // namespace mfa

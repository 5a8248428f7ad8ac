#include "daemon/core/base/secret.h"

#include <openssl/crypto.h>

#include <cstring>
#include <string>

namespace mfa {

SecretBuffer::SecretBuffer(std::size_t size) : bytes_(size, 0) {}

SecretBuffer::SecretBuffer(const std::uint8_t* data, std::size_t size)
    : bytes_(data, data + size) {}

SecretBuffer SecretBuffer::from_string(std::string_view s) {
  return SecretBuffer(reinterpret_cast<const std::uint8_t*>(s.data()), s.size());
}

SecretBuffer::~SecretBuffer() {
  wipe();
}

SecretBuffer::SecretBuffer(SecretBuffer&& other) noexcept : bytes_(std::move(other.bytes_)) {
  other.wipe();
}

SecretBuffer& SecretBuffer::operator=(SecretBuffer&& other) noexcept {
  if (this != &other) {
    wipe();
    bytes_ = std::move(other.bytes_);
    other.wipe();
  }
  return *this;
}

SecretBuffer SecretBuffer::clone() const {
  return SecretBuffer(bytes_.data(), bytes_.size());
}

std::string_view SecretBuffer::view() const noexcept {
  return {reinterpret_cast<const char*>(bytes_.data()), bytes_.size()};
}

void SecretBuffer::wipe() noexcept {
  if (!bytes_.empty()) OPENSSL_cleanse(bytes_.data(), bytes_.size());
  bytes_.clear();
}

bool ct_equal(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b) noexcept {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

bool ct_equal(std::string_view a, std::string_view b) noexcept {
  return ct_equal(std::span(reinterpret_cast<const std::uint8_t*>(a.data()), a.size()),
                  std::span(reinterpret_cast<const std::uint8_t*>(b.data()), b.size()));
}

bool ct_equal(const SecretBuffer& a, const SecretBuffer& b) noexcept {
  return ct_equal(a.span(), b.span());
}

void secure_wipe(void* p, std::size_t n) noexcept {
  if (p != nullptr && n > 0) OPENSSL_cleanse(p, n);
}

void secure_wipe(std::string& s) noexcept {
  secure_wipe(s.data(), s.size());
  s.clear();
}

}  // namespace mfa

// unique_ptr aliases for libfido2's handles (the daemon's FidoDevice implementation), declared
// once like daemon/core/c_handles.h. No naked fido_*_free calls elsewhere.
#pragma once

#include <fido.h>

#include <cstddef>
#include <memory>

namespace mfa::daemon {

struct FidoDevFree {
  // Closing a device that was never opened is harmless (libfido2 checks its I/O handle).
  void operator()(fido_dev_t* p) const noexcept {
    (void)fido_dev_close(p);
    fido_dev_free(&p);
  }
};
using FidoDevPtr = std::unique_ptr<fido_dev_t, FidoDevFree>;

struct FidoCredFree {
  void operator()(fido_cred_t* p) const noexcept { fido_cred_free(&p); }
};
using FidoCredPtr = std::unique_ptr<fido_cred_t, FidoCredFree>;

struct FidoAssertFree {
  void operator()(fido_assert_t* p) const noexcept { fido_assert_free(&p); }
};
using FidoAssertPtr = std::unique_ptr<fido_assert_t, FidoAssertFree>;

struct FidoCborInfoFree {
  void operator()(fido_cbor_info_t* p) const noexcept { fido_cbor_info_free(&p); }
};
using FidoCborInfoPtr = std::unique_ptr<fido_cbor_info_t, FidoCborInfoFree>;

// fido_dev_info_free needs the slot count given to fido_dev_info_new.
class FidoDevInfoList {
 public:
  explicit FidoDevInfoList(std::size_t n) : n_(n), p_(fido_dev_info_new(n)) {}
  ~FidoDevInfoList() {
    if (p_ != nullptr) fido_dev_info_free(&p_, n_);
  }
  FidoDevInfoList(const FidoDevInfoList&) = delete;
  FidoDevInfoList& operator=(const FidoDevInfoList&) = delete;
  fido_dev_info_t* get() const noexcept { return p_; }
  std::size_t capacity() const noexcept { return n_; }

 private:
  std::size_t n_;
  fido_dev_info_t* p_;
};

}  // namespace mfa::daemon

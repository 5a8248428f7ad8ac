// unique_ptr aliases for every C handle the core uses, declared once (style.md section 5).
// No naked *_free calls elsewhere in the core.
#pragma once

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/params.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cstddef>
#include <cstdlib>
#include <memory>

namespace mfa {

struct EvpCipherCtxFree {
  void operator()(EVP_CIPHER_CTX* p) const noexcept { EVP_CIPHER_CTX_free(p); }
};
using EvpCipherCtxPtr = std::unique_ptr<EVP_CIPHER_CTX, EvpCipherCtxFree>;

struct EvpMdCtxFree {
  void operator()(EVP_MD_CTX* p) const noexcept { EVP_MD_CTX_free(p); }
};
using EvpMdCtxPtr = std::unique_ptr<EVP_MD_CTX, EvpMdCtxFree>;

struct EvpPkeyFree {
  void operator()(EVP_PKEY* p) const noexcept { EVP_PKEY_free(p); }
};
using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, EvpPkeyFree>;

struct EvpPkeyCtxFree {
  void operator()(EVP_PKEY_CTX* p) const noexcept { EVP_PKEY_CTX_free(p); }
};
using EvpPkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, EvpPkeyCtxFree>;

struct BignumFree {
  void operator()(BIGNUM* p) const noexcept { BN_free(p); }
};
using BignumPtr = std::unique_ptr<BIGNUM, BignumFree>;

// OpenSSL 3 parameter builders and the parameter arrays they produce (EVP_PKEY_fromdata).
struct OsslParamBldFree {
  void operator()(OSSL_PARAM_BLD* p) const noexcept { OSSL_PARAM_BLD_free(p); }
};
using OsslParamBldPtr = std::unique_ptr<OSSL_PARAM_BLD, OsslParamBldFree>;

struct OsslParamFree {
  void operator()(OSSL_PARAM* p) const noexcept { OSSL_PARAM_free(p); }
};
using OsslParamPtr = std::unique_ptr<OSSL_PARAM, OsslParamFree>;

struct Asn1ObjectFree {
  void operator()(ASN1_OBJECT* p) const noexcept { ASN1_OBJECT_free(p); }
};
using Asn1ObjectPtr = std::unique_ptr<ASN1_OBJECT, Asn1ObjectFree>;

struct Asn1OctetStringFree {
  void operator()(ASN1_OCTET_STRING* p) const noexcept { ASN1_OCTET_STRING_free(p); }
};
using Asn1OctetStringPtr = std::unique_ptr<ASN1_OCTET_STRING, Asn1OctetStringFree>;

struct BasicConstraintsFree {
  void operator()(BASIC_CONSTRAINTS* p) const noexcept { BASIC_CONSTRAINTS_free(p); }
};
using BasicConstraintsPtr = std::unique_ptr<BASIC_CONSTRAINTS, BasicConstraintsFree>;

struct X509Free {
  void operator()(X509* p) const noexcept { X509_free(p); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;

// A certificate stack owning its certificates (sk_X509_pop_free).
struct X509StackFree {
  void operator()(STACK_OF(X509) * p) const noexcept { sk_X509_pop_free(p, X509_free); }
};
using X509StackPtr = std::unique_ptr<STACK_OF(X509), X509StackFree>;

struct X509StoreFree {
  void operator()(X509_STORE* p) const noexcept { X509_STORE_free(p); }
};
using X509StorePtr = std::unique_ptr<X509_STORE, X509StoreFree>;

struct X509StoreCtxFree {
  void operator()(X509_STORE_CTX* p) const noexcept { X509_STORE_CTX_free(p); }
};
using X509StoreCtxPtr = std::unique_ptr<X509_STORE_CTX, X509StoreCtxFree>;

struct BioFree {
  void operator()(BIO* p) const noexcept { BIO_free(p); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;

// A buffer liboath returned from malloc (oath_base32_decode / oath_base32_encode output). It
// holds a secret or its base32 text, so it is wiped before free(); the deleter carries the
// length liboath reported, as the buffer does not know its own.
struct OathBufferFree {
  std::size_t size = 0;
  void operator()(char* p) const noexcept {
    OPENSSL_cleanse(p, size);
    std::free(p);
  }
};
using OathBufferPtr = std::unique_ptr<char, OathBufferFree>;

struct SqliteDbClose {
  void operator()(sqlite3* p) const noexcept { sqlite3_close_v2(p); }
};
using SqliteDbPtr = std::unique_ptr<sqlite3, SqliteDbClose>;

struct SqliteStmtFinalize {
  void operator()(sqlite3_stmt* p) const noexcept { sqlite3_finalize(p); }
};
using SqliteStmtPtr = std::unique_ptr<sqlite3_stmt, SqliteStmtFinalize>;

// sqlite3_backup_finish also reports the backup's error; callers that need it call it
// themselves (release()) before the handle goes out of scope.
struct SqliteBackupFinish {
  void operator()(sqlite3_backup* p) const noexcept { sqlite3_backup_finish(p); }
};
using SqliteBackupPtr = std::unique_ptr<sqlite3_backup, SqliteBackupFinish>;

// A POSIX file descriptor, closed on scope exit (-1 = none).
class UniqueFd {
 public:
  UniqueFd() noexcept = default;
  explicit UniqueFd(int fd) noexcept : fd_(fd) {}
  ~UniqueFd() { reset(); }
  UniqueFd(UniqueFd&& o) noexcept : fd_(o.release()) {}
  UniqueFd& operator=(UniqueFd&& o) noexcept {
    if (this != &o) {
      reset();
      fd_ = o.release();
    }
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;

  int get() const noexcept { return fd_; }
  explicit operator bool() const noexcept { return fd_ >= 0; }
  int release() noexcept {
    const int fd = fd_;
    fd_ = -1;
    return fd;
  }
  void reset() noexcept {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

}  // namespace mfa

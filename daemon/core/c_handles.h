// unique_ptr aliases for every C handle the core uses, declared once (style.md section 5).
// No naked *_free calls elsewhere in the core.
#pragma once

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <sqlite3.h>

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

struct X509Free {
  void operator()(X509* p) const noexcept { X509_free(p); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;

struct SqliteDbClose {
  void operator()(sqlite3* p) const noexcept { sqlite3_close_v2(p); }
};
using SqliteDbPtr = std::unique_ptr<sqlite3, SqliteDbClose>;

struct SqliteStmtFinalize {
  void operator()(sqlite3_stmt* p) const noexcept { sqlite3_finalize(p); }
};
using SqliteStmtPtr = std::unique_ptr<sqlite3_stmt, SqliteStmtFinalize>;

}  // namespace mfa

#include "daemon/src/delivery/delivery_tls.h"

#include "daemon/core/base/bounded_file.h"
#include "daemon/core/base/limits.h"

namespace mfa::daemon {

void set_tls_verification(CURL* c, const std::string& ca_file) {
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
  curl_easy_setopt(c, CURLOPT_SSLVERSION, static_cast<long>(CURL_SSLVERSION_TLSv1_2));
  if (!ca_file.empty()) {
    curl_easy_setopt(c, CURLOPT_CAINFO, ca_file.c_str());
    curl_easy_setopt(c, CURLOPT_CAPATH, nullptr);
  }
}

Status check_ca_file(const std::string& path, const std::string& key) {
  if (path.empty()) return {};
  // libcurl reads the file itself (CURLOPT_CAINFO) at each send; this refuses at start what
  // it could not read, or what is not a regular file or is larger than a trust bundle.
  auto pem = read_bounded_file(path, {.max_bytes = limits::kMaxCaFileBytes, .what = key});
  if (!pem) return fail(pem.error());
  return {};
}

}  // namespace mfa::daemon

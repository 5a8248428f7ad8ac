#include "daemon/src/delivery_tls.h"

#include <fstream>

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
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(Errc::kConfigInvalid, path + ": cannot open " + key);
  return {};
}

}  // namespace mfa::daemon

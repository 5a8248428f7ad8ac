// TLS settings shared by the SMTP and SMS senders (libcurl): always verify the server's
// certificate and name, TLS 1.2 at least, and an optional CA file in place of the system's
// trust store.
#pragma once

#include <curl/curl.h>

#include <string>

#include "daemon/core/base/result.h"

namespace mfa::daemon {

// RFC 8314 section 4.1 (mail), RFC 9110 section 4.3.4 (https): the certificate and the name
// are checked (RFC 6125); a `ca_file` replaces the system store (a private CA).
void set_tls_verification(CURL* c, const std::string& ca_file);

// A CA file from the config must be readable at start (fail closed: not at the first send).
// `key` names the setting in the error, e.g. "delivery.sms.ca_file".
Status check_ca_file(const std::string& path, const std::string& key);

}  // namespace mfa::daemon

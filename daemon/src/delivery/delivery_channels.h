// One attempt at delivering a code: email over SMTP (RFC 5321; STARTTLS RFC 3207, implicit
// TLS RFC 8314) and SMS through an HTTP(S) gateway configured in mfad.yaml, both with libcurl.
// Called only on the delivery pool's threads (delivery_pool.h), never on a request thread.
#pragma once

#include <cstdint>
#include <string>

#include "daemon/core/config/config.h"
#include "daemon/core/services/sender.h"

namespace mfa::daemon {

struct SendOutcome {
  bool ok = false;
  bool transient = false;  // worth a retry (connection, timeout, 4xx SMTP / 5xx HTTP)
  std::string reason;      // shown to the user; never the code or a credential
};

SendOutcome send_email(const SmtpConfig& cfg, const std::string& password, std::int64_t timeout_ms,
                       const core::OutgoingCode& msg);
SendOutcome send_sms(const SmsGatewayConfig& cfg, std::int64_t timeout_ms,
                     const core::OutgoingCode& msg);

// The RFC 5322 message (headers + CRLF body) for `msg` (exposed for unit tests).
std::string build_email(const SmtpConfig& cfg, const core::OutgoingCode& msg, std::int64_t now_s);
// The gateway request body for `msg` (exposed for unit tests).
std::string build_sms_body(const SmsGatewayConfig& cfg, const core::OutgoingCode& msg);

}  // namespace mfa::daemon

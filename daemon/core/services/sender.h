// Sender: hands one delivered one-time code (SMS or email) to the outside world. The core
// decides what to send and records the outcome; the daemon implements this with libcurl on a
// bounded worker pool (daemon/src/delivery/delivery_pool.h) — core never opens a socket. Unit tests
// inject a recording sender.
#pragma once

#include <cstdint>
#include <string>

#include "daemon/core/base/result.h"
#include "daemon/core/store/store_enums.h"

namespace mfa::core {

struct OutgoingCode {
  FactorType channel = FactorType::kSms;  // sms | email
  std::string app;                        // templates are per app
  std::string user;
  std::string destination;   // E.164 phone or email address (validated at enrolment)
  std::string code;          // the plain code: lives only until the message is handed off
  std::int64_t minutes = 0;  // validity, for the {minutes} placeholder
  std::string challenge_id;
};

class Sender {
 public:
  virtual ~Sender() = default;
  // Blocks until the message was accepted by the relay / gateway or finally failed (after the
  // implementation's own timeouts and bounded retries). On failure the error is kUnavailable
  // with a reason that is safe to show the user (never the code, never credentials).
  virtual Status send(const OutgoingCode& msg) = 0;
};

}  // namespace mfa::core

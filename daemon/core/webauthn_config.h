// The `webauthn:` section of mfad.yaml: the relying party mfad acts as for passkeys.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace mfa {

struct WebAuthnConfig {
  std::string rp_id;                 // e.g. "example.com"; empty = WebAuthn not configured
  std::string rp_name = "mfad";      // shown by the browser
  std::vector<std::string> origins;  // exact allowlist, e.g. "https://login.example.com"
  std::string user_verification = "preferred";  // required | preferred | discouraged
  std::string attestation = "none";             // conveyance requested: none | direct
  // A sign count that does not grow (WebAuthn 7.2 step 21) is always audited as
  // mfa.sign_count_regression; with this set the assertion is also refused.
  bool refuse_sign_count_regression = true;
  std::int64_t timeout_ms = 300'000;      // WebAuthn recommends 5 minutes (section 13.4.3)
  std::int64_t enroll_link_ttl_s = 3600;  // one-time self-service enrolment links

  bool enabled() const { return !rp_id.empty() && !origins.empty(); }
  bool uv_required() const { return user_verification == "required"; }
};

}  // namespace mfa

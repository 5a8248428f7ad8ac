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
  // Trust anchors for x5c attestation chains (WebAuthn 7.1 steps 23-24): PEM files named in
  // mfad.yaml, read (and checked to hold certificates) when the config is loaded. Empty: an x5c
  // chain is not validated and the credential is recorded as attestation_trusted=false.
  std::vector<std::string> attestation_roots;      // the file paths
  std::vector<std::string> attestation_root_pems;  // their contents
  // Refuse a registration unless its attestation chains to one of attestation_roots (needs
  // attestation: direct, or browsers send "none").
  bool require_trusted_attestation = false;

  bool enabled() const { return !rp_id.empty() && !origins.empty(); }
  bool uv_required() const { return user_verification == "required"; }
};

}  // namespace mfa

// The `fido2:` section of mfad.yaml: FIDO2 security keys plugged into this host, used for
// console and sudo logins through the PAM conversation (issue 7 "local keys").
#pragma once

#include <cstdint>
#include <string>

namespace mfa {

struct Fido2Config {
  bool enabled = false;  // a `fido2:` section turns local keys on
  // Which key: "" = the first one libfido2 finds (fido_dev_info_manifest); "/dev/hidrawN" = that
  // HID device; "unix:/path" = an authenticator speaking raw 64-byte CTAPHID reports over a
  // SOCK_SEQPACKET Unix socket (tests/tools/soft_ctap2.py; daemon/src/fido/fido_unix_io.cc).
  std::string device;
  // Relying party id of local credentials; "" = "pam://<hostname>" (pam_u2f's convention),
  // filled in at start. Stored with each credential, so a later change keeps old keys working.
  std::string rp_id;
  std::string user_verification = "discouraged";  // required (PIN) | discouraged (touch only)
  std::int64_t timeout_ms = 20'000;               // how long to wait for a touch
  // As for WebAuthn: a counter that does not grow is audited, and with this set refused.
  bool refuse_sign_count_regression = true;

  bool uv_required() const { return user_verification == "required"; }
};

}  // namespace mfa
